package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/feature/trust"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/web/chart"
)

// registerSiteUI adds the portal pages: the site list with grades and
// trends, a site's page (scans, monitoring, label), a scan's report with
// its diff and findings; then the monitoring and label pages, which exist
// only with the site features.
func (s *Server) registerSiteUI() {
	if s.deps.Sites == nil {
		return
	}
	s.page("GET /sites", s.sitesPage)
	s.page("GET /sites/{id}", s.sitePage)
	s.page("POST /sites/{id}/scan", s.siteScanNow)
	s.page("POST /sites/{id}/settings", s.siteSettings)
	s.page("POST /sites/{id}/verify", s.siteVerification(s.deps.Sites.VerifyNow, "verification.checked"))
	s.page("POST /sites/{id}/approve", s.siteVerification(s.deps.Sites.Approve, "saved"))
	s.page("POST /sites/{id}/reject", s.siteVerification(s.deps.Sites.Reject, "saved"))
	s.page("GET /scans", s.scansPage)
	s.page("GET /scans/{id}", s.scanPage)
	s.page("GET /findings", s.findingsPage)
	s.page("POST /findings/{id}/resolve", s.idAction(s.deps.Sites.ResolveFinding, "/findings?done=saved"))
	s.page("POST /findings/resolve", s.findingsResolve)
	s.registerMonitoringUI()
	s.registerLabelUI()
}

type sitesView struct {
	Filter   sitescan.SiteFilter
	Sites    []sitescan.Site
	Total    int
	Grades   []string
	From, To int
	PrevURL  string
	NextURL  string
}

// sitesPerPage is how many sites one page of the list shows.
const sitesPerPage = 100

var allGrades = []string{"A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F"}

func (s *Server) sitesPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := sitescan.SiteFilter{Query: q.Get("q"), Grade: q.Get("grade"), State: q.Get("state"), Archived: q.Get("archived"), Limit: sitesPerPage}
	page, err := pageParam(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Offset = (page - 1) * sitesPerPage
	if v := q.Get("system_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			s.fail(w, r, fieldErr("system_id", "is not a system number", "không phải số của một hệ thống"))
			return
		}
		f.SystemID = id
	}
	items, total, err := s.deps.Sites.Sites(r.Context(), httpx.Actor(r.Context()), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := sitesView{Filter: f, Sites: items, Total: total, Grades: allGrades, From: f.Offset + 1, To: f.Offset + len(items)}
	v.PrevURL, v.NextURL = pageLinks("/sites", q, []string{"q", "grade", "state", "archived", "system_id"}, page, f.Offset+len(items), total)
	s.render(w, http.StatusOK, "sites", s.newView(r, "sites.title", "sites", v))
}

type siteView struct {
	Site     sitescan.Site
	Scans    []sitescan.Scan
	Findings []sitescan.Finding
	Alerts   []monitor.Alert
	Stats    monitor.Stats
	Label    *trust.Label
	Policy   *trust.Policy
	// Unmet says, before the grant button, what the site lacks to meet
	// the policy at its latest assessment (empty when it meets it).
	Unmet []string
	// Badge is the snippet that embeds the label's badge elsewhere.
	Badge *badgeSnippet
	// Form is the label form as it was sent, shown again on a refusal.
	Form labelForm
	// The charts: grades over 90 days, uptime per day over 90 days,
	// latency over the last 24 hours.
	History, Uptime, Latency template.HTML
}

// labelForm is what was typed into a site's label forms.
type labelForm struct{ PrivacyURL, Contact, State, Reason string }

// badgeSnippet is the HTML and Markdown that show a label's badge,
// linked to its public page.
type badgeSnippet struct{ HTML, Markdown string }

func (s *Server) sitePage(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showSite(w, r, id, http.StatusOK, "", labelForm{})
}

