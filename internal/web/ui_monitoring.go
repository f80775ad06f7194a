package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/notify"
	"github.com/khien-project/khien/internal/platform/valid"
)

// registerMonitoringUI adds the monitoring page with its maintenance
// windows and notification targets; registerSiteUI calls it.
func (s *Server) registerMonitoringUI() {
	s.page("GET /monitoring", s.monitoringPage)
	s.page("GET /alerts", s.alertsPage)
	s.registerPickers()
	s.page("POST /alerts/acknowledge", s.alertsAcknowledge)
	s.page("GET /monitoring/overview", s.overviewPageHandler)
	s.page("POST /monitoring/windows", s.windowCreate)
	s.page("POST /monitoring/windows/{id}/delete", s.idAction(s.deps.Notify.DeleteWindow, "/monitoring?done=deleted"))
	s.page("POST /monitoring/targets", s.targetCreate)
	s.page("POST /monitoring/targets/{id}/delete", s.idAction(s.deps.Notify.DeleteTarget, "/monitoring?done=deleted"))
}

type monitoringView struct {
	Alerts  []monitor.Alert
	Windows []notify.Window
	Targets []notify.Target
	// SiteURLs names the windows' sites.
	SiteURLs map[int64]string
	// Form is the maintenance form as it was sent, shown again with its
	// errors when it was refused.
	Form windowForm
}

// windowForm is the maintenance form as typed: Site is a site's address
// (or part of it), picked with search; empty means every site.
type windowForm struct{ Site, StartsAt, EndsAt, Reason string }

func (s *Server) monitoringPage(w http.ResponseWriter, r *http.Request) {
	s.showMonitoring(w, r, http.StatusOK, windowForm{}, nil)
}

// showMonitoring renders the monitoring page; a refused maintenance form
// comes back filled in as it was sent, with its errors.
func (s *Server) showMonitoring(w http.ResponseWriter, r *http.Request, status int, form windowForm, refused error) {
	ctx := r.Context()
	actor := httpx.Actor(ctx)
	v := monitoringView{Form: form, SiteURLs: map[int64]string{}}
	var err error
	if v.Alerts, _, err = s.deps.Monitor.Alerts(ctx, actor, monitor.AlertFilter{Limit: 10}); err == nil {
		v.Windows, err = s.deps.Notify.Windows(ctx, actor)
	}
	if err == nil && actor.CanManageNotifications() {
		v.Targets, err = s.deps.Notify.Targets(ctx, actor)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, win := range v.Windows {
		if win.SiteID == nil || v.SiteURLs[*win.SiteID] != "" {
			continue
		}
		if x, err := s.deps.Sites.Site(ctx, actor, *win.SiteID); err == nil {
			v.SiteURLs[x.ID] = x.URL
		} else {
			v.SiteURLs[*win.SiteID] = "#" + strconv.FormatInt(*win.SiteID, 10)
		}
	}
	view := s.newView(r, "monitoring.title", "monitoring", v)
	if refused != nil {
		if view.Errors, err = formErrors(refused); err != nil {
			view.ErrorText = errorMessage(view.Lang, err)
		}
	}
	s.render(w, status, "monitoring", view)
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
	form := windowForm{Site: strings.TrimSpace(f.Get("site")), StartsAt: f.Get("starts_at"), EndsAt: f.Get("ends_at"), Reason: f.Get("reason")}
	var in notify.WindowInput
	var bad valid.Errors
	var err error
	if in.StartsAt, err = localTime(form.StartsAt); err != nil {
		bad.Add("starts_at", "needs a date and a time", "cần nhập ngày và giờ")
	}
	if in.EndsAt, err = localTime(form.EndsAt); err != nil {
		bad.Add("ends_at", "needs a date and a time", "cần nhập ngày và giờ")
	}
	if v := strings.TrimSpace(f.Get("site_id")); v != "" {
		// A numeric site id, as the form sent before sites were searched.
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			bad.Add("site", "choose a site from the list", "hãy chọn một trang trong danh sách")
		}
		in.SiteID = &id
	} else if form.Site != "" {
		id, msg := s.pickSite(r.Context(), httpx.Actor(r.Context()), form.Site)
		if msg != nil {
			bad.Add("site", msg[1], msg[0])
		} else {
			in.SiteID = &id
		}
	}
	in.Reason = strings.TrimSpace(form.Reason)
	if err := bad.Err(); err != nil {
		s.showMonitoring(w, r, http.StatusBadRequest, form, err)
		return
	}
	if _, err := s.deps.Notify.AddWindow(r.Context(), httpx.Actor(r.Context()), in); err != nil {
		status, _ := httpx.Classify(err)
		if status == http.StatusBadRequest || status == http.StatusConflict {
			s.showMonitoring(w, r, status, form, err)
			return
		}
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
