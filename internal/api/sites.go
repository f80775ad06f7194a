package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/feature/trust"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/notify"
	"github.com/khien-project/khien/internal/platform/store"
)

// registerSites adds the web-assessment, monitoring and label routes.
func (a *API) registerSites(r Router) {
	r.Private("GET /api/v1/sites", a.listSites)
	r.Private("GET /api/v1/sites/{id}", a.getSite)
	r.Private("PATCH /api/v1/sites/{id}", a.updateSite)

	r.Private("POST /api/v1/scans", a.startScan)
	r.Private("GET /api/v1/scans", a.listScans)
	r.Private("GET /api/v1/scans/{id}", a.getScan)
	r.Private("GET /api/v1/scans/{id}/report", a.getScanReport)
	r.Private("GET /api/v1/scans/{id}/diff", a.getScanDiff)

	r.Private("GET /api/v1/findings", a.listFindings)
	r.Private("POST /api/v1/findings/{id}/resolve", a.resolveFinding)

	r.Private("GET /api/v1/monitors", a.listMonitors)
	r.Private("GET /api/v1/monitors/{id}", a.getMonitor)
	r.Private("POST /api/v1/monitors", a.createMonitor)
	r.Private("PATCH /api/v1/monitors/{id}", a.updateSite)
	r.Private("DELETE /api/v1/monitors/{id}", a.deleteMonitor)
	r.Private("POST /api/v1/monitors/{id}/check", a.checkMonitor)
	r.Private("GET /api/v1/monitors/{id}/chart.svg", a.monitorChart)
	r.Private("GET /api/v1/alerts", a.listAlerts)
	r.Private("GET /api/v1/maintenance", a.listWindows)
	r.Private("POST /api/v1/maintenance", a.addWindow)
	r.Private("DELETE /api/v1/maintenance/{id}", a.deleteWindow)
	r.Private("GET /api/v1/notify-targets", a.listTargets)
	r.Private("POST /api/v1/notify-targets", a.addTarget)
	r.Private("DELETE /api/v1/notify-targets/{id}", a.deleteTarget)

	r.Private("GET /api/v1/labels", a.listLabels)
	r.Private("POST /api/v1/labels", a.grantLabel)
	r.Private("GET /api/v1/labels/{id}", a.getLabel)
	r.Private("POST /api/v1/labels/{id}/suspend", a.labelState(trust.Suspended))
	r.Private("POST /api/v1/labels/{id}/revoke", a.labelState(trust.Revoked))
	r.Private("POST /api/v1/labels/{id}/restore", a.restoreLabel)
	r.Private("GET /api/v1/label-policies", a.listPolicies)
	r.Private("PATCH /api/v1/label-policies/{id}", a.updatePolicy)
}

// run writes v as JSON, or the error.
func run[T any](w http.ResponseWriter, r *http.Request, status int, f func(ctx context.Context) (T, error)) {
	v, err := f(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, status, v)
}

// siteList answers one page of a list that may be narrowed to one site:
// it reads the paging and the optional site_id (0: every site in scope).
func siteList[T any](w http.ResponseWriter, r *http.Request, fetch func(ctx context.Context, actor access.Actor, p registry.Page, site int64) ([]T, int, error)) {
	p, err := page(r)
	var site *int64
	if err == nil {
		site, err = optionalID(r, "site_id")
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var siteID int64
	if site != nil {
		siteID = *site
	}
	items, total, err := fetch(r.Context(), httpx.Actor(r.Context()), p, siteID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, list[T]{Items: items, Total: total, Limit: p.Limit, Offset: p.Offset})
}

func (a *API) listSites(w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	q := r.URL.Query()
	sys, err := optionalID(r, "system_id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	f := sitescan.SiteFilter{Query: q.Get("q"), Grade: q.Get("grade"), State: q.Get("state"), Inactive: q.Get("inactive") == "true", Limit: p.Limit, Offset: p.Offset}
	if sys != nil {
		f.SystemID = *sys
	}
	items, total, err := a.Sites.Sites(r.Context(), httpx.Actor(r.Context()), f)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if items == nil {
		items = []sitescan.Site{}
	}
	httpx.WriteJSON(w, http.StatusOK, list[sitescan.Site]{Items: items, Total: total, Limit: p.Limit, Offset: p.Offset})
}

func (a *API) getSite(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (sitescan.Site, error) {
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return sitescan.Site{}, err
		}
		return a.Sites.Site(ctx, httpx.Actor(ctx), id)
	})
}

func (a *API) updateSite(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var in sitescan.SiteSettings
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	run(w, r, http.StatusOK, func(ctx context.Context) (sitescan.Site, error) {
		return a.Sites.UpdateSettings(ctx, httpx.Actor(ctx), id, in)
	})
}

// scanRequest starts a scan of a registered site, named by id or URL.
type scanRequest struct {
	SiteID int64  `json:"site_id"`
	URL    string `json:"url"`
}

func (a *API) startScan(w http.ResponseWriter, r *http.Request) {
	var in scanRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	ctx := r.Context()
	actor := httpx.Actor(ctx)
	var scan sitescan.Scan
	var created bool
	var err error
	switch {
	case in.SiteID != 0:
		scan, created, err = a.Sites.RequestScan(ctx, actor, in.SiteID)
	case in.URL != "":
		scan, created, err = a.Sites.RequestURL(ctx, actor, in.URL)
	default:
		err = httpx.BadRequest("give site_id, or url (a registered site's URL, or any URL for an ad-hoc scan)")
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if created && a.EnqueueScan != nil {
		if err := a.EnqueueScan(ctx, scan.ID); err != nil {
			httpx.WriteError(w, r, err)
			return
		}
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/scans/%d", scan.ID))
	httpx.WriteJSON(w, http.StatusAccepted, scan)
}

func (a *API) listScans(w http.ResponseWriter, r *http.Request) {
	siteList(w, r, func(ctx context.Context, actor access.Actor, p registry.Page, site int64) ([]sitescan.Scan, int, error) {
		return a.Sites.Scans(ctx, actor, sitescan.ScanFilter{SiteID: site, Status: r.URL.Query().Get("status"), Limit: p.Limit, Offset: p.Offset})
	})
}

func (a *API) getScan(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (sitescan.Scan, error) {
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return sitescan.Scan{}, err
		}
		return a.Sites.Scan(ctx, httpx.Actor(ctx), id)
	})
}