// showSite renders a site's page, with a message when an action could not
// be done.
func (s *Server) showSite(w http.ResponseWriter, r *http.Request, id int64, status int, errText string, form labelForm) {
	ctx := r.Context()
	actor := httpx.Actor(ctx)
	lang := langOf(r)
	var err error
	v := siteView{Form: form}
	if v.Site, err = s.deps.Sites.Site(ctx, actor, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Scans, _, err = s.deps.Sites.Scans(ctx, actor, sitescan.ScanFilter{SiteID: id, Limit: 20}); err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Findings, _, err = s.deps.Sites.Findings(ctx, actor, sitescan.FindingFilter{SiteID: id, Status: "open", Limit: 50}); err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Alerts, _, err = s.deps.Monitor.Alerts(ctx, actor, monitor.AlertFilter{SiteID: id, Limit: 10}); err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Stats, err = s.deps.Monitor.SiteStats(ctx, actor, id, time.Now().Add(-24*time.Hour)); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.siteCharts(ctx, actor, lang, &v); err != nil {
		s.fail(w, r, err)
		return
	}
	labels, _, err := s.deps.Trust.Labels(ctx, actor, trust.LabelFilter{SiteID: id, Limit: 1})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(labels) == 1 {
		l, err := s.deps.Trust.Label(ctx, actor, labels[0].ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Label = &l
		base := "http://" + r.Host
		if s.deps.TLS {
			base = "https://" + r.Host
		}
		page, img := base+"/trust/"+l.ID, base+"/trust/"+l.ID+"/badge.svg?lang="+lang
		alt := tr(lang, "labels.label")
		v.Badge = &badgeSnippet{
			HTML:     fmt.Sprintf(`<a href="%s"><img src="%s" alt="%s" height="20"></a>`, page, img, alt),
			Markdown: fmt.Sprintf("[![%s](%s)](%s)", alt, img, page),
		}
	}
	if policies, err := s.deps.Trust.Policies(ctx, actor); err == nil && len(policies) > 0 {
		v.Policy = &policies[0]
		if v.Label == nil && actor.CanGrantLabels() {
			v.Unmet = s.unmet(ctx, actor, lang, v.Policy, v.Scans)
		}
	}
	view := s.newView(r, "site.title", "sites", v)
	// The tab names the site, so that several open sites can be told apart.
	view.Title, view.TitleIsData = v.Site.URL, true
	view.ErrorText = errText
	s.render(w, status, "site", view)
}

// chartDays is how far back a site's grade and uptime charts go.
const chartDays = 90

// siteCharts draws v's site's grade history, daily uptime and latency.
func (s *Server) siteCharts(ctx context.Context, actor access.Actor, lang string, v *siteView) error {
	now := time.Now()
	l := chart.LabelsFor(lang)
	points, err := s.deps.Sites.GradeHistory(ctx, actor, v.Site.ID, now.AddDate(0, 0, -chartDays))
	if err != nil {
		return err
	}
	h := chart.History{ID: "history", Gap: 30 * 24 * time.Hour}
	for _, p := range points {
		h.Points = append(h.Points, chart.Assessment{At: p.At.In(vietnam), Score: float64(p.Score), Grade: p.Grade})
	}
	days, err := s.deps.Monitor.DailyUptime(ctx, actor, v.Site.ID, chartDays, now)
	if err != nil {
		return err
	}
	u := chart.Uptime{ID: "uptime"}
	for _, d := range days {
		day, err := time.Parse(time.DateOnly, d.Date)
		if err != nil {
			return fmt.Errorf("uptime day %q: %w", d.Date, err)
		}
		u.Days = append(u.Days, chart.Day{Date: day, Up: d.Up, Total: d.Samples})
	}
	lat := chart.Latency{ID: "latency"}
	for _, smp := range v.Stats.Series {
		lat.Probes = append(lat.Probes, chart.Probe{At: smp.At.In(vietnam), OK: smp.OK, LatencyMS: float64(smp.LatencyMS)})
	}
	v.History, v.Uptime, v.Latency = chart.Figure(h, l), chart.Figure(u, l), chart.Figure(lat, l)
	return nil
}

// unmet lists, in lang, what the site's latest finished assessment lacks
// to meet policy (the privacy page and contact are asked on the form).
func (s *Server) unmet(ctx context.Context, actor access.Actor, lang string, policy *trust.Policy, scans []sitescan.Scan) []string {
	var rep *webscan.Report
	for _, sc := range scans {
		if sc.Status != "done" {
			continue
		}
		full, err := s.deps.Sites.Scan(ctx, actor, sc.ID)
		if err != nil || full.Report == nil {
			break
		}
		var r webscan.Report
		if json.Unmarshal(full.Report, &r) == nil {
			rep = &r
		}
		break
	}
	vi, en := trust.Unmet(*policy, rep, "-", "-")
	if lang == "en" {
		return en
	}
	for i := range vi {
		vi[i] = plainResults(vi[i])
	}
	return vi
}

func (s *Server) siteScanNow(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	ctx := r.Context()
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The scan's job is queued with its row (sitescan's outbox).
	if _, _, err := s.deps.Sites.RequestScan(ctx, httpx.Actor(ctx), id); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/sites/%d?done=queued", id), http.StatusSeeOther)
}

// siteVerification runs a verification action on a site (verify now,
// approve, reject) and shows the site again.
func (s *Server) siteVerification(do func(context.Context, access.Actor, int64) (sitescan.Site, error), done string) http.HandlerFunc {
	return idAction(s, do, "/sites/%d?done="+done)
}

// idAction is a form that runs do on the object whose id is in the path,
// as the request's actor, then goes to back (a format taking the id).
func idAction[T any](s *Server, do func(context.Context, access.Actor, int64) (T, error), back string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.checkForm(w, r) {
			return
		}
		id, err := httpx.ParseID(r, "id")
		if err == nil {
			_, err = do(r.Context(), httpx.Actor(r.Context()), id)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		http.Redirect(w, r, fmt.Sprintf(back, id), http.StatusSeeOther)
	}
}

func (s *Server) siteSettings(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := r.PostForm
	var in sitescan.SiteSettings
	num := func(name string) (*int, error) {
		n, err := strconv.Atoi(strings.TrimSpace(f.Get(name)))
		if err != nil {
			return nil, fieldErr(name, "must be a whole number", "phải là một số nguyên")
		}
		return &n, nil
	}
	if in.ScanEveryHours, err = num("scan_every_hours"); err == nil {
		in.CheckEveryMinutes, err = num("check_every_minutes")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	th, err := strconv.ParseFloat(strings.TrimSpace(f.Get("change_threshold_percent")), 64)
	if err != nil {
		s.fail(w, r, fieldErr("change_threshold_percent", "must be a number", "phải là một số"))
		return
	}
	th /= 100
	enabled := f.Get("monitor_enabled") == "on"
	rule := strings.ReplaceAll(f.Get("ignore_rule"), "\r\n", "\n")
	in.ChangeThreshold, in.MonitorEnabled, in.IgnoreRule = &th, &enabled, &rule
	in.ResetBaseline = f.Get("reset_baseline") == "on"
	if _, err := s.deps.Sites.UpdateSettings(r.Context(), httpx.Actor(r.Context()), id, in); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/sites/%d?done=saved", id), http.StatusSeeOther)
}

type scanView struct {
	Scan   sitescan.Scan
	Site   sitescan.Site
	Report *webscan.Report
	Diff   sitescan.Diff
	Counts map[string]int
}

func (s *Server) scanPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := httpx.Actor(ctx)
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := scanView{Counts: map[string]int{}}
	if v.Scan, err = s.deps.Sites.Scan(ctx, actor, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Scan.SiteID != nil { // ad-hoc scans have no site
		if v.Site, err = s.deps.Sites.Site(ctx, actor, *v.Scan.SiteID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if v.Scan.Report != nil {
		var rep webscan.Report
		if err := json.Unmarshal(v.Scan.Report, &rep); err != nil {
			s.fail(w, r, err)
			return
		}
		v.Report = &rep
		for _, c := range rep.Checks {
			v.Counts[c.Result]++
		}
	}
	if v.Diff, err = s.deps.Sites.Diff(ctx, actor, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "scan", s.newView(r, "scan.title", "sites", v))
}

type findingsView struct {
	Status   string
	Severity string
	Query    string
	Filter   sitescan.FindingFilter
	AgencyID int64
	DateFrom string
	DateTo   string
	Agencies []registry.Agency
	Kinds    []string
	SortKey  string
	Sorts    map[string]string
	Findings []sitescan.Finding
	Total    int
	From, To int
	PrevURL  string
	NextURL  string
}

// findingsPerPage is how many findings one page of the list shows.
const findingsPerPage = 50

func (s *Server) findingsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status := q.Get("status")
	switch status {
	case "":
		status = "open"
	case "open", "resolved", "all":
	default:
		s.fail(w, r, fieldErr("status", "is not open, resolved or all", "không phải đang mở, đã xử lý hoặc tất cả"))
		return
	}
	f := sitescan.FindingFilter{Status: status, Severity: q.Get("severity"), Query: q.Get("q"), Kind: q.Get("kind"), Sort: q.Get("sort"), Limit: findingsPerPage}
	if status == "all" {
		f.Status = ""
	}
	v := findingsView{Status: status, Severity: f.Severity, Query: f.Query, DateFrom: q.Get("from"), DateTo: q.Get("to"), Kinds: sitescan.FindingKinds}
	var err error
	f.AgencyPath, v.AgencyID, err = s.agencyParam(r, q)
	if err == nil {
		f.From, err = dateParam(v.DateFrom, "from", false)
	}
	if err == nil {
		f.To, err = dateParam(v.DateTo, "to", true)
	}
	page := 1
	if err == nil {
		page, err = pageParam(q)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Offset = (page - 1) * findingsPerPage
	ctx, actor := r.Context(), httpx.Actor(r.Context())
	items, total, err := s.deps.Sites.Findings(ctx, actor, f)
	if err == nil {
		v.Agencies, err = s.deps.Registry.AgencyTree(ctx, actor)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Filter, v.Findings, v.Total, v.From, v.To = f, items, total, f.Offset+1, f.Offset+len(items)
	keys := []string{"status", "severity", "q", "kind", "agency_id", "from", "to", "sort"}
	v.SortKey = f.Sort
	if v.SortKey == "" {
		v.SortKey = "newest"
	}
	v.Sorts = map[string]string{}
	for _, k := range sitescan.FindingSorts {
		v.Sorts[k] = listURL("/findings", q, keys, "sort", k)
	}
	v.PrevURL, v.NextURL = pageLinks("/findings", q, keys, page, f.Offset+len(items), total)
	s.render(w, http.StatusOK, "findings", s.newView(r, "findings.title", "findings", v))
}

// findingsResolve marks the findings ticked on the list resolved, all in
// one transaction, and goes back to the list as it was.
func (s *Server) findingsResolve(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	var ids []int64
	for _, v := range r.PostForm["id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			s.fail(w, r, fieldErr("id", "is not a finding number", "không phải số của một phát hiện"))
			return
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		s.fail(w, r, fieldErr("id", "tick at least one finding", "hãy chọn ít nhất một phát hiện"))
		return
	}
	if err := s.deps.Sites.ResolveFindings(r.Context(), httpx.Actor(r.Context()), ids); err != nil {
		s.fail(w, r, err)
		return
	}
	back := "/findings?done=saved"
	if ret := r.PostForm.Get("back"); strings.HasPrefix(ret, "/findings?") && !strings.ContainsAny(ret, "\\\r\n") {
		back = ret + "&done=saved"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
