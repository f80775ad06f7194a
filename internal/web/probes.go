package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/khien-project/khien/internal/platform/store"
)

// Probes is the health and metrics listener of a process without the web
// UI (khien worker): GET /healthz, GET /readyz (the same check as serve's:
// the database and the bus) and GET /metrics from reg.
func Probes(db *store.DB, busReady func() error, reg *prometheus.Registry) http.Handler {
	s := &Server{deps: Deps{DB: db, BusReady: busReady}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}
