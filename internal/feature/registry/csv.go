package registry

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Import limits.
const (
	MaxImportBytes = 10 << 20
	MaxImportRows  = 50000
)

// CSV kinds.
const (
	KindAgencies = "agencies"
	KindSystems  = "systems"
)

// Columns of each kind, in export order.
var (
	agencyFields = []string{"code", "name", "parent_code", "kind", "email", "phone", "security_officer"}
	systemFields = []string{"id", "agency_code", "name", "purpose", "info_kind", "audience", "hosting", "operator", "status", "urls", "domains", "ips", "cidrs", "software"}
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

// ImportOptions tune one import.
type ImportOptions struct {
	DryRun bool
	// Mapping maps a header (as written in the file) to a field name, or
	// to "-" to ignore that column. It overrides the built-in aliases.
	Mapping map[string]string
}

// RowError is one refused cell or row; Line is the line of the file
// (the header is line 1).
type RowError struct {
	Line      int    `json:"line"`
	Field     string `json:"field,omitempty"`
	Message   string `json:"message"`
	MessageVI string `json:"message_vi"`
}

// ImportReport says what an import did or would do.
type ImportReport struct {
	Kind           string            `json:"kind"`
	DryRun         bool              `json:"dry_run"`
	Rows           int               `json:"rows"`
	Created        int               `json:"created"`
	Updated        int               `json:"updated"`
	Committed      bool              `json:"committed"`
	Columns        map[string]string `json:"columns"`
	IgnoredColumns []string          `json:"ignored_columns"`
	Errors         []RowError        `json:"errors"`
}

// errRollback ends an import transaction without committing.
var errRollback = errors.New("import rolled back")

// Import reads a CSV of agencies or systems and creates or updates them,
// all or nothing: one refused row and nothing is written. A dry run checks
// everything, database constraints included, and writes nothing.
func (r *Registry) Import(ctx context.Context, actor access.Actor, kind string, in io.Reader, opts ImportOptions) (_ ImportReport, err error) {
	defer func() { r.systemsChanged(ctx, err) }() // every system: an import may touch many
	rep := ImportReport{Kind: kind, DryRun: opts.DryRun, Columns: map[string]string{}, IgnoredColumns: []string{}, Errors: []RowError{}}
	if kind != KindAgencies && kind != KindSystems {
		return rep, fmt.Errorf("%w: unknown import kind %q (agencies or systems)", store.ErrInvalid, kind)
	}
	if !actor.CanWriteRegistry() {
		return rep, fmt.Errorf("registry: import: %w", store.ErrForbidden)
	}
	rows, err := readCSV(in, kind, opts, &rep)
	if err != nil || len(rep.Errors) > 0 {
		return rep, err
	}
	rep.Rows = len(rows)
	err = r.write(ctx, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if kind == KindAgencies {
			err = r.importAgencies(ctx, tx, actor, rows, &rep)
		} else {
			err = r.importSystems(ctx, tx, actor, rows, &rep)
		}
		if err != nil {
			return err
		}
		if opts.DryRun || len(rep.Errors) > 0 {
			return errRollback
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	if err != nil {
		return rep, err
	}
	rep.Committed = !opts.DryRun && len(rep.Errors) == 0
	if len(rep.Errors) > 0 {
		rep.Created, rep.Updated = 0, 0
	}
	return rep, nil
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

// escapeFormula keeps spreadsheets from running a cell as a formula; the
// import removes the guard again, so that export and import round-trip.
func escapeFormula(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

func unescapeFormula(v string) string {
	if len(v) > 1 && v[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(v[1])) {
		return v[1:]
	}
	return v
}

// splitList splits a multi-valued cell on new lines and ';' (and ',' when
// commas is true).
func splitList(v string, commas bool) []string {
	out := strings.FieldsFunc(v, func(r rune) bool {
		return r == '\n' || r == '\r' || r == ';' || (commas && (r == ',' || r == ' '))
	})
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return out
}

// ParseSoftware reads "name@version (cpe:…)" items separated by ';'.
func ParseSoftware(v string) []Software {
	var out []Software
	for _, item := range splitList(v, false) {
		var sw Software
		if i := strings.LastIndex(item, " ("); i > 0 && strings.HasSuffix(item, ")") {
			id := item[i+2 : len(item)-1]
			if strings.HasPrefix(id, "pkg:") {
				sw.PURL = id
			} else {
				sw.CPE = id
			}
			item = item[:i]
		}
		sw.Name, sw.Version, _ = strings.Cut(item, "@")
		out = append(out, sw)
	}
	return out
}

// FormatSoftware writes software as ParseSoftware reads it.
func FormatSoftware(list []Software) string {
	parts := make([]string, len(list))
	for i, sw := range list {
		s := sw.Name
		if sw.Version != "" {
			s += "@" + sw.Version
		}
		if sw.CPE != "" {
			s += " (" + sw.CPE + ")"
		} else if sw.PURL != "" {
			s += " (" + sw.PURL + ")"
		}
		parts[i] = s
	}
	return strings.Join(parts, "; ")
}

// rowFailed records err against a row when it is a validation error and
// reports whether it was; other errors end the import.
func rowFailed(rep *ImportReport, line int, err error) bool {
	var fe valid.Errors
	if errors.As(err, &fe) {
		for _, f := range fe {
			rep.Errors = append(rep.Errors, RowError{Line: line, Field: f.Field, Message: f.EN, MessageVI: f.VI})
		}
		return true
	}
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrInvalid) {
		rep.Errors = append(rep.Errors, RowError{Line: line, Message: err.Error(), MessageVI: err.Error()})
		return true
	}
	return false
}

// inSavepoint runs fn so that a failing row can be undone on its own (a
// failed statement poisons a whole PostgreSQL transaction otherwise).
func inSavepoint(ctx context.Context, tx *store.Tx, fn func() error) error {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT import_row"); err != nil {
		return err
	}
	if err := fn(); err != nil {
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT import_row"); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	_, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT import_row")
	return err
}

func strp(s string) *string { return &s }

func (r *Registry) importAgencies(ctx context.Context, tx *store.Tx, actor access.Actor, rows []csvRow, rep *ImportReport) error {
	firstLine := map[string]int{}
	for _, row := range rows {
		code := row.fields["code"]
		if prev, dup := firstLine[code]; dup && code != "" {
			rep.Errors = append(rep.Errors, RowError{Line: row.line, Field: "code", Message: fmt.Sprintf("code %q already appears on line %d", code, prev), MessageVI: fmt.Sprintf("mã %q đã có ở dòng %d", code, prev)})
			continue
		}
		firstLine[code] = row.line
	}
	if len(rep.Errors) > 0 {
		return nil
	}
	// Parents first: each pass handles rows whose parent now exists.
	pending := rows
	for len(pending) > 0 {
		var next []csvRow
		for _, row := range pending {
			parent := row.fields["parent_code"]
			var parentID *int64
			if parent != "" {
				p, err := r.AgencyByCode(ctx, actor, parent)
				if errors.Is(err, store.ErrNotFound) {
					next = append(next, row)
					continue
				}
				if err != nil {
					return err
				}
				parentID = &p.ID
			}
			if err := r.importAgencyRow(ctx, tx, actor, row, parentID, rep); err != nil {
				return err
			}
		}
		if len(next) == len(pending) {
			for _, row := range next {
				rep.Errors = append(rep.Errors, RowError{Line: row.line, Field: "parent_code", Message: fmt.Sprintf("parent agency %q does not exist, is outside your scope, or the parents form a cycle", row.fields["parent_code"]), MessageVI: fmt.Sprintf("đơn vị cấp trên %q không tồn tại, ngoài phạm vi của bạn, hoặc tạo thành vòng lặp", row.fields["parent_code"])})
			}
			return nil
		}
		pending = next
	}
	return nil
}

func (r *Registry) importAgencyRow(ctx context.Context, tx *store.Tx, actor access.Actor, row csvRow, parentID *int64, rep *ImportReport) error {
	in := AgencyInput{ParentID: OptionalID{Set: true, ID: parentID}}
	for _, f := range agencyFields {
		v, ok := row.fields[f]
		if !ok {
			continue
		}
		switch f {
		case "code":
			in.Code = strp(v)
		case "name":
			in.Name = strp(v)
		case "kind":
			in.Kind = strp(v)
		case "email":
			in.Email = strp(v)
		case "phone":
			in.Phone = strp(v)
		case "security_officer":
			in.SecurityOfficer = strp(v)
		}
	}
	existing, err := r.AgencyByCode(ctx, actor, row.fields["code"])
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	update := err == nil
	if update && actor.Scoped() && existing.ID == actor.AgencyID {
		in.ParentID = OptionalID{} // the officer's own agency stays where it is
	}
	err = inSavepoint(ctx, tx, func() error {
		if update {
			_, err := r.UpdateAgency(ctx, actor, existing.ID, in)
			return err
		}
		_, err := r.CreateAgency(ctx, actor, in)
		return err
	})
	switch {
	case err == nil && update:
		rep.Updated++
	case err == nil:
		rep.Created++
	case !rowFailed(rep, row.line, err):
		return err
	}
	return nil
}

func (r *Registry) importSystems(ctx context.Context, tx *store.Tx, actor access.Actor, rows []csvRow, rep *ImportReport) error {
	agencies := map[string]int64{}
	for _, row := range rows {
		in, id, ok := r.systemRow(ctx, actor, row, agencies, rep)
		if !ok {
			continue
		}
		if id == 0 {
			var err error
			if id, err = r.findSystem(ctx, tx, *in.AgencyID, *in.Name); err != nil {
				return err
			}
		}
		err := inSavepoint(ctx, tx, func() error {
			if id != 0 {
				_, err := r.UpdateSystem(ctx, actor, id, in)
				return err
			}
			_, err := r.CreateSystem(ctx, actor, in)
			return err
		})
		switch {
		case err == nil && id != 0:
			rep.Updated++
		case err == nil:
			rep.Created++
		case !rowFailed(rep, row.line, err):
			return err
		}
	}
	return nil
}

// systemRow turns a row into a SystemInput, resolving the agency code
// within actor's scope. id is the row's system id (0 for none).
func (r *Registry) systemRow(ctx context.Context, actor access.Actor, row csvRow, agencies map[string]int64, rep *ImportReport) (SystemInput, int64, bool) {
	var in SystemInput
	var id int64
	bad := func(field, en, vi string) (SystemInput, int64, bool) {
		rep.Errors = append(rep.Errors, RowError{Line: row.line, Field: field, Message: en, MessageVI: vi})
		return in, 0, false
	}
	if v := row.fields["id"]; v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return bad("id", fmt.Sprintf("%q is not a system id", v), fmt.Sprintf("%q không phải mã hệ thống", v))
		}
		if _, err := r.System(ctx, actor, n); err != nil {
			return bad("id", fmt.Sprintf("system %d does not exist or is outside your scope", n), fmt.Sprintf("hệ thống %d không tồn tại hoặc ngoài phạm vi của bạn", n))
		}
		id = n
	}
	code := row.fields["agency_code"]
	agencyID, ok := agencies[code]
	if !ok {
		a, err := r.AgencyByCode(ctx, actor, code)
		if err != nil {
			return bad("agency_code", fmt.Sprintf("agency %q does not exist or is outside your scope", code), fmt.Sprintf("đơn vị %q không tồn tại hoặc ngoài phạm vi của bạn", code))
		}
		agencyID = a.ID
		agencies[code] = agencyID
	}
	in.AgencyID = &agencyID
	in.Name = strp(row.fields["name"])
	for field, dst := range map[string]**string{"purpose": &in.Purpose, "info_kind": &in.InfoKind, "audience": &in.Audience, "hosting": &in.Hosting, "operator": &in.Operator, "status": &in.Status} {
		if v, ok := row.fields[field]; ok {
			*dst = strp(v)
		}
	}
	for field, dst := range map[string]**[]string{"urls": &in.URLs, "domains": &in.Domains, "ips": &in.IPs, "cidrs": &in.CIDRs} {
		if v, ok := row.fields[field]; ok {
			list := splitList(v, field != "urls")
			*dst = &list
		}
	}
	if v, ok := row.fields["software"]; ok {
		sw := ParseSoftware(v)
		in.Software = &sw
	}
	return in, id, true
}

func (r *Registry) findSystem(ctx context.Context, tx *store.Tx, agencyID int64, name string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM systems WHERE agency_id = $1 AND name = $2 ORDER BY id LIMIT 1`, agencyID, strings.TrimSpace(name)).Scan(&id)
	if err != nil && !isNoRows(err) {
		return 0, fmt.Errorf("registry: find system: %w", err)
	}
	return id, nil
}

// Export writes every agency or system within actor's scope as CSV (UTF-8
// with a byte-order mark, so spreadsheets read the diacritics right).
func (r *Registry) Export(ctx context.Context, actor access.Actor, kind string, out io.Writer) error {
	if !actor.CanRead() {
		return fmt.Errorf("registry: export: %w", store.ErrForbidden)
	}
	bw := bufio.NewWriter(out)
	if _, err := bw.WriteString("\xef\xbb\xbf"); err != nil {
		return err
	}
	w := csv.NewWriter(bw)
	var err error
	switch kind {
	case KindAgencies:
		err = r.exportAgencies(ctx, actor, w)
	case KindSystems:
		err = r.exportSystems(ctx, actor, w)
	default:
		return fmt.Errorf("%w: unknown export kind %q", store.ErrInvalid, kind)
	}
	if err != nil {
		return err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

func writeRow(w *csv.Writer, cells ...string) error {
	for i := range cells {
		cells[i] = escapeFormula(cells[i])
	}
	return w.Write(cells)
}

func (r *Registry) exportAgencies(ctx context.Context, actor access.Actor, w *csv.Writer) error {
	tree, err := r.AgencyTree(ctx, actor)
	if err != nil {
		return err
	}
	codes := map[int64]string{}
	for _, a := range tree {
		codes[a.ID] = a.Code
	}
	if err := w.Write(agencyFields); err != nil {
		return err
	}
	for _, a := range tree {
		parent := ""
		if a.ParentID != nil {
			parent = codes[*a.ParentID]
		}
		if err := writeRow(w, a.Code, a.Name, parent, a.Kind, a.Email, a.Phone, a.SecurityOfficer); err != nil {
			return err
		}
	}
	return nil
}

func (r *Registry) exportSystems(ctx context.Context, actor access.Actor, w *csv.Writer) error {
	if err := w.Write(systemFields); err != nil {
		return err
	}
	for offset := 0; ; offset += 1000 {
		list, _, err := r.Systems(ctx, actor, SystemFilter{Sort: "id", Page: Page{Limit: 1000, Offset: offset}})
		if err != nil {
			return err
		}
		for _, s := range list {
			err := writeRow(w, strconv.FormatInt(s.ID, 10), s.AgencyCode, s.Name, s.Purpose, s.InfoKind, s.Audience, s.Hosting, s.Operator, s.Status,
				strings.Join(s.URLs, "; "), strings.Join(s.Domains, "; "), strings.Join(s.IPs, "; "), strings.Join(s.CIDRs, "; "), FormatSoftware(s.Software))
			if err != nil {
				return err
			}
		}
		if len(list) < 1000 {
			return nil
		}
	}
}
