package api

import (
	"context"
	"net/http"

	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/feature/trust"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/store"
)

// registerLabels adds the trust-label routes: labels and label policies.
func (a *API) registerLabels(r Router) {
	r.Private("GET /api/v1/labels", a.listLabels)
	r.Private("POST /api/v1/labels", a.grantLabel)
	r.Private("GET /api/v1/labels/{id}", a.getLabel)
	r.Private("POST /api/v1/labels/{id}/suspend", a.labelState(trust.Suspended))
	r.Private("POST /api/v1/labels/{id}/revoke", a.labelState(trust.Revoked))
	r.Private("POST /api/v1/labels/{id}/restore", a.restoreLabel)
	r.Private("GET /api/v1/label-policies", a.listPolicies)
	r.Private("PATCH /api/v1/label-policies/{id}", a.updatePolicy)
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
		if !httpx.Actor(ctx).CanGrantLabels() { // before the URL lookup: 403, not 404
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
		if !actor.CanGrantLabels() {
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
