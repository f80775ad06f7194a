package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/feature/trust"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/notify"
)

// registerSiteUI adds the portal pages: the site list with grades and
// trends, a site's page (scans, monitoring, label), a scan's report with
// its diff, findings and labels.
func (s *Server) registerSiteUI() {
	if s.deps.Sites == nil {
		return
	}
	s.page("GET /sites", s.sitesPage)
	s.page("GET /sites/{id}", s.sitePage)
	s.page("POST /sites/{id}/scan", s.siteScanNow)
	s.page("POST /sites/{id}/settings", s.siteSettings)
	s.page("POST /sites/{id}/label", s.siteLabel)
	s.page("GET /scans/{id}", s.scanPage)
	s.page("GET /findings", s.findingsPage)
	s.page("POST /findings/{id}/resolve", s.idAction(s.deps.Sites.ResolveFinding, "/findings?done=saved"))
	s.page("GET /labels", s.labelsPage)
	s.page("POST /label-policies/{id}", s.policyUpdate)
	s.page("GET /monitoring", s.monitoringPage)
	s.page("POST /monitoring/windows", s.windowCreate)
	s.page("POST /monitoring/windows/{id}/delete", s.idAction(s.deps.Notify.DeleteWindow, "/monitoring?done=deleted"))
	s.page("POST /monitoring/targets", s.targetCreate)
	s.page("POST /monitoring/targets/{id}/delete", s.idAction(s.deps.Notify.DeleteTarget, "/monitoring?done=deleted"))
	s.page("POST /labels/{id}/state", s.labelState)
}

type sitesView struct {
	Filter sitescan.SiteFilter
	Sites  []sitescan.Site
	Total  int
	Grades []string
}

var allGrades = []string{"A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F"}

func (s *Server) sitesPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := sitescan.SiteFilter{Query: q.Get("q"), Grade: q.Get("grade"), State: q.Get("state"), Limit: 200}
	items, total, err := s.deps.Sites.Sites(r.Context(), httpx.Actor(r.Context()), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "sites", s.newView(r, "sites.title", "sites", sitesView{Filter: f, Sites: items, Total: total, Grades: allGrades}))
}

type siteView struct {
	Site     sitescan.Site
	Scans    []sitescan.Scan
	Findings []sitescan.Finding
	Alerts   []monitor.Alert
	Stats    monitor.Stats
	Label    *trust.Label
	Policy   *trust.Policy
}

func (s *Server) sitePage(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showSite(w, r, id, http.StatusOK, "")
}

// showSite renders a site's page, with a message when an action could not
// be done.
func (s *Server) showSite(w http.ResponseWriter, r *http.Request, id int64, status int, errText string) {
	ctx := r.Context()
	actor := httpx.Actor(ctx)
	var err error
	v := siteView{}
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
	}
	if policies, err := s.deps.Trust.Policies(ctx, actor); err == nil && len(policies) > 0 {
		v.Policy = &policies[0]
	}
	view := s.newView(r, "site.title", "sites", v)
	view.ErrorText = errText
	s.render(w, status, "site", view)
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
	scan, created, err := s.deps.Sites.RequestScan(ctx, httpx.Actor(ctx), id)
	if err == nil && created && s.deps.EnqueueScan != nil {
		err = s.deps.EnqueueScan(ctx, scan.ID)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/sites/%d?done=queued", id), http.StatusSeeOther)
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
			return nil, httpx.BadRequest("%s: %q is not a whole number", name, f.Get(name))
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
		s.fail(w, r, httpx.BadRequest("change_threshold_percent: %q is not a number", f.Get("change_threshold_percent")))
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

func (s *Server) siteLabel(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, err = s.deps.Trust.Grant(r.Context(), httpx.Actor(r.Context()), trust.GrantInput{SiteID: id,
		PrivacyURL: r.PostForm.Get("privacy_url"), Contact: r.PostForm.Get("contact")})
	if errors.Is(err, trust.ErrPolicyNotMet) {
		s.showSite(w, r, id, http.StatusConflict, policyMessage(r, err))
		return
	}
	if err != nil {
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
	Findings []sitescan.Finding
	Total    int
}

func (s *Server) findingsPage(w http.ResponseWriter, r *http.Request) {
	status := r.URL.Query().Get("status")
	if status == "" {
		status = "open"
	}
	if status == "all" {
		status = ""
	}
	items, total, err := s.deps.Sites.Findings(r.Context(), httpx.Actor(r.Context()), sitescan.FindingFilter{Status: status, Limit: 200})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "findings", s.newView(r, "findings.title", "findings", findingsView{Status: status, Findings: items, Total: total}))
}

type labelsView struct {
	Labels   []trust.Label
	Total    int
	Policies []trust.Policy
}

func (s *Server) labelsPage(w http.ResponseWriter, r *http.Request) {
	actor := httpx.Actor(r.Context())
	items, total, err := s.deps.Trust.Labels(r.Context(), actor, trust.LabelFilter{State: r.URL.Query().Get("state"), Limit: 500})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	policies, err := s.deps.Trust.Policies(r.Context(), actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "labels", s.newView(r, "labels.title", "labels", labelsView{Labels: items, Total: total, Policies: policies}))
}

func (s *Server) policyUpdate(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := r.PostForm
	grade := strings.TrimSpace(f.Get("min_grade"))
	required, critical := strings.Fields(f.Get("required_checks")), strings.Fields(f.Get("critical_checks"))
	privacy, contact := f.Get("require_privacy_policy") == "on", f.Get("require_contact") == "on"
	days, err := strconv.Atoi(strings.TrimSpace(f.Get("valid_days")))
	if err != nil {
		s.fail(w, r, httpx.BadRequest("valid_days: %q is not a whole number", f.Get("valid_days")))
		return
	}
	in := trust.PolicyInput{MinGrade: &grade, RequiredChecks: &required, CriticalChecks: &critical, RequirePrivacyPolicy: &privacy, RequireContact: &contact, ValidDays: &days}
	if _, err := s.deps.Trust.UpdatePolicy(r.Context(), httpx.Actor(r.Context()), id, in); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/labels?done=saved", http.StatusSeeOther)
}

type monitoringView struct {
	Alerts  []monitor.Alert
	Windows []notify.Window
	Targets []notify.Target
}

func (s *Server) monitoringPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := httpx.Actor(ctx)
	var v monitoringView
	var err error
	if v.Alerts, _, err = s.deps.Monitor.Alerts(ctx, actor, monitor.AlertFilter{Limit: 100}); err == nil {
		v.Windows, err = s.deps.Notify.Windows(ctx, actor)
	}
	if err == nil && actor.CanManageNotifications() {
		v.Targets, err = s.deps.Notify.Targets(ctx, actor)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "monitoring", s.newView(r, "monitoring.title", "monitoring", v))
}

