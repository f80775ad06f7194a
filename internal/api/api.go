// Package api is Khiên's JSON API under /api/v1. Handlers decode and
// validate requests, call the feature services with the request's actor
// (which apply agency scope themselves) and encode the answers; errors
// become {"error": {"code", "message"}} through httpx.
package api

import (
	_ "embed"
	"net/http"

	"github.com/khien-project/khien/internal/feature/alert"
	"github.com/khien-project/khien/internal/feature/auth"
	"github.com/khien-project/khien/internal/feature/ingest"
	"github.com/khien-project/khien/internal/feature/levels"
	"github.com/khien-project/khien/internal/feature/logstore"
	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/feature/trust"
	"github.com/khien-project/khien/internal/feature/vuln"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/notify"
	"github.com/khien-project/khien/internal/platform/store"
)

// Router is where routes are registered; Public routes need no login.
type Router interface {
	Public(pattern string, h http.HandlerFunc)
	Private(pattern string, h http.HandlerFunc)
}

// API holds the services the handlers use.
type API struct {
	Registry *registry.Registry
	Auth     *auth.Service
	Audit    *audit.Log
	Sites    *sitescan.Service
	Trust    *trust.Service
	Monitor  *monitor.Service
	Notify   *notify.Service
	Levels   *levels.Service
	Ingest   *ingest.Service
	Alert    *alert.Service
	Vuln     *vuln.Service
	Logs     *logstore.Service
}

//go:embed openapi.json
var openAPI []byte

// OpenAPI is the OpenAPI 3 document served at /api/v1/openapi.json.
func OpenAPI() []byte { return openAPI }

// Register adds every API route to r.
func (a *API) Register(r Router) {
	r.Public("GET /api/v1/openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openAPI)
	})
	r.Private("GET /api/v1/me", a.me)
	a.registerLogs(r)
	r.Private("POST /api/v1/me/password", a.changePassword)

	r.Private("GET /api/v1/agencies", a.listAgencies)
	r.Private("POST /api/v1/agencies", a.createAgency)
	r.Private("GET /api/v1/agencies/{id}", a.getAgency)
	r.Private("PATCH /api/v1/agencies/{id}", a.updateAgency)
	r.Private("DELETE /api/v1/agencies/{id}", a.deleteAgency)

	r.Private("GET /api/v1/systems", a.listSystems)
	r.Private("POST /api/v1/systems", a.createSystem)
	r.Private("GET /api/v1/systems/{id}", a.getSystem)
	r.Private("PATCH /api/v1/systems/{id}", a.updateSystem)
	r.Private("DELETE /api/v1/systems/{id}", a.deleteSystem)
	r.Private("POST /api/v1/systems/{id}/restore", a.restoreSystem)
	r.Private("POST /api/v1/systems/{id}/purge", a.purgeSystem)

	r.Private("POST /api/v1/import/{kind}", a.importCSV)
	r.Private("GET /api/v1/export/{kind}", a.exportCSV)

	r.Private("GET /api/v1/users", a.listUsers)
	r.Private("POST /api/v1/users", a.createUser)
	r.Private("GET /api/v1/users/{id}", a.getUser)
	r.Private("PATCH /api/v1/users/{id}", a.updateUser)
	r.Private("DELETE /api/v1/users/{id}", a.deleteUser)

	r.Private("GET /api/v1/tokens", a.listTokens)
	r.Private("POST /api/v1/tokens", a.createToken)
	r.Private("DELETE /api/v1/tokens/{id}", a.revokeToken)

	r.Private("GET /api/v1/audit", a.listAudit)
	r.Private("GET /api/v1/audit/verify", a.verifyAudit)

	a.registerSites(r)
	a.registerMonitoring(r)
	a.registerLabels(r)
	a.registerLevels(r)
	a.registerIngest(r)
	a.registerDetections(r)
	a.registerVuln(r)
}

func (a *API) me(w http.ResponseWriter, r *http.Request) {
	actor := httpx.Actor(r.Context())
	if actor.UserID == 0 {
		httpx.WriteError(w, r, store.ErrNotFound)
		return
	}
	u, err := a.Auth.User(r.Context(), actor, actor.UserID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, u)
}
