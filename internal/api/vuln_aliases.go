package api

import (
	"context"
	"net/http"

	"github.com/khien-project/khien/internal/feature/vuln"
	"github.com/khien-project/khien/internal/platform/httpx"
)

// registerVulnAliases adds the alias table and priority rule routes.
func (a *API) registerVulnAliases(r Router) {
	r.Private("GET /api/v1/vuln/aliases", a.listAliases)
	r.Private("POST /api/v1/vuln/aliases", a.addAlias)
	r.Private("DELETE /api/v1/vuln/aliases", a.removeAlias)
	r.Private("GET /api/v1/vuln/rules", a.getVulnRules)
	r.Private("PUT /api/v1/vuln/rules", a.setVulnRules)
}

func (a *API) listAliases(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (map[string][]vuln.Alias, error) {
		list, err := a.Vuln.Aliases(ctx, httpx.Actor(ctx))
		return map[string][]vuln.Alias{"items": list}, err
	})
}

func (a *API) addAlias(w http.ResponseWriter, r *http.Request) {
	var in vuln.Alias
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	run(w, r, http.StatusCreated, func(ctx context.Context) (vuln.AliasChange, error) {
		return a.Vuln.AddAlias(ctx, httpx.Actor(ctx), in)
	})
}

// removeAlias removes the line ?name=&cpe=.
func (a *API) removeAlias(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	run(w, r, http.StatusOK, func(ctx context.Context) (vuln.AliasChange, error) {
		return a.Vuln.RemoveAlias(ctx, httpx.Actor(ctx), vuln.Alias{Name: q.Get("name"), CPE: q.Get("cpe")})
	})
}

func (a *API) getVulnRules(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (vuln.Rules, error) {
		return a.Vuln.PriorityRules(ctx, httpx.Actor(ctx))
	})
}

// rulesChange is the answer to a rule change.
type rulesChange struct {
	Rules   vuln.Rules        `json:"rules"`
	Matched vuln.MatchSummary `json:"matched"`
}

func (a *API) setVulnRules(w http.ResponseWriter, r *http.Request) {
	var in vuln.Rules
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	run(w, r, http.StatusOK, func(ctx context.Context) (rulesChange, error) {
		rules, sum, err := a.Vuln.SetPriorityRules(ctx, httpx.Actor(ctx), in)
		return rulesChange{Rules: rules, Matched: sum}, err
	})
}
