package api

import (
	"context"
	"net/http"

	"github.com/khien-project/khien/internal/feature/vuln"
	"github.com/khien-project/khien/internal/platform/httpx"
)

// registerVulnAdvisories adds the advisory routes.
func (a *API) registerVulnAdvisories(r Router) {
	r.Private("GET /api/v1/vuln/advisories", a.listAdvisories)
	r.Private("POST /api/v1/vuln/advisories", a.createAdvisory)
	r.Private("GET /api/v1/vuln/advisories/{id}", a.getAdvisory)
	r.Private("POST /api/v1/vuln/advisories/{id}/agencies/{agency}", a.setAdvisoryProgress)
	r.Private("GET /api/v1/vuln/advisories/{id}/agencies/{agency}/notice", a.advisoryNotice)
}

// advisoryNotice is the advisory addressed to one agency it reached, with
// the agency's affected systems (the printable notice's content).
func (a *API) advisoryNotice(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (vuln.AgencyNotice, error) {
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return vuln.AgencyNotice{}, err
		}
		agency, err := httpx.ParseID(r, "agency")
		if err != nil {
			return vuln.AgencyNotice{}, err
		}
		return a.Vuln.AgencyNotice(ctx, httpx.Actor(ctx), id, agency)
	})
}

func (a *API) listAdvisories(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (map[string][]vuln.Advisory, error) {
		list, err := a.Vuln.Advisories(ctx, httpx.Actor(ctx))
		return map[string][]vuln.Advisory{"items": list}, err
	})
}

func (a *API) createAdvisory(w http.ResponseWriter, r *http.Request) {
	var in vuln.AdvisoryInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	run(w, r, http.StatusCreated, func(ctx context.Context) (vuln.Advisory, error) {
		return a.Vuln.CreateAdvisory(ctx, httpx.Actor(ctx), in)
	})
}

func (a *API) getAdvisory(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (vuln.Advisory, error) {
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return vuln.Advisory{}, err
		}
		return a.Vuln.Advisory(ctx, httpx.Actor(ctx), id)
	})
}

func (a *API) setAdvisoryProgress(w http.ResponseWriter, r *http.Request) {
	var in vuln.ProgressInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	run(w, r, http.StatusOK, func(ctx context.Context) (vuln.AgencyProgress, error) {
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return vuln.AgencyProgress{}, err
		}
		agency, err := httpx.ParseID(r, "agency")
		if err != nil {
			return vuln.AgencyProgress{}, err
		}
		return a.Vuln.SetProgress(ctx, httpx.Actor(ctx), id, agency, in)
	})
}