// localTime reads a datetime-local form value as Vietnam time.
func localTime(v string) (time.Time, error) {
	return time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(v), vietnam)
}

func (s *Server) windowCreate(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	f := r.PostForm
	var in notify.WindowInput
	var err error
	if in.StartsAt, err = localTime(f.Get("starts_at")); err == nil {
		in.EndsAt, err = localTime(f.Get("ends_at"))
	}
	if err != nil {
		s.fail(w, r, httpx.BadRequest("starts_at, ends_at: a date and time are required"))
		return
	}
	if v := strings.TrimSpace(f.Get("site_id")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			s.fail(w, r, httpx.BadRequest("site_id: %q is not an id", v))
			return
		}
		in.SiteID = &id
	}
	in.Reason = strings.TrimSpace(f.Get("reason"))
	if _, err := s.deps.Notify.AddWindow(r.Context(), httpx.Actor(r.Context()), in); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/monitoring?done=saved", http.StatusSeeOther)
}

func (s *Server) targetCreate(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	in := notify.TargetInput{Kind: r.PostForm.Get("kind"), Address: strings.TrimSpace(r.PostForm.Get("address")), Secret: r.PostForm.Get("secret")}
	if _, err := s.deps.Notify.AddTarget(r.Context(), httpx.Actor(r.Context()), in); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/monitoring?done=saved", http.StatusSeeOther)
}

func (s *Server) labelState(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	ctx := r.Context()
	actor := httpx.Actor(ctx)
	id := r.PathValue("id")
	l, err := s.deps.Trust.Label(ctx, actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch state := r.PostForm.Get("state"); state {
	case trust.Suspended, trust.Revoked:
		_, err = s.deps.Trust.SetState(ctx, actor, id, state, strings.TrimSpace(r.PostForm.Get("reason")))
	case trust.Granted:
		_, err = s.deps.Trust.Grant(ctx, actor, trust.GrantInput{SiteID: l.SiteID, PolicyID: l.PolicyID, PrivacyURL: l.PrivacyURL, Contact: l.Contact})
	default:
		err = httpx.BadRequest("state: %q is not suspended, revoked or granted", state)
	}
	if errors.Is(err, trust.ErrPolicyNotMet) {
		s.showSite(w, r, l.SiteID, http.StatusConflict, policyMessage(r, err))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/sites/%d?done=saved", l.SiteID), http.StatusSeeOther)
}

// policyMessage says why a label was not granted, in the reader's language.
func policyMessage(r *http.Request, err error) string {
	var pe *trust.PolicyError
	if errors.As(err, &pe) {
		return pe.Message(langOf(r))
	}
	return err.Error()
}
