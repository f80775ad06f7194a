package api

import (
	"context"
	"net/http"

	"github.com/khien-project/khien/internal/feature/levels"
	"github.com/khien-project/khien/internal/platform/httpx"
)

// The risk register (issue 12 item 6): risks per system, their scales and
// the heat map's counts.

func (a *API) registerRisks(r Router) {
	r.Private("GET /api/v1/risk-scales", a.riskScales)
	r.Private("POST /api/v1/systems/{id}/risks", a.createRisk)
	r.Private("GET /api/v1/risks", a.listRisks)
	r.Private("GET /api/v1/risks/heatmap", a.riskHeatMap)
	r.Private("GET /api/v1/risks/{id}", a.getRisk)
	r.Private("PUT /api/v1/risks/{id}", a.updateRisk)
}

func (a *API) riskScales(w http.ResponseWriter, r *http.Request) {
	withLevels(w, r, http.StatusOK, a, func(ctx context.Context, svc *levels.Service, _ int64) (levels.RiskScales, error) {
		return svc.Scales(), nil
	})
}

func (a *API) createRisk(w http.ResponseWriter, r *http.Request) {
	withLevels(w, r, http.StatusCreated, a, func(ctx context.Context, svc *levels.Service, id int64) (levels.Risk, error) {
		var in levels.RiskInput
		if err := httpx.DecodeJSON(w, r, &in); err != nil {
			return levels.Risk{}, err
		}
		return svc.CreateRisk(ctx, httpx.Actor(ctx), id, in)
	})
}

func (a *API) getRisk(w http.ResponseWriter, r *http.Request) {
	withLevels(w, r, http.StatusOK, a, func(ctx context.Context, svc *levels.Service, id int64) (levels.Risk, error) {
		return svc.Risk(ctx, httpx.Actor(ctx), id)
	})
}

func (a *API) updateRisk(w http.ResponseWriter, r *http.Request) {
	withLevels(w, r, http.StatusOK, a, func(ctx context.Context, svc *levels.Service, id int64) (levels.Risk, error) {
		var in levels.RiskInput
		if err := httpx.DecodeJSON(w, r, &in); err != nil {
			return levels.Risk{}, err
		}
		return svc.UpdateRisk(ctx, httpx.Actor(ctx), id, in)
	})
}

// riskFilter reads ?system_id=, ?agency_id= and ?status=.
func riskFilter(r *http.Request) (levels.RiskFilter, error) {
	f := levels.RiskFilter{Status: r.URL.Query().Get("status")}
	sys, err := optionalID(r, "system_id")
	if err != nil {
		return f, err
	}
	if sys != nil {
		f.SystemID = *sys
	}
	f.AgencyID, err = agencyFilter(r)
	return f, err
}

func (a *API) listRisks(w http.ResponseWriter, r *http.Request) {
	if csv, err := wantsCSV(r); err != nil || csv {
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		listCSV(w, r, a, "risks", func(ctx context.Context, svc *levels.Service) (csvTable, error) {
			f, err := riskFilter(r)
			if err != nil {
				return nil, err
			}
			out, err := svc.Risks(ctx, httpx.Actor(ctx), f)
			return levels.RiskRegister(out), err
		})
		return
	}
	withLevels(w, r, http.StatusOK, a, func(ctx context.Context, svc *levels.Service, _ int64) (items[levels.Risk], error) {
		f, err := riskFilter(r)
		if err != nil {
			return items[levels.Risk]{}, err
		}
		out, err := svc.Risks(ctx, httpx.Actor(ctx), f)
		return items[levels.Risk]{Items: out}, err
	})
}

func (a *API) riskHeatMap(w http.ResponseWriter, r *http.Request) {
	withLevels(w, r, http.StatusOK, a, func(ctx context.Context, svc *levels.Service, _ int64) (levels.HeatMap, error) {
		f, err := riskFilter(r)
		if err != nil {
			return levels.HeatMap{}, err
		}
		return svc.RiskHeatMap(ctx, httpx.Actor(ctx), f)
	})
}
