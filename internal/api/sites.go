package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/store"
)

// registerSites adds the web-assessment routes: sites, scans and findings.
func (a *API) registerSites(r Router) {
	r.Private("GET /api/v1/sites", a.listSites)
	r.Private("GET /api/v1/sites/{id}", a.getSite)
	r.Private("PATCH /api/v1/sites/{id}", a.updateSite)
	r.Private("POST /api/v1/sites/{id}/verify", a.siteAction(a.Sites.VerifyNow))
	r.Private("POST /api/v1/sites/{id}/approve", a.siteAction(a.Sites.Approve))
	r.Private("POST /api/v1/sites/{id}/reject", a.siteAction(a.Sites.Reject))
	r.Private("GET /api/v1/sites/{id}/grades", a.siteGrades)

	r.Private("POST /api/v1/scans", a.startScan)
	r.Private("GET /api/v1/scans", a.listScans)
	r.Private("GET /api/v1/scans/{id}", a.getScan)
	r.Private("GET /api/v1/scans/{id}/report", a.getScanReport)
	r.Private("GET /api/v1/scans/{id}/diff", a.getScanDiff)

	r.Private("GET /api/v1/findings", a.listFindings)
	r.Private("POST /api/v1/findings/{id}/resolve", a.resolveFinding)
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
	f := sitescan.SiteFilter{Query: q.Get("q"), Grade: q.Get("grade"), State: q.Get("state"), Verification: q.Get("verification"),
		Inactive: q.Get("inactive") == "true", Archived: q.Get("archived"), Limit: p.Limit, Offset: p.Offset}
	switch f.Verification {
	case "", sitescan.Approved, sitescan.Verified, sitescan.Pending, sitescan.Rejected:
	default:
		httpx.WriteError(w, r, fmt.Errorf("%w: verification must be approved, verified, pending or rejected", store.ErrInvalid))
		return
	}
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

// siteAction answers POST /api/v1/sites/{id}/<action> with the site after
// do (verify now, approve, reject).
func (a *API) siteAction(do func(context.Context, access.Actor, int64) (sitescan.Site, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		run(w, r, http.StatusOK, func(ctx context.Context) (sitescan.Site, error) {
			id, err := httpx.ParseID(r, "id")
			if err != nil {
				return sitescan.Site{}, err
			}
			return do(ctx, httpx.Actor(ctx), id)
		})
	}
}

// siteGrades answers GET /api/v1/sites/{id}/grades?days=N: the grade and
// score of each finished assessment of the last N days (default 90, at
// most 366), oldest first.
func (a *API) siteGrades(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (items[sitescan.GradePoint], error) {
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return items[sitescan.GradePoint]{}, err
		}
		days, err := dayCount(r)
		if err != nil {
			return items[sitescan.GradePoint]{}, err
		}
		pts, err := a.Sites.GradeHistory(ctx, httpx.Actor(ctx), id, time.Now().AddDate(0, 0, -days))
		return items[sitescan.GradePoint]{Items: nonNil(pts)}, err
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
	// A new scan's job is queued with its row (sitescan's outbox).
	var scan sitescan.Scan
	var err error
	switch {
	case in.SiteID != 0:
		scan, _, err = a.Sites.RequestScan(ctx, actor, in.SiteID)
	case in.URL != "":
		scan, _, err = a.Sites.RequestURL(ctx, actor, in.URL)
	default:
		err = httpx.BadRequest("give site_id, or url (a registered site's URL, or any URL for an ad-hoc scan)")
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/scans/%d", scan.ID))
	httpx.WriteJSON(w, http.StatusAccepted, scan)
}

func (a *API) listScans(w http.ResponseWriter, r *http.Request) {
	siteList(w, r, func(ctx context.Context, actor access.Actor, p registry.Page, site int64) ([]sitescan.Scan, int, error) {
		q := r.URL.Query()
		f := sitescan.ScanFilter{SiteID: site, Status: q.Get("status"), Grade: q.Get("grade"), Query: q.Get("q"), Sort: q.Get("sort"), Limit: p.Limit, Offset: p.Offset}
		var err error
		if f.AgencyPath, f.From, f.To, err = a.listBounds(ctx, r); err != nil {
			return nil, 0, err
		}
		return a.Sites.Scans(ctx, actor, f)
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
		q := r.URL.Query()
		f := sitescan.FindingFilter{SiteID: site, Status: q.Get("status"), Severity: q.Get("severity"), Query: q.Get("q"), Kind: q.Get("kind"), Sort: q.Get("sort"), Limit: p.Limit, Offset: p.Offset}
		var err error
		if f.AgencyPath, f.From, f.To, err = a.listBounds(ctx, r); err != nil {
			return nil, 0, err
		}
		return a.Sites.Findings(ctx, actor, f)
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
