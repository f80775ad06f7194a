// Reading an import CSV: encoding, delimiter, header mapping and rows.

package registry

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/khien-project/khien/internal/platform/valid"
)

// headerAliases maps folded header texts, English and Vietnamese, to fields.
var headerAliases = map[string]map[string]string{
	KindAgencies: {
		"code": "code", "ma": "code", "ma don vi": "code", "ma co quan": "code",
		"name": "name", "ten": "name", "ten don vi": "name", "ten co quan": "name",
		"parent code": "parent_code", "parent": "parent_code", "ma cap tren": "parent_code", "ma don vi cap tren": "parent_code", "don vi cap tren": "parent_code",
		"kind": "kind", "loai": "kind", "cap": "kind",
		"email": "email", "e mail": "email", "thu dien tu": "email",
		"phone": "phone", "dien thoai": "phone", "so dien thoai": "phone",
		"security officer": "security_officer", "can bo phu trach": "security_officer", "can bo an toan thong tin": "security_officer", "phu trach attt": "security_officer",
	},
	KindSystems: {
		"id":          "id",
		"agency code": "agency_code", "agency": "agency_code", "ma don vi": "agency_code", "don vi": "agency_code", "co quan": "agency_code",
		"name": "name", "ten": "name", "ten he thong": "name",
		"purpose": "purpose", "muc dich": "purpose",
		"info kind": "info_kind", "loai thong tin": "info_kind",
		"audience": "audience", "doi tuong phuc vu": "audience",
		"hosting": "hosting", "ha tang": "hosting", "noi dat": "hosting",
		"operator": "operator", "don vi van hanh": "operator",
		"status": "status", "trang thai": "status",
		"urls": "urls", "url": "urls", "dia chi web": "urls",
		"domains": "domains", "domain": "domains", "ten mien": "domains",
		"ips": "ips", "ip": "ips", "dia chi ip": "ips",
		"cidrs": "cidrs", "cidr": "cidrs", "dai ip": "cidrs", "dai dia chi": "cidrs",
		"software": "software", "phan mem": "software",
	},
}

var requiredFields = map[string][]string{
	KindAgencies: {"code", "name"},
	KindSystems:  {"agency_code", "name"},
}

// csvRow is one data row: its line and its cells by field name.
type csvRow struct {
	line   int
	fields map[string]string
}

func headerKey(h string) string {
	h = valid.Fold(strings.TrimSpace(h))
	return strings.Join(strings.FieldsFunc(h, func(r rune) bool { return r == ' ' || r == '_' || r == '-' }), " ")
}

func readCSV(in io.Reader, kind string, opts ImportOptions, rep *ImportReport) ([]csvRow, error) {
	raw, err := io.ReadAll(io.LimitReader(in, MaxImportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("registry: read csv: %w", err)
	}
	fileErr := func(en, vi string) ([]csvRow, error) {
		rep.Errors = append(rep.Errors, RowError{Line: 0, Message: en, MessageVI: vi})
		return nil, nil
	}
	if len(raw) > MaxImportBytes {
		return fileErr(fmt.Sprintf("the file is larger than %d MiB", MaxImportBytes>>20), fmt.Sprintf("tệp lớn hơn %d MiB", MaxImportBytes>>20))
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(raw) {
		return fileErr("the file is not UTF-8 text (save it from the spreadsheet as CSV UTF-8)", "tệp không phải văn bản UTF-8 (hãy lưu bảng tính dưới dạng CSV UTF-8)")
	}
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.Comma = sniffDelimiter(raw)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return fileErr("the file is empty", "tệp rỗng")
	}
	if err != nil {
		return fileErr("cannot read the header line: "+err.Error(), "không đọc được dòng tiêu đề: "+err.Error())
	}
	cols := make([]string, len(header))
	mapping := map[string]string{}
	for h, f := range opts.Mapping {
		mapping[headerKey(h)] = f
	}
	seen := map[string]bool{}
	for i, h := range header {
		key := headerKey(h)
		field, ok := mapping[key]
		if !ok {
			field, ok = headerAliases[kind][key]
		}
		if !ok || field == "-" {
			if strings.TrimSpace(h) != "" {
				rep.IgnoredColumns = append(rep.IgnoredColumns, h)
			}
			continue
		}
		if !isField(kind, field) {
			return fileErr(fmt.Sprintf("mapping of column %q names unknown field %q", h, field), fmt.Sprintf("cột %q được gán cho trường không tồn tại %q", h, field))
		}
		if seen[field] {
			return fileErr(fmt.Sprintf("two columns map to field %q", field), fmt.Sprintf("hai cột cùng ứng với trường %q", field))
		}
		seen[field] = true
		cols[i] = field
		rep.Columns[h] = field
	}
	for _, f := range requiredFields[kind] {
		if !seen[f] {
			return fileErr(fmt.Sprintf("required column %q is missing", f), fmt.Sprintf("thiếu cột bắt buộc %q", f))
		}
	}
	var rows []csvRow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			rep.Errors = append(rep.Errors, RowError{Line: line, Message: "malformed CSV: " + err.Error(), MessageVI: "CSV sai định dạng: " + err.Error()})
			return nil, nil
		}
		line, _ := cr.FieldPos(0)
		if len(rows) >= MaxImportRows {
			return fileErr(fmt.Sprintf("the file has more than %d rows", MaxImportRows), fmt.Sprintf("tệp có hơn %d dòng", MaxImportRows))
		}
		if blank(rec) {
			continue
		}
		if len(rec) > len(header) {
			rep.Errors = append(rep.Errors, RowError{Line: line, Message: fmt.Sprintf("row has %d cells but the header has %d", len(rec), len(header)), MessageVI: fmt.Sprintf("dòng có %d ô nhưng tiêu đề có %d", len(rec), len(header))})
			continue
		}
		row := csvRow{line: line, fields: map[string]string{}}
		for i, v := range rec {
			if cols[i] != "" {
				row.fields[cols[i]] = unescapeFormula(strings.TrimSpace(v))
			}
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 && len(rep.Errors) == 0 {
		return fileErr("the file has a header but no rows", "tệp chỉ có dòng tiêu đề, không có dữ liệu")
	}
	return rows, nil
}

func isField(kind, f string) bool {
	list := agencyFields
	if kind == KindSystems {
		list = systemFields
	}
	for _, x := range list {
		if x == f {
			return true
		}
	}
	return false
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// sniffDelimiter picks ',', ';' or tab, whichever the header line has most.
func sniffDelimiter(raw []byte) rune {
	first, _, _ := bytes.Cut(raw, []byte("\n"))
	best, n := ',', bytes.Count(first, []byte(","))
	for _, d := range []rune{';', '\t'} {
		if c := bytes.Count(first, []byte(string(d))); c > n {
			best, n = d, c
		}
	}
	return best
}
