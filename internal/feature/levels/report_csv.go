package levels

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The reports' tables as CSV (UTF-8 with a byte-order mark, so that
// spreadsheets read Vietnamese correctly); a cell that a spreadsheet
// would run as a formula is guarded with a leading apostrophe.

func csvCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

func writeCSV(w io.Writer, head []string, rows [][]string) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, r := range rows {
		for i := range r {
			r[i] = csvCell(r[i])
		}
		if err := cw.Write(r); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("levels: csv: %w", err)
	}
	return nil
}

// WriteCSV writes the annual report's systems, one row each.
func (a YearReport) WriteCSV(w io.Writer, lang string) error {
	head := []string{"system_id", tr(lang, "hệ thống", "system"), tr(lang, "cơ quan", "agency"), "regime", tr(lang, "cấp độ", "level"),
		tr(lang, "đáp ứng (%)", "met (%)"), tr(lang, "phương án", "plan"), tr(lang, "kiểm tra độc lập", "inspected")}
	rows := make([][]string, 0, len(a.Rows))
	for _, r := range a.Rows {
		level, score := "", ""
		if r.Level > 0 {
			level, score = strconv.Itoa(r.Level), strconv.FormatFloat(r.Score, 'f', 1, 64)
		}
		rows = append(rows, []string{strconv.FormatInt(r.SystemID, 10), r.Name, r.AgencyName, r.Regime, level, score, r.Plan, r.Inspected})
	}
	return writeCSV(w, head, rows)
}

// WriteCSV writes the compliance report's requirements, one row each.
func (c ComplianceReport) WriteCSV(w io.Writer, lang string) error {
	head := []string{tr(lang, "yêu cầu", "requirement"), tr(lang, "nhóm", "group"), tr(lang, "nội dung", "text"), tr(lang, "trạng thái", "status"),
		tr(lang, "lý do", "justification"), tr(lang, "bằng chứng", "evidence"), tr(lang, "người đánh giá", "assessor"), tr(lang, "ngày", "date")}
	var rows [][]string
	if c.Assessment != nil {
		for _, r := range c.Assessment.Requirements {
			rows = append(rows, []string{r.ID, r.Group, tr(lang, r.VI, r.EN), r.Status, r.Justification, r.Evidence, r.Assessor, r.AssessedOn})
		}
	}
	return writeCSV(w, head, rows)
}

// RiskRegister is a list of risks, for its CSV.
type RiskRegister []Risk

// WriteCSV writes the risk register, one risk a row.
func (rr RiskRegister) WriteCSV(w io.Writer, lang string) error {
	head := []string{"id", "system_id", tr(lang, "hệ thống", "system"), tr(lang, "rủi ro", "risk"), tr(lang, "mối đe dọa", "threat"),
		tr(lang, "điểm yếu", "vulnerability"), tr(lang, "khả năng", "likelihood"), tr(lang, "tác động", "impact"), tr(lang, "điểm", "score"),
		tr(lang, "mức", "rating"), tr(lang, "xử lý", "treatment"), tr(lang, "người phụ trách", "owner"), tr(lang, "hạn", "due"),
		tr(lang, "trạng thái", "status"), tr(lang, "chấp nhận đến", "accepted until"), tr(lang, "quá hạn", "overdue")}
	rows := make([][]string, 0, len(rr))
	for _, r := range rr {
		rows = append(rows, []string{strconv.FormatInt(r.ID, 10), strconv.FormatInt(r.SystemID, 10), r.SystemName, r.Title, r.Threat, r.Vulnerability,
			strconv.Itoa(r.Likelihood), strconv.Itoa(r.Impact), strconv.Itoa(r.Score), tr(lang, r.Rating.VI, r.Rating.EN), r.Treatment, r.Owner,
			r.DueOn, r.Status, r.AcceptedUntil, strconv.FormatBool(r.Overdue || r.AcceptanceExpired)})
	}
	return writeCSV(w, head, rows)
}

// GapList is a list of gaps, for its CSV.
type GapList []Gap

// WriteCSV writes the gap list, one requirement of one system a row.
func (gl GapList) WriteCSV(w io.Writer, lang string) error {
	head := []string{"system_id", tr(lang, "hệ thống", "system"), tr(lang, "cơ quan", "agency"), tr(lang, "cấp độ", "level"), "regime",
		tr(lang, "yêu cầu", "requirement"), tr(lang, "nhóm", "group"), tr(lang, "nội dung", "text"), tr(lang, "trạng thái", "status")}
	rows := make([][]string, 0, len(gl))
	for _, g := range gl {
		rows = append(rows, []string{strconv.FormatInt(g.SystemID, 10), g.SystemName, g.AgencyName, strconv.Itoa(g.Level), g.Regime,
			g.Requirement, tr(lang, g.GroupVI, g.GroupEN), tr(lang, g.TextVI, g.TextEN), g.Status})
	}
	return writeCSV(w, head, rows)
}
