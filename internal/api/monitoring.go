package api

import (
	"context"
	"net/http"
	"time"

	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/notify"
)

// registerMonitoring adds the monitoring routes: monitors and their
// charts, alerts, maintenance windows and notification targets.
func (a *API) registerMonitoring(r Router) {
	r.Private("GET /api/v1/monitors", a.listMonitors)
	r.Private("GET /api/v1/monitors/{id}", a.getMonitor)
	r.Private("POST /api/v1/monitors", a.createMonitor)
	r.Private("PATCH /api/v1/monitors/{id}", a.updateSite)
	r.Private("DELETE /api/v1/monitors/{id}", a.deleteMonitor)
	r.Private("POST /api/v1/monitors/{id}/check", a.checkMonitor)
	r.Private("GET /api/v1/monitors/{id}/chart.svg", a.monitorChart)
	r.Private("GET /api/v1/monitors/{id}/uptime", a.monitorUptime)
	r.Private("GET /api/v1/monitoring/overview", a.monitoringOverview)
	r.Private("GET /api/v1/alerts", a.listAlerts)
	r.Private("POST /api/v1/alerts/acknowledge", a.acknowledgeAlerts)
	r.Private("GET /api/v1/maintenance", a.listWindows)
	r.Private("POST /api/v1/maintenance", a.addWindow)
	r.Private("DELETE /api/v1/maintenance/{id}", a.deleteWindow)
	r.Private("GET /api/v1/notify-targets", a.listTargets)
	r.Private("POST /api/v1/notify-targets", a.addTarget)
	r.Private("DELETE /api/v1/notify-targets/{id}", a.deleteTarget)
}

// monitorView is one site's monitoring state with its recent figures.
type monitorView struct {
	sitescan.Site
	Stats24h monitor.Stats `json:"stats_24h"`
	Stats30d monitor.Stats `json:"stats_30d"`
}

func (a *API) listMonitors(w http.ResponseWriter, r *http.Request) { a.listSites(w, r) }

func (a *API) getMonitor(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (monitorView, error) {
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return monitorView{}, err
		}
		actor := httpx.Actor(ctx)
		site, err := a.Sites.Site(ctx, actor, id)
		if err != nil {
			return monitorView{}, err
		}
		v := monitorView{Site: site}
		if v.Stats24h, err = a.Monitor.SiteStats(ctx, actor, id, time.Now().Add(-24*time.Hour)); err != nil {
			return v, err
		}
		v.Stats30d, err = a.Monitor.SiteStats(ctx, actor, id, time.Now().Add(-30*24*time.Hour))
		v.Stats30d.Series = nil
		return v, err
	})
}

// monitorInput turns monitoring on for a registered site, named by id or
// URL, with optional settings.
type monitorInput struct {
	SiteID            int64    `json:"site_id"`
	URL               string   `json:"url"`
	CheckEveryMinutes *int     `json:"check_every_minutes"`
	IgnoreRule        *string  `json:"ignore_rule"`
	ChangeThreshold   *float64 `json:"change_threshold"`
}

func (a *API) createMonitor(w http.ResponseWriter, r *http.Request) {
	var in monitorInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	run(w, r, http.StatusOK, func(ctx context.Context) (sitescan.Site, error) {
		if in.SiteID == 0 {
			if in.URL == "" {
				return sitescan.Site{}, httpx.BadRequest("give site_id or url (a registered site's URL)")
			}
			id, err := a.Sites.SiteIDByURL(ctx, httpx.Actor(ctx), in.URL)
			if err != nil {
				return sitescan.Site{}, err
			}
			in.SiteID = id
		}
		on := true
		return a.Sites.UpdateSettings(ctx, httpx.Actor(ctx), in.SiteID, sitescan.SiteSettings{MonitorEnabled: &on,
			CheckEveryMinutes: in.CheckEveryMinutes, IgnoreRule: in.IgnoreRule, ChangeThreshold: in.ChangeThreshold})
	})
}

// deleteMonitor turns a site's monitoring off (its samples and alerts stay).
func (a *API) deleteMonitor(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err == nil {
		off := false
		_, err = a.Sites.UpdateSettings(r.Context(), httpx.Actor(r.Context()), id, sitescan.SiteSettings{MonitorEnabled: &off})
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) checkMonitor(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (*monitor.Outcome, error) {
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return nil, err
		}
		return a.Monitor.CheckNow(ctx, httpx.Actor(ctx), id)
	})
}

func (a *API) monitorChart(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	days := 1
	if r.URL.Query().Get("range") == "30d" {
		days = 30
	}
	st, err := a.Monitor.SiteStats(r.Context(), httpx.Actor(r.Context()), id, time.Now().AddDate(0, 0, -days))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	_, _ = w.Write(monitor.Chart(st, r.URL.Query().Get("lang")))
}

