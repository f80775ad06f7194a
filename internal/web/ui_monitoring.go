package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/notify"
)

// registerMonitoringUI adds the monitoring page with its maintenance
// windows and notification targets; registerSiteUI calls it.
func (s *Server) registerMonitoringUI() {
	s.page("GET /monitoring", s.monitoringPage)
	s.page("POST /monitoring/windows", s.windowCreate)
	s.page("POST /monitoring/windows/{id}/delete", s.idAction(s.deps.Notify.DeleteWindow, "/monitoring?done=deleted"))
	s.page("POST /monitoring/targets", s.targetCreate)
	s.page("POST /monitoring/targets/{id}/delete", s.idAction(s.deps.Notify.DeleteTarget, "/monitoring?done=deleted"))
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
