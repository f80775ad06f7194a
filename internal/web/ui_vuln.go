package web

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/khien-project/khien/internal/feature/vuln"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/store"
)

// The vulnerability pages: findings (all, or one system's) with their
// filters and status changes, and the feeds with their freshness and the
// upload form.

func init() {
	for k, v := range vulnTexts {
		webTexts[k] = v
	}
	for k, v := range map[string]string{
		"create vuln-import": "audit.v.vuln_import", "create vuln-finding": "audit.v.vuln_finding_open", "update vuln-finding": "audit.v.vuln_finding_update",
		"create vuln-discovered": "audit.v.vuln_discovered", "update vuln-discovered": "audit.v.vuln_discovered_decide",
		"create vuln-advisory": "audit.v.vuln_advisory", "create vuln-alias": "audit.v.vuln_alias_add", "delete vuln-alias": "audit.v.vuln_alias_remove", "update vuln-rules": "audit.v.vuln_rules", "create vuln-advisory-agency": "audit.v.vuln_advisory_notify", "update vuln-advisory-agency": "audit.v.vuln_advisory_progress",
	} {
		auditVerbs[k] = v
	}
}

// vulnTexts are the vulnerability pages' texts: {Vietnamese, English}.
var vulnTexts = map[string][2]string{
	"audit.v.vuln_import":            {"nhập tệp nguồn cảnh báo lỗ hổng", "imported a vulnerability feed file"},
	"audit.v.vuln_finding_open":      {"ghi nhận lỗ hổng", "recorded the vulnerability finding"},
	"audit.v.vuln_finding_update":    {"thay đổi lỗ hổng", "changed the vulnerability finding"},
	"audit.v.vuln_discovered":        {"đề xuất thành phần phát hiện qua quét", "proposed the component a scan discovered"},
	"audit.v.vuln_discovered_decide": {"xác nhận hoặc loại bỏ thành phần phát hiện qua quét", "confirmed or rejected the discovered component"},
	"audit.v.vuln_advisory":          {"ban hành cảnh báo lỗ hổng", "issued the vulnerability advisory"},
	"audit.v.vuln_advisory_notify":   {"gửi cảnh báo lỗ hổng tới đơn vị", "sent the vulnerability advisory to the agency"},
	"audit.v.vuln_advisory_progress": {"cập nhật tiến độ xử lý cảnh báo", "updated the progress on the advisory"},
	"audit.o.vuln-import":            {"Lần nhập nguồn cảnh báo", "Feed import"},
	"audit.o.vuln-finding":           {"Lỗ hổng", "Vulnerability finding"},
	"audit.o.vuln-discovered":        {"Thành phần phát hiện qua quét", "Discovered component"},
	"audit.o.vuln-advisory":          {"Cảnh báo lỗ hổng", "Vulnerability advisory"},
	"audit.o.vuln-advisory-agency":   {"Tiến độ của đơn vị", "Agency progress"},
	"nav.vuln":                       {"Lỗ hổng phần mềm", "Vulnerabilities"},
	"nav.vuln_feeds":                 {"Nguồn cảnh báo lỗ hổng", "Vulnerability feeds"},
	"vuln.title":                     {"Lỗ hổng phần mềm", "Software vulnerabilities"},
	"vuln.system_title":              {"Lỗ hổng của hệ thống", "Vulnerabilities of the system"},
	"vuln.help":                      {"Mỗi dòng là một lỗ hổng của một thành phần phần mềm của một hệ thống, khớp từ các nguồn cảnh báo đã nhập. Ưu tiên P1 là khẩn cấp nhất; hạn xử lý theo ưu tiên.", "Each line is one vulnerability of one software component of one system, matched from the imported feeds. P1 is the most urgent; the deadline follows the priority."},
	"vuln.priority":                  {"Ưu tiên", "Priority"},
	"vuln.component":                 {"Thành phần", "Component"},
	"vuln.id":                        {"Lỗ hổng", "Vulnerability"},
	"vuln.reasons":                   {"Lý do", "Reasons"},
	"vuln.due":                       {"Hạn xử lý", "Deadline"},
	"vuln.overdue":                   {"Quá hạn", "Overdue"},
	"vuln.only_overdue":              {"Chỉ những lỗ hổng quá hạn", "Overdue only"},
	"vuln.count":                     {"Số lỗ hổng", "Vulnerabilities"},
	"vuln.none":                      {"Không có lỗ hổng nào khớp bộ lọc.", "No vulnerability matches the filter."},
	"vuln.system":                    {"Hệ thống", "System"},
	"vuln.kev":                       {"Đang bị khai thác (KEV)", "Exploited (KEV)"},
	"vuln.discovered":                {"phát hiện qua quét", "discovered by a scan"},
	"vuln.move":                      {"Chuyển trạng thái", "Change status"},
	"vuln.reason":                    {"Lý do", "Reason"},
	"vuln.approver":                  {"Người phê duyệt", "Approver"},
	"vuln.until":                     {"Chấp nhận đến ngày", "Accepted until"},
	"vuln.status.open":               {"Đang mở", "Open"},
	"vuln.status.in_progress":        {"Đang xử lý", "In progress"},
	"vuln.status.fixed":              {"Đã khắc phục", "Fixed"},
	"vuln.status.risk_accepted":      {"Chấp nhận rủi ro", "Risk accepted"},
	"vuln.status.false_positive":     {"Cảnh báo nhầm", "False positive"},
	"vuln.feeds_title":               {"Nguồn cảnh báo lỗ hổng", "Vulnerability feeds"},
	"vuln.feeds_help":                {"Độ mới của từng nguồn: số bản ghi, lần nhập cuối, bản ghi mới nhất. Nguồn chưa nhập trong 7 ngày bị đánh dấu cũ.", "How fresh each feed is: records, last import, newest record. A feed not imported for 7 days is flagged stale."},
	"vuln.source":                    {"Nguồn", "Source"},
	"vuln.records":                   {"Số bản ghi", "Records"},
	"vuln.last_import":               {"Nhập lần cuối", "Last import"},
	"vuln.newest":                    {"Bản ghi mới nhất", "Newest record"},
	"vuln.stale":                     {"Cũ", "Stale"},
	"vuln.fresh":                     {"Mới", "Fresh"},
	"vuln.upload":                    {"Nhập tệp nguồn cảnh báo", "Import a feed file"},
	"vuln.upload_help":               {"NVD (JSON API 2.0), CVE JSON 5, OSV (JSON hoặc zip), danh mục KEV của CISA (JSON hoặc CSV), điểm EPSS (CSV, có thể nén gzip). Loại tệp được nhận biết từ nội dung; tệp lỗi không được nhập chút nào.", "NVD (CVE API 2.0 JSON), CVE JSON 5, OSV (JSON or zip), the CISA KEV catalogue (JSON or CSV), EPSS scores (CSV, gzipped or not). The kind is told from the content; a faulty file imports nothing."},
	"nav.vuln_advisories":            {"Cảnh báo gửi đơn vị", "Advisories to agencies"},
	"vuln.advisories_title":          {"Cảnh báo lỗ hổng gửi các đơn vị", "Vulnerability advisories to agencies"},
	"vuln.advisories_help":           {"Mỗi cảnh báo nêu lỗ hổng, sản phẩm bị ảnh hưởng, việc phải làm và hạn; các đơn vị có hệ thống bị ảnh hưởng được gửi cảnh báo và báo cáo tiến độ: đã nhận, đã vá, đã xác minh.", "Each advisory names the vulnerabilities, the affected products, the action and the deadline; agencies with affected systems receive it and report progress: acknowledged, patched, verified."},
	"vuln.advisories_none":           {"Chưa có cảnh báo nào.", "No advisory yet."},
	"vuln.action":                    {"Việc phải làm", "Required action"},
	"vuln.affected":                  {"Hệ thống bị ảnh hưởng", "Affected systems"},
	"vuln.progress.notified":         {"Đã gửi", "Notified"},
	"vuln.progress.acknowledged":     {"Đã nhận", "Acknowledged"},
	"vuln.progress.patched":          {"Đã vá", "Patched"},
	"vuln.progress.verified":         {"Đã xác minh", "Verified"},
	"vuln.discovered_title":          {"Thành phần phát hiện qua quét", "Components discovered by scans"},
	"vuln.discovered_help":           {"Phiên bản phần mềm mà trang tự để lộ. Chỉ được đối chiếu lỗ hổng sau khi cán bộ xác nhận.", "Software versions the site discloses. They are matched only once an officer confirms them."},
	"vuln.evidence":                  {"Dấu hiệu", "Evidence"},
	"vuln.confirm":                   {"Xác nhận", "Confirm"},
	"vuln.reject":                    {"Loại bỏ", "Reject"},
	"vuln.disc.proposed":             {"Chờ xác nhận", "Proposed"},
	"vuln.disc.confirmed":            {"Đã xác nhận", "Confirmed"},
	"vuln.disc.rejected":             {"Đã loại bỏ", "Rejected"},
	"vuln.csv":                       {"Tải về CSV", "Download CSV"},
	"vuln.url_import":                {"Nhập từ địa chỉ URL", "Import from a URL"},
	"vuln.url_help":                  {"Khiên tải tệp về (có giới hạn dung lượng và thời gian, không tới địa chỉ nội bộ trừ khi cấu hình cho phép) rồi nhập như tệp tải lên.", "Khiên downloads the file (bounded in size and time, never from internal addresses unless the configuration allows it) and imports it as an upload."},
	"vuln.url_submit":                {"Tải về và nhập", "Download and import"},
	"vuln.imported":                  {"Đã nhập: thêm %d, thay %d, giữ nguyên %d bản ghi.", "Imported: %d added, %d replaced, %d unchanged records."},
}