// monitorUptime answers GET /api/v1/monitors/{id}/uptime?days=N: one
// entry per day of the last N days (default 90, at most 366), oldest
// first, with uptime_percent null on a day without probes.
func (a *API) monitorUptime(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (items[monitor.Day], error) {
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return items[monitor.Day]{}, err
		}
		days, err := dayCount(r)
		if err != nil {
			return items[monitor.Day]{}, err
		}
		list, err := a.Monitor.DailyUptime(ctx, httpx.Actor(ctx), id, days, time.Now())
		return items[monitor.Day]{Items: nonNil(list)}, err
	})
}

// monitoringOverview answers GET /api/v1/monitoring/overview: every live
// site in scope with its state, uptime over 24 hours and 30 days, latency,
// certificate days left, last change and label state, worst first.
func (a *API) monitoringOverview(w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	q := r.URL.Query()
	ctx := r.Context()
	f := monitor.OverviewFilter{Q: q.Get("q"), State: q.Get("state"), Sort: q.Get("sort"), Limit: p.Limit, Offset: p.Offset}
	agency, err := optionalID(r, "agency_id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if agency != nil {
		ag, err := a.Registry.Agency(ctx, httpx.Actor(ctx), *agency)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		f.AgencyPath = ag.Path
	}
	rows, total, err := a.Monitor.Overview(ctx, httpx.Actor(ctx), f, time.Now())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, list[monitor.OverviewRow]{Items: nonNil(rows), Total: total, Limit: p.Limit, Offset: p.Offset})
}

// listAlerts lists monitoring alerts; filters: site_id, kind, state (new,
// acknowledged), severity, agency_id (with the agencies below it), from
// and to (RFC 3339 times, or dates taken as whole days in Vietnam's
// time), sort (newest, oldest, severity).
func (a *API) listAlerts(w http.ResponseWriter, r *http.Request) {
	siteList(w, r, func(ctx context.Context, actor access.Actor, p registry.Page, site int64) ([]monitor.Alert, int, error) {
		q := r.URL.Query()
		f := monitor.AlertFilter{SiteID: site, Kind: q.Get("kind"), State: q.Get("state"), Severity: q.Get("severity"), Sort: q.Get("sort"), Limit: p.Limit, Offset: p.Offset}
		var err error
		if f.AgencyPath, f.From, f.To, err = a.listBounds(ctx, r); err != nil {
			return nil, 0, err
		}
		return a.Monitor.Alerts(ctx, actor, f)
	})
}

// ackInput is the body of a bulk acknowledgement.
type ackInput struct {
	IDs []int64 `json:"ids"`
}

// acknowledgeAlerts marks monitoring alerts seen, all or none: an id out
// of scope makes it a 404 and nothing changes.
func (a *API) acknowledgeAlerts(w http.ResponseWriter, r *http.Request) {
	var in ackInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	run(w, r, http.StatusOK, func(ctx context.Context) (map[string]int, error) {
		n, err := a.Monitor.AcknowledgeAlerts(ctx, httpx.Actor(ctx), in.IDs)
		return map[string]int{"acknowledged": n}, err
	})
}

func (a *API) listWindows(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (list[notify.Window], error) {
		items, err := a.Notify.Windows(ctx, httpx.Actor(ctx))
		return list[notify.Window]{Items: items, Total: len(items), Limit: len(items)}, err
	})
}

func (a *API) addWindow(w http.ResponseWriter, r *http.Request) {
	var in notify.WindowInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	run(w, r, http.StatusCreated, func(ctx context.Context) (notify.Window, error) {
		return a.Notify.AddWindow(ctx, httpx.Actor(ctx), in)
	})
}

func (a *API) deleteWindow(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err == nil {
		err = a.Notify.DeleteWindow(r.Context(), httpx.Actor(r.Context()), id)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) listTargets(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (list[notify.Target], error) {
		items, err := a.Notify.Targets(ctx, httpx.Actor(ctx))
		return list[notify.Target]{Items: items, Total: len(items), Limit: len(items)}, err
	})
}

func (a *API) addTarget(w http.ResponseWriter, r *http.Request) {
	var in notify.TargetInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	run(w, r, http.StatusCreated, func(ctx context.Context) (notify.Target, error) {
		return a.Notify.AddTarget(ctx, httpx.Actor(ctx), in)
	})
}

func (a *API) deleteTarget(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err == nil {
		err = a.Notify.DeleteTarget(r.Context(), httpx.Actor(r.Context()), id)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
