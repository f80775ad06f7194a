package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/khien-project/khien/internal/feature/levels"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/store"
)

// Security by level (issue 12): the regimes, level proposals and the four
// protection layers of a system. The levels service applies agency scope
// and roles: other agencies' systems are 404, read-only roles 403.

func (a *API) registerLevels(r Router) {
	r.Private("GET /api/v1/regimes", a.listRegimes)
	r.Private("GET /api/v1/regimes/{id}", a.getRegime)
	r.Private("POST /api/v1/systems/{id}/level-proposal", a.proposeLevel)
	r.Private("GET /api/v1/systems/{id}/level", a.getLevel)
	r.Private("GET /api/v1/systems/{id}/layers", a.listLayers)
	r.Private("PUT /api/v1/systems/{id}/layers/{layer}", a.setLayer)
	a.registerDossiers(r)
	a.registerAssessments(r)
	a.registerRisks(r)
	a.registerReports(r)
}

// levelService is the levels service, or an error while it is not wired.
func (a *API) levelService() (*levels.Service, error) {
	if a.Levels == nil {
		return nil, fmt.Errorf("api: the levels service is not configured: %w", store.ErrUnavailable)
	}
	return a.Levels, nil
}

// items is the shape of a list answer that is not paged.
type items[T any] struct {
	Items []T `json:"items"`
}

func (a *API) listRegimes(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (items[levels.RegimeSummary], error) {
		svc, err := a.levelService()
		if err != nil {
			return items[levels.RegimeSummary]{}, err
		}
		out, err := svc.Regimes(ctx, httpx.Actor(ctx))
		return items[levels.RegimeSummary]{Items: out}, err
	})
}

func (a *API) getRegime(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (*levels.Regime, error) {
		svc, err := a.levelService()
		if err != nil {
			return nil, err
		}
		return svc.Regime(ctx, httpx.Actor(ctx), r.PathValue("id"))
	})
}

func (a *API) proposeLevel(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (levels.Proposal, error) {
		svc, err := a.levelService()
		if err != nil {
			return levels.Proposal{}, err
		}
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return levels.Proposal{}, err
		}
		var in levels.Input
		if err := httpx.DecodeJSON(w, r, &in); err != nil {
			return levels.Proposal{}, err
		}
		return svc.Propose(ctx, httpx.Actor(ctx), id, in)
	})
}

func (a *API) getLevel(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (levels.SystemLevel, error) {
		svc, err := a.levelService()
		if err != nil {
			return levels.SystemLevel{}, err
		}
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return levels.SystemLevel{}, err
		}
		return svc.Level(ctx, httpx.Actor(ctx), id)
	})
}

func (a *API) listLayers(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (items[levels.Layer], error) {
		svc, err := a.levelService()
		if err != nil {
			return items[levels.Layer]{}, err
		}
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return items[levels.Layer]{}, err
		}
		out, err := svc.Layers(ctx, httpx.Actor(ctx), id)
		return items[levels.Layer]{Items: out}, err
	})
}

func (a *API) setLayer(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (levels.Layer, error) {
		svc, err := a.levelService()
		if err != nil {
			return levels.Layer{}, err
		}
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return levels.Layer{}, err
		}
		n, err := strconv.Atoi(r.PathValue("layer"))
		if err != nil || n < 1 || n > 4 {
			return levels.Layer{}, fmt.Errorf("%w: layer %q (1 to 4)", store.ErrNotFound, r.PathValue("layer"))
		}
		var in levels.LayerDetails
		if err := httpx.DecodeJSON(w, r, &in); err != nil {
			return levels.Layer{}, err
		}
		return svc.SetLayer(ctx, httpx.Actor(ctx), id, n, in)
	})
}