// getScanReport answers the stored report byte for byte: the same JSON
// object `khien scan --json` prints.
func (a *API) getScanReport(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	c, err := a.Sites.Scan(r.Context(), httpx.Actor(r.Context()), id)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if c.Report == nil {
		httpx.WriteError(w, r, fmt.Errorf("scan %d has no report (status %s): %w", id, c.Status, store.ErrNotFound))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(c.Report, '\n'))
}

func (a *API) getScanDiff(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (sitescan.Diff, error) {
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return sitescan.Diff{}, err
		}
		return a.Sites.Diff(ctx, httpx.Actor(ctx), id)
	})
}

func (a *API) listFindings(w http.ResponseWriter, r *http.Request) {
	siteList(w, r, func(ctx context.Context, actor access.Actor, p registry.Page, site int64) ([]sitescan.Finding, int, error) {
		return a.Sites.Findings(ctx, actor, sitescan.FindingFilter{SiteID: site, Status: r.URL.Query().Get("status"), Limit: p.Limit, Offset: p.Offset})
	})
}

func (a *API) resolveFinding(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err == nil {
		err = a.Sites.ResolveFinding(r.Context(), httpx.Actor(r.Context()), id)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
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

func (a *API) listAlerts(w http.ResponseWriter, r *http.Request) {
	siteList(w, r, func(ctx context.Context, actor access.Actor, p registry.Page, site int64) ([]monitor.Alert, int, error) {
		return a.Monitor.Alerts(ctx, actor, monitor.AlertFilter{SiteID: site, Kind: r.URL.Query().Get("kind"), Limit: p.Limit, Offset: p.Offset})
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

func (a *API) listLabels(w http.ResponseWriter, r *http.Request) {
	siteList(w, r, func(ctx context.Context, actor access.Actor, p registry.Page, site int64) ([]trust.Label, int, error) {
		return a.Trust.Labels(ctx, actor, trust.LabelFilter{SiteID: site, State: r.URL.Query().Get("state"), Limit: p.Limit, Offset: p.Offset})
	})
}

// grantInput names the site by id or URL.
type grantInput struct {
	trust.GrantInput
	URL string `json:"url"`
}

func (a *API) grantLabel(w http.ResponseWriter, r *http.Request) {
	var in grantInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	run(w, r, http.StatusCreated, func(ctx context.Context) (trust.Label, error) {
		if !httpx.Actor(ctx).CanManageUsers() {
			return trust.Label{}, store.ErrForbidden
		}
		if in.SiteID == 0 && in.URL != "" {
			id, err := a.Sites.SiteIDByURL(ctx, httpx.Actor(ctx), in.URL)
			if err != nil {
				return trust.Label{}, err
			}
			in.SiteID = id
		}
		return a.Trust.Grant(ctx, httpx.Actor(ctx), in.GrantInput)
	})
}

func (a *API) getLabel(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (trust.Label, error) {
		return a.Trust.Label(ctx, httpx.Actor(ctx), r.PathValue("id"))
	})
}

type reasonInput struct {
	Reason string `json:"reason"`
}

func (a *API) labelState(state string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in reasonInput
		if err := httpx.DecodeJSON(w, r, &in); err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		run(w, r, http.StatusOK, func(ctx context.Context) (trust.Label, error) {
			return a.Trust.SetState(ctx, httpx.Actor(ctx), r.PathValue("id"), state, in.Reason)
		})
	}
}

// restoreInput restores a label; the owner information may be updated.
type restoreInput struct {
	PrivacyURL *string `json:"privacy_url"`
	Contact    *string `json:"contact"`
}

func (a *API) restoreLabel(w http.ResponseWriter, r *http.Request) {
	var in restoreInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	run(w, r, http.StatusOK, func(ctx context.Context) (trust.Label, error) {
		actor := httpx.Actor(ctx)
		if !actor.CanManageUsers() {
			return trust.Label{}, store.ErrForbidden
		}
		l, err := a.Trust.Label(ctx, actor, r.PathValue("id"))
		if err != nil {
			return l, err
		}
		g := trust.GrantInput{SiteID: l.SiteID, PolicyID: l.PolicyID, PrivacyURL: l.PrivacyURL, Contact: l.Contact}
		if in.PrivacyURL != nil {
			g.PrivacyURL = *in.PrivacyURL
		}
		if in.Contact != nil {
			g.Contact = *in.Contact
		}
		return a.Trust.Grant(ctx, actor, g)
	})
}

func (a *API) listPolicies(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (list[trust.Policy], error) {
		items, err := a.Trust.Policies(ctx, httpx.Actor(ctx))
		return list[trust.Policy]{Items: items, Total: len(items), Limit: len(items)}, err
	})
}

func (a *API) updatePolicy(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var in trust.PolicyInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	run(w, r, http.StatusOK, func(ctx context.Context) (trust.Policy, error) {
		return a.Trust.UpdatePolicy(ctx, httpx.Actor(ctx), id, in)
	})
}
