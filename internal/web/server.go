// Package web is Khiên's HTTP server: middleware (security headers,
// metrics, authentication, CSRF), health and metrics endpoints, the
// server-rendered UI and the mounting of the JSON API.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/khien-project/khien/internal/api"
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

// Deps are what the server needs.
type Deps struct {
	DB       *store.DB
	Registry *registry.Registry
	Auth     *auth.Service
	Audit    *audit.Log
	// Ready reports whether the bus is reachable (nil: no bus check).
	BusReady func() error
	// Metrics is the registry served at /metrics.
	Metrics *prometheus.Registry
	// TLS says the server is reached over HTTPS: Secure cookies and HSTS.
	TLS     bool
	Version string
	// Web assessment, trust labels and monitoring.
	Sites   *sitescan.Service
	Trust   *trust.Service
	Monitor *monitor.Service
	Notify  *notify.Service
	// Levels: regimes, level proposals and protection layers.
	Levels *levels.Service
	// Ingest: log receivers (POST /api/v1/ingest, /api/v1/ingest/es/…)
	// and ingest tokens; nil: none.
	Ingest *ingest.Service
	// Alert: Sigma detections, rules and packs.
	Alert *alert.Service
	// Vuln: advisory feeds and vulnerability findings.
	Vuln *vuln.Service
	// Logs: stored log events, their search and storage (issue 11).
	Logs *logstore.Service
	// PublicRate is how many requests per minute one address may make to
	// the public trust-label pages (default 60).
	PublicRate int
	// LogRequests writes one info line per request (the request log).
	LogRequests bool
	// Log receives the request log (default: slog.Default()).
	Log *slog.Logger
}

// Server is the HTTP handler with its route table.
type Server struct {
	deps     Deps
	mux      *http.ServeMux
	handler  http.Handler
	routes   []string
	pages    *pages
	httpReqs *prometheus.CounterVec
	httpDur  *prometheus.HistogramVec
	draining atomic.Bool
}

// New builds the server and registers every route.
func New(d Deps) (*Server, error) {
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Server{deps: d, mux: http.NewServeMux(), pages: p}
	s.httpReqs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "khien_http_requests_total", Help: "HTTP requests by route and status code."}, []string{"route", "code"})
	s.httpDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "khien_http_request_duration_seconds", Help: "HTTP request latency by route.", Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"route"})
	if d.Metrics != nil {
		d.Metrics.MustRegister(s.httpReqs, s.httpDur)
	}
	s.Public("GET /healthz", s.healthz)
	s.Public("GET /readyz", s.readyz)
	if d.Metrics != nil {
		h := promhttp.HandlerFor(d.Metrics, promhttp.HandlerOpts{})
		s.Public("GET /metrics", h.ServeHTTP)
	}
	(&api.API{Registry: d.Registry, Auth: d.Auth, Audit: d.Audit, Sites: d.Sites, Trust: d.Trust, Monitor: d.Monitor, Notify: d.Notify, Levels: d.Levels, Alert: d.Alert, Vuln: d.Vuln, Ingest: d.Ingest, Logs: d.Logs}).Register(apiRouter{s})
	s.registerIngest()
	s.registerPublic()
	s.registerUI()
	s.registerVulnUI()
	s.mux.HandleFunc("/", s.notFound)
	s.handler = s.middleware(s.mux)
	return s, nil
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Routes lists every registered pattern ("METHOD /path"), sorted.
func (s *Server) Routes() []string {
	out := append([]string{}, s.routes...)
	sort.Strings(out)
	return out
}

type routeKey struct{}

// handle registers h for pattern, labelling its metrics with the pattern.
func (s *Server) handle(pattern string, h http.Handler) {
	s.routes = append(s.routes, pattern)
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := r.Context().Value(routeKey{}).(*string); ok {
			*p = pattern
		}
		h.ServeHTTP(w, r)
	}))
}

// Public registers a route open to anyone.
func (s *Server) Public(pattern string, h http.HandlerFunc) { s.handle(pattern, h) }

// apiRouter registers API routes: private ones answer 401 JSON to
// anonymous callers.
type apiRouter struct{ s *Server }

func (a apiRouter) Public(pattern string, h http.HandlerFunc) { a.s.handle(pattern, h) }
func (a apiRouter) Private(pattern string, h http.HandlerFunc) {
	a.s.handle(pattern, requireAPIActor(h))
}

// page registers a UI route that needs a logged-in user.
func (s *Server) page(pattern string, h http.HandlerFunc) {
	s.handle(pattern, s.requireLogin(h))
}

// ingestESPrefix is where the Elasticsearch-compatible API is mounted on
// the main address (Beats: output.elasticsearch.path).
const ingestESPrefix = "/api/v1/ingest/es"

// registerIngest mounts the log receivers' HTTP endpoints. They
// authenticate with ingest tokens themselves (ownAuth), never with a
// user's session or API token.
func (s *Server) registerIngest() {
	if s.deps.Ingest == nil {
		return
	}
	s.handle("POST /api/v1/ingest", http.HandlerFunc(s.deps.Ingest.ServeIngest))
	s.handle(ingestESPrefix+"/", http.StripPrefix(ingestESPrefix, s.deps.Ingest.Elastic()))
}

// ownAuth says a path is served by a receiver that checks its own
// (ingest token) credentials.
func ownAuth(path string) bool {
	return path == "/api/v1/ingest" || strings.HasPrefix(path, ingestESPrefix+"/")
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// Drain makes /readyz answer 503 from now on, so that a load balancer
// stops sending requests before the listener closes (on SIGTERM).
func (s *Server) Drain() { s.draining.Store(true) }

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2e9)
	defer cancel()
	// Unauthenticated: name the failing dependency, never its address,
	// user or error (those go to the log).
	var problems []string
	if s.draining.Load() {
		problems = append(problems, "draining: this process is shutting down")
	}
	if err := s.deps.DB.Ping(ctx); err != nil {
		slog.Warn("readiness: database", "err", err)
		problems = append(problems, "database: unavailable")
	}
	if s.deps.BusReady != nil {
		if err := s.deps.BusReady(); err != nil {
			// The bus's own readiness errors name a state or a stream,
			// never an address or a credential.
			slog.Warn("readiness: bus", "err", err)
			problems = append(problems, "bus: unavailable ("+strings.TrimPrefix(err.Error(), "bus: ")+")")
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if len(problems) > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(httpx.RetryAfterOutage))
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(strings.Join(problems, "\n") + "\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}
