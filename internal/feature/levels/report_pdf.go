package levels

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/go-pdf/fpdf"
)

// The reports as PDF, written in Go with fpdf and an embedded Unicode
// TrueType font (DejaVu Sans, fonts/LICENSE), so that Vietnamese renders
// with its diacritics and no other program is needed.

//go:embed fonts/DejaVuSans.ttf
var fontRegular []byte

//go:embed fonts/DejaVuSans-Bold.ttf
var fontBold []byte

// tr picks the Vietnamese or English text.
func tr(lang, vi, en string) string {
	if lang == "en" {
		return en
	}
	return vi
}

// doc is a PDF being written.
type doc struct {
	*fpdf.Fpdf
	lang string
}

func newDoc(lang, title string) *doc {
	p := fpdf.New("P", "mm", "A4", "")
	p.AddUTF8FontFromBytes("DejaVu", "", fontRegular)
	p.AddUTF8FontFromBytes("DejaVu", "B", fontBold)
	p.SetTitle(title, true)
	p.SetCreator("Khiên", true)
	p.SetMargins(15, 15, 15)
	p.SetAutoPageBreak(true, 18)
	p.AliasNbPages("")
	d := &doc{Fpdf: p, lang: lang}
	p.SetFooterFunc(func() {
		p.SetY(-13)
		p.SetFont("DejaVu", "", 8)
		p.CellFormat(0, 6, fmt.Sprintf("%s %d/{nb}", tr(lang, "Trang", "Page"), p.PageNo()), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	return d
}

func (d *doc) title(s string) {
	d.SetFont("DejaVu", "B", 14)
	d.MultiCell(0, 7, s, "", "C", false)
	d.Ln(3)
}

func (d *doc) heading(s string) {
	d.Ln(2)
	d.SetFont("DejaVu", "B", 11)
	d.MultiCell(0, 6, s, "", "L", false)
	d.Ln(1)
}

// line writes "label: value".
func (d *doc) line(label, value string) {
	d.SetFont("DejaVu", "B", 9.5)
	w := d.GetStringWidth(label+": ") + 1
	d.CellFormat(w, 5.5, label+":", "", 0, "L", false, 0, "")
	d.SetFont("DejaVu", "", 9.5)
	d.MultiCell(0, 5.5, value, "", "L", false)
}

func (d *doc) para(s string) {
	d.SetFont("DejaVu", "", 9.5)
	d.MultiCell(0, 5, s, "", "L", false)
}

// table writes a table with a bold header; long cells wrap within
// their column. The header is repeated on each new page.
func (d *doc) table(widths []float64, head []string, rows [][]string) {
	const lh = 4.2
	_, pageH := d.GetPageSize()
	_, _, _, bottom := d.GetMargins()
	var row func(cells []string, bold bool)
	row = func(cells []string, bold bool) {
		style := ""
		if bold {
			style = "B"
		}
		d.SetFont("DejaVu", style, 8.5)
		n := 1
		split := make([][]string, len(cells))
		for i, c := range cells {
			split[i] = d.SplitText(c, widths[i]-2)
			n = max(n, len(split[i]))
		}
		h := float64(n)*lh + 1.6
		if d.GetY()+h > pageH-bottom-6 {
			d.AddPage()
			if !bold {
				row(head, true)
				d.SetFont("DejaVu", "", 8.5)
			}
		}
		x, y := d.GetX(), d.GetY()
		for i := range cells {
			if bold {
				d.SetFillColor(230, 234, 240)
				d.Rect(x, y, widths[i], h, "FD")
			} else {
				d.Rect(x, y, widths[i], h, "D")
			}
			for j, l := range split[i] {
				d.SetXY(x+1, y+0.8+float64(j)*lh)
				d.CellFormat(widths[i]-2, lh, l, "", 0, "L", false, 0, "")
			}
			x += widths[i]
		}
		d.SetXY(d.lMargin(), y+h)
	}
	row(head, true)
	for _, r := range rows {
		row(r, false)
	}
	if len(rows) == 0 {
		row(append([]string{tr(d.lang, "Không có", "None")}, make([]string, len(widths)-1)...), false)
	}
}

func (d *doc) lMargin() float64 {
	l, _, _, _ := d.GetMargins()
	return l
}

func sum(v []float64) float64 {
	t := 0.0
	for _, x := range v {
		t += x
	}
	return t
}

func (d *doc) write(w io.Writer) error {
	var b bytes.Buffer
	if err := d.Output(&b); err != nil {
		return fmt.Errorf("levels: pdf: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

func pct(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + " %" }

// planText names a plan's implementation.
func planText(lang, plan string) string {
	switch plan {
	case PlanFull:
		return tr(lang, "Đầy đủ", "Full")
	case PlanPartial:
		return tr(lang, "Một phần", "Partial")
	case PlanNone:
		return tr(lang, "Chưa triển khai", "Not yet")
	}
	return tr(lang, "Chưa phê duyệt cấp độ", "No approved level")
}

// WritePDF writes the annual report as a PDF in lang (vi or en).
func (a YearReport) WritePDF(w io.Writer, lang string) error {
	d := newDoc(lang, tr(lang, "Báo cáo an toàn hệ thống thông tin theo cấp độ", "Security-by-level annual report"))
	d.title(tr(lang, "BÁO CÁO CÔNG TÁC BẢO ĐẢM AN TOÀN HỆ THỐNG THÔNG TIN THEO CẤP ĐỘ NĂM ", "ANNUAL REPORT ON INFORMATION SYSTEM SECURITY BY LEVEL, ") + strconv.Itoa(a.Year))
	scope := a.AgencyName
	if scope == "" {
		scope = tr(lang, "Toàn tỉnh", "Whole province")
	}
	d.line(tr(lang, "Phạm vi", "Scope"), scope)
	d.line(tr(lang, "Kỳ báo cáo", "Period"), reportDate(a.PeriodStart)+" – "+reportDate(a.PeriodEnd))
	d.line(tr(lang, "Hạn gửi", "Due"), fmt.Sprintf(tr(lang, "đơn vị gửi chủ quản trước %s; chủ quản gửi %s trước %s", "units to their owner by %s; the owner to %s by %s"),
		reportDate(a.UnitDue), tr(lang, a.Recipient.VI, a.Recipient.EN), reportDate(a.OwnerDue)))
	d.line(tr(lang, "Lập lúc", "Generated"), reportDate(a.GeneratedAt))
	d.heading(tr(lang, "1. Tổng hợp", "1. Summary"))
	d.line(tr(lang, "Số hệ thống", "Systems"), strconv.Itoa(a.Systems))
	d.line(tr(lang, "Đã phê duyệt cấp độ", "With an approved level"), fmt.Sprintf("%d (%s)", a.Approved, pct(a.Share)))
	var lv []string
	for l := 1; l <= 5; l++ {
		lv = append(lv, fmt.Sprintf("%s %d: %d", tr(lang, "cấp độ", "level"), l, a.ByLevel[strconv.Itoa(l)]))
	}
	d.line(tr(lang, "Theo cấp độ", "By level"), strings.Join(lv, "; "))
	d.line(tr(lang, "Triển khai phương án", "Plans implemented"), fmt.Sprintf(tr(lang, "đầy đủ %d; một phần %d; chưa %d", "fully %d; partly %d; not yet %d"), a.PlanFull, a.PlanPart, a.PlanNone))
	d.line(tr(lang, "Hồ sơ được phê duyệt trong kỳ", "Dossiers approved in the period"), strconv.Itoa(a.ApprovedInPeriod))
	d.line(tr(lang, "Hệ thống được kiểm tra, đánh giá độc lập trong kỳ", "Systems independently inspected in the period"), strconv.Itoa(a.Inspections))
	d.line(tr(lang, "Mức đáp ứng yêu cầu", "Requirements met"), pct(a.Score))
	d.para(tr(lang, "Việc ban hành quy chế bảo đảm an toàn thông tin: Khiên chưa ghi nhận, đơn vị bổ sung khi gửi báo cáo.",
		"Security rules issued: not recorded in Khiên; the unit adds it when sending the report."))
	d.heading(tr(lang, "2. Danh sách hệ thống", "2. Systems"))
	rows := make([][]string, 0, len(a.Rows))
	for i, r := range a.Rows {
		level, score := "—", "—"
		if r.Level > 0 {
			level, score = strconv.Itoa(r.Level), pct(r.Score)
		}
		rows = append(rows, []string{strconv.Itoa(i + 1), r.Name, r.AgencyName, level, score, planText(lang, r.Plan), reportDate(r.Inspected)})
	}
	d.table([]float64{8, 56, 38, 13, 18, 25, 22}, []string{"#", tr(lang, "Hệ thống", "System"), tr(lang, "Cơ quan", "Agency"),
		tr(lang, "Cấp độ", "Level"), tr(lang, "Đáp ứng", "Met"), tr(lang, "Phương án", "Plan"), tr(lang, "Kiểm tra", "Inspected")}, rows)
	return d.write(w)
}

// WritePDF writes the compliance report as a PDF in lang (vi or en).
func (c ComplianceReport) WritePDF(w io.Writer, lang string) error {
	d := newDoc(lang, tr(lang, "Báo cáo tuân thủ", "Compliance report")+" — "+c.SystemName)
	d.title(tr(lang, "BÁO CÁO TUÂN THỦ AN TOÀN THÔNG TIN THEO CẤP ĐỘ", "SECURITY-BY-LEVEL COMPLIANCE REPORT"))
	d.line(tr(lang, "Hệ thống", "System"), c.SystemName)
	d.line(tr(lang, "Chủ quản", "Agency"), c.AgencyName)
	if c.Level.ApprovedLevel != nil {
		d.line(tr(lang, "Cấp độ được phê duyệt", "Approved level"), fmt.Sprintf("%d (%s)", *c.Level.ApprovedLevel, c.Level.ApprovedRegime))
	} else if c.Level.ProposedLevel > 0 {
		d.line(tr(lang, "Cấp độ đề xuất", "Proposed level"), fmt.Sprintf("%d (%s), %s", c.Level.ProposedLevel, c.Level.Regime, tr(lang, "chưa phê duyệt", "not approved yet")))
	} else {
		d.line(tr(lang, "Cấp độ", "Level"), tr(lang, "chưa đề xuất", "not proposed yet"))
	}
	if c.Decision != nil {
		d.line(tr(lang, "Quyết định phê duyệt", "Approval decision"), fmt.Sprintf("%s, %s, %s", c.Decision.DecisionNumber, reportDate(c.Decision.DecisionDate), c.Decision.Signer))
	}
	d.line(tr(lang, "Lập lúc", "Generated"), reportDate(c.GeneratedAt))
	d.heading(tr(lang, "1. Bốn lớp bảo vệ", "1. The four protection layers"))
	var rows [][]string
	for _, l := range c.Layers {
		rows = append(rows, []string{strconv.Itoa(l.Layer), tr(lang, l.Name, l.NameEN), l.Status})
	}
	d.table([]float64{10, 120, 50}, []string{"#", tr(lang, "Lớp", "Layer"), tr(lang, "Trạng thái", "Status")}, rows)
	d.heading(tr(lang, "2. Đánh giá đáp ứng yêu cầu", "2. Requirements assessment"))
	if c.Assessment == nil {
		d.para(tr(lang, "Chưa có cấp độ được phê duyệt nên chưa đánh giá.", "No approved level yet, so nothing is assessed."))
	} else {
		a := c.Assessment
		d.line(tr(lang, "Mức đáp ứng", "Met"), fmt.Sprintf(tr(lang, "%s (đạt %d, một phần %d, chưa đạt %d, không áp dụng %d, chưa đánh giá %d)",
			"%s (implemented %d, partial %d, not implemented %d, not applicable %d, not assessed %d)"),
			pct(a.Score), a.Implemented, a.Partial, a.NotImplemented, a.NotApplicable, a.NotAssessed))
		rows = nil
		for _, g := range a.Groups {
			rows = append(rows, []string{tr(lang, g.VI, g.EN), strconv.Itoa(g.Applicable), strconv.Itoa(g.Implemented), strconv.Itoa(g.Partial), strconv.Itoa(g.NotImplemented), pct(g.Score)})
		}
		d.table([]float64{80, 20, 20, 20, 20, 20}, []string{tr(lang, "Nhóm", "Group"), tr(lang, "Áp dụng", "Apply"), tr(lang, "Đạt", "Done"),
			tr(lang, "Một phần", "Partial"), tr(lang, "Chưa", "Not"), tr(lang, "Điểm", "Score")}, rows)
	}
	d.heading(tr(lang, "3. Rủi ro đang mở", "3. Open risks"))
	rows = nil
	for _, r := range c.Risks {
		rows = append(rows, []string{r.Title, strconv.Itoa(r.Likelihood), strconv.Itoa(r.Impact), strconv.Itoa(r.Score), tr(lang, r.Rating.VI, r.Rating.EN), r.Treatment, reportDate(r.DueOn)})
	}
	d.table([]float64{62, 14, 14, 14, 26, 26, 24}, []string{tr(lang, "Rủi ro", "Risk"), tr(lang, "KN", "L"), tr(lang, "TĐ", "I"), tr(lang, "Điểm", "Score"),
		tr(lang, "Mức", "Rating"), tr(lang, "Xử lý", "Treatment"), tr(lang, "Hạn", "Due")}, rows)
	return d.write(w)
}
