package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/khien-project/khien/internal/feature/vuln"
	"github.com/khien-project/khien/internal/platform/httpx"
)

// The printable official notice of an advisory to one agency (A4, in
// Vietnamese by default, in English with ?lang=en): the browser prints it
// through the print stylesheet, as the levels reports' pages.

func init() {
	for k, v := range map[string][2]string{
		"vuln.notice":             {"Thông báo (bản in)", "Notice (printable)"},
		"vuln.notice_title":       {"Thông báo lỗ hổng gửi đơn vị", "Vulnerability notice to an agency"},
		"vuln.notice_print_help":  {"Dùng chức năng In của trình duyệt (khổ A4) để in hoặc lưu PDF.", "Use the browser's Print (A4) to print it or save it as PDF."},
		"vuln.notice_other_lang":  {"Bản tiếng Anh", "Vietnamese version"},
		"vuln.notice_none":        {"Không còn hệ thống nào của đơn vị bị ảnh hưởng.", "No system of the agency is affected any more."},
		"vuln.notice_system":      {"Hệ thống thông tin", "Information system"},
		"vuln.notice_why":         {"Thành phần bị ảnh hưởng", "Affected components"},
		"vuln.notice_progress":    {"Tiến độ hiện tại", "Current progress"},
		"vuln.notice_issuer":      {"CƠ QUAN CHUYÊN TRÁCH AN TOÀN THÔNG TIN", "PROVINCIAL CYBERSECURITY OFFICE"},
		"vuln.notice_nation":      {"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SOCIALIST REPUBLIC OF VIETNAM"},
		"vuln.notice_motto":       {"Độc lập - Tự do - Hạnh phúc", "Independence - Freedom - Happiness"},
		"vuln.notice_number":      {"Số: ........./TB-ATTT", "No.: ........./TB-ATTT"},
		"vuln.notice_heading":     {"THÔNG BÁO", "NOTICE"},
		"vuln.notice_about":       {"V/v khắc phục lỗ hổng: %s", "On remediating the vulnerability: %s"},
		"vuln.notice_to":          {"Kính gửi", "To"},
		"vuln.notice_intro":       {"Qua theo dõi danh mục phần mềm và kết quả rà quét, các hệ thống thông tin sau của quý cơ quan đang bị ảnh hưởng bởi lỗ hổng nêu trong cảnh báo này:", "From the software inventory and the scans, the following information systems of your agency are affected by the vulnerabilities this advisory names:"},
		"vuln.notice_cves":        {"Lỗ hổng", "Vulnerabilities"},
		"vuln.notice_products":    {"Sản phẩm, phiên bản bị ảnh hưởng", "Affected products and versions"},
		"vuln.notice_request":     {"Đề nghị quý cơ quan thực hiện các việc trên trước thời hạn và báo cáo kết quả khắc phục (kèm minh chứng) trên hệ thống Khiên.", "Please carry out the action above by the deadline and report the result (with evidence) in Khiên."},
		"vuln.notice_recipients":  {"Nơi nhận", "Recipients"},
		"vuln.notice_archive":     {"Lưu: VT, ATTT.", "File: records, cybersecurity."},
		"vuln.notice_signer":      {"THỦ TRƯỞNG CƠ QUAN", "HEAD OF THE OFFICE"},
		"vuln.notice_sign_hint":   {"(Ký, ghi rõ họ tên, đóng dấu)", "(Signature, full name, seal)"},
		"vuln.notice_officer":     {"Cán bộ phụ trách an toàn thông tin", "Security officer"},
		"vuln.notice_date_format": {"ngày %02d tháng %02d năm %d", "%[3]d-%02[2]d-%02[1]d"},
	} {
		webTexts[k] = v
	}
}

type vulnNoticeView struct {
	vuln.AgencyNotice
	Lang      string // the notice's language, which may differ from the UI's
	OtherLang string
	OtherURL  string
	Dated     string
}

func (s *Server) vulnNoticePage(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	agency, err := httpx.ParseID(r, "agency")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := langOf(r)
	switch q := r.URL.Query().Get("lang"); q {
	case "":
	case "vi", "en":
		lang = q
	default:
		s.fail(w, r, httpx.BadRequest("lang %q: must be vi or en", q))
		return
	}
	n, err := s.deps.Vuln.AgencyNotice(r.Context(), httpx.Actor(r.Context()), id, agency)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := vulnNoticeView{AgencyNotice: n, Lang: lang, OtherLang: "en"}
	if lang == "en" {
		v.OtherLang = "vi"
	}
	v.OtherURL = r.URL.Path + "?lang=" + v.OtherLang
	d := n.IssuedOn.In(vietnam)
	if d.IsZero() {
		d = time.Now().In(vietnam)
	}
	v.Dated = fmt.Sprintf(tr(lang, "vuln.notice_date_format"), d.Day(), int(d.Month()), d.Year())
	view := s.newView(r, "vuln.notice_title", "vuln_advisories", v)
	view.Title, view.TitleIsData = n.AgencyName, true
	s.render(w, http.StatusOK, "vuln_notice", view)
}