func (s *Server) registerVulnUI() {
	if s.deps.Vuln == nil {
		return
	}
	s.page("GET /vuln", s.vulnPage)
	s.page("GET /systems/{id}/vulnerabilities", s.systemVulnPage)
	s.page("POST /vuln/findings/{id}/status", s.vulnStatus)
	s.page("POST /vuln/discovered/{id}", s.vulnDecide)
	s.page("GET /vuln/advisories", s.vulnAdvisoriesPage)
	s.page("GET /vuln/advisories/{id}/agencies/{agency}/notice", s.vulnNoticePage)
	s.page("GET /vuln/feeds", s.vulnFeedsPage)
	s.page("GET /vuln/aliases", s.vulnAliasesPage)
	s.page("GET /vuln/figures", s.vulnFiguresPage)
	s.page("GET /vuln/running", s.vulnRunningPage)
	s.page("POST /vuln/aliases", s.vulnAliasAdd)
	s.page("POST /vuln/aliases/delete", s.vulnAliasRemove)
	s.page("POST /vuln/rules", s.vulnRulesSave)
	s.page("POST /vuln/feeds", s.vulnFeedUpload)
	s.page("POST /vuln/feeds/url", s.vulnFeedURL)
}

type vulnView struct {
	SystemID   int64
	SystemName string
	Priority   string
	Status     string
	Overdue    bool
	Findings   []vuln.Finding
	Total      int
	From, To   int
	PrevURL    string
	NextURL    string
	CanWork    bool
	Statuses   []string
	Priorities []string
	Discovered []vuln.Discovered
	CSVURL     string
}

func (s *Server) vulnPage(w http.ResponseWriter, r *http.Request) { s.vulnList(w, r, 0, "") }

func (s *Server) systemVulnPage(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sys, err := s.deps.Registry.System(r.Context(), httpx.Actor(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.vulnList(w, r, sys.ID, sys.Name)
}

func (s *Server) vulnList(w http.ResponseWriter, r *http.Request, systemID int64, systemName string) {
	q := r.URL.Query()
	actor := httpx.Actor(r.Context())
	v := vulnView{SystemID: systemID, SystemName: systemName, Priority: q.Get("priority"), Status: q.Get("status"), Overdue: q.Get("overdue") == "1",
		CanWork: vuln.CanWork(actor), Statuses: vuln.Statuses, Priorities: vuln.Priorities}
	page, err := pageParam(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := vuln.FindingFilter{Priority: v.Priority, Status: v.Status, SystemID: systemID, Overdue: v.Overdue, Page: store.Page{Limit: 50, Offset: (page - 1) * 50}}
	if v.Findings, v.Total, err = s.deps.Vuln.Findings(r.Context(), actor, f); err != nil {
		s.fail(w, r, err)
		return
	}
	v.From, v.To = f.Page.Offset+1, f.Page.Offset+len(v.Findings)
	if systemID != 0 {
		if v.Discovered, err = s.deps.Vuln.DiscoveredComponents(r.Context(), actor, systemID, ""); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	base := "/vuln"
	if systemID != 0 {
		base = fmt.Sprintf("/systems/%d/vulnerabilities", systemID)
	}
	csvQ := url.Values{}
	for k, val := range map[string]string{"priority": v.Priority, "status": v.Status} {
		if val != "" {
			csvQ.Set(k, val)
		}
	}
	if v.Overdue {
		csvQ.Set("overdue", "true")
	}
	if systemID != 0 {
		csvQ.Set("system_id", fmt.Sprint(systemID))
	}
	v.CSVURL = "/api/v1/vuln/findings.csv?" + csvQ.Encode()
	v.PrevURL, v.NextURL = pageLinks(base, q, []string{"priority", "status", "overdue"}, page, v.To, v.Total)
	view := s.newView(r, "vuln.title", "vuln", v)
	if systemID != 0 {
		view.Title, view.TitleIsData = systemName, true
	}
	s.render(w, http.StatusOK, "vuln", view)
}

func (s *Server) vulnStatus(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := r.PostForm
	in := vuln.StatusInput{Status: f.Get("status"), Reason: f.Get("reason"), Approver: f.Get("approver"), Until: f.Get("until")}
	if _, err := s.deps.Vuln.SetStatus(r.Context(), httpx.Actor(r.Context()), id, in); err != nil {
		s.fail(w, r, err)
		return
	}
	back := "/vuln?done=saved"
	if ret := f.Get("back"); (strings.HasPrefix(ret, "/vuln?") || strings.HasPrefix(ret, "/systems/")) && !strings.ContainsAny(ret, "\\\r\n") && !strings.HasPrefix(ret, "//") {
		back = ret
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// vulnDecide confirms or rejects a discovered component, back to its
// system's vulnerabilities.
func (s *Server) vulnDecide(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.deps.Vuln.DecideDiscovered(r.Context(), httpx.Actor(r.Context()), id, r.PostForm.Get("status"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/systems/%d/vulnerabilities?done=saved", d.SystemID), http.StatusSeeOther)
}

func (s *Server) vulnAdvisoriesPage(w http.ResponseWriter, r *http.Request) {
	actor := httpx.Actor(r.Context())
	list, err := s.deps.Vuln.Advisories(r.Context(), actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for i := range list {
		if list[i], err = s.deps.Vuln.Advisory(r.Context(), actor, list[i].ID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, http.StatusOK, "vuln_advisories", s.newView(r, "vuln.advisories_title", "vuln_advisories", list))
}

type vulnFeedsView struct {
	Feeds     []vuln.FeedStatus
	CanImport bool
	Imported  string
}

func (s *Server) vulnFeedsPage(w http.ResponseWriter, r *http.Request) {
	s.renderFeeds(w, r, http.StatusOK, "")
}

func (s *Server) renderFeeds(w http.ResponseWriter, r *http.Request, status int, imported string) {
	actor := httpx.Actor(r.Context())
	feeds, err := s.deps.Vuln.Feeds(r.Context(), actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, status, "vuln_feeds", s.newView(r, "vuln.feeds_title", "vuln_feeds", vulnFeedsView{Feeds: feeds, CanImport: vuln.CanImport(actor), Imported: imported}))
}

// vulnFeedUpload imports one uploaded feed file, streamed from the form.
func (s *Server) vulnFeedUpload(w http.ResponseWriter, r *http.Request) {
	if !vuln.CanImport(httpx.Actor(r.Context())) {
		s.fail(w, r, store.ErrForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<30)
	mr, err := r.MultipartReader()
	if err != nil {
		s.fail(w, r, httpx.BadRequest("malformed upload: %v", err))
		return
	}
	csrf := ""
	for {
		p, err := mr.NextPart()
		if err != nil {
			s.fail(w, r, httpx.BadRequest("choose a feed file"))
			return
		}
		switch p.FormName() {
		case "csrf":
			b := make([]byte, 128)
			n, _ := p.Read(b)
			csrf = string(b[:n])
		case "file":
			if !s.checkCSRF(w, r, csrf) {
				return
			}
			imp, err := s.deps.Vuln.ImportFeed(r.Context(), httpx.Actor(r.Context()), path.Base(p.FileName()), p)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			s.renderFeeds(w, r, http.StatusOK, fmt.Sprintf(tr(langOf(r), "vuln.imported"), imp.Added, imp.Replaced, imp.Unchanged))
			return
		}
	}
}

// vulnFeedURL downloads and imports a feed file from the URL in the form.
func (s *Server) vulnFeedURL(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	imp, err := s.deps.Vuln.ImportURL(r.Context(), httpx.Actor(r.Context()), r.PostForm.Get("url"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderFeeds(w, r, http.StatusOK, fmt.Sprintf(tr(langOf(r), "vuln.imported"), imp.Added, imp.Replaced, imp.Unchanged))
}
