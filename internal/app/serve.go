package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/khien-project/khien/internal/app/demo"
	"github.com/khien-project/khien/internal/app/jobs"
	"github.com/khien-project/khien/internal/feature/ingest"
	"github.com/khien-project/khien/internal/platform/bus"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/web"
)

// ServeConfig is what khien serve needs.
type ServeConfig struct {
	Addr            string
	DataDir         string
	DB              string
	NATS            string
	TLSCert, TLSKey string
	Demo            bool
	AdminPassword   string
	ShutdownTimeout time.Duration
	// Drain is how long /readyz answers 503 after SIGTERM before the
	// listener closes, so that a load balancer stops sending requests.
	Drain    time.Duration
	Workers  int
	Platform PlatformConfig
	// Out receives the messages meant for the person who started Khiên
	// (where to log in, the first admin password), in LogFormat.
	Out       io.Writer
	LogFormat string
	// LogRequests writes the request log (one line per request).
	LogRequests bool
	// Ready, when set, receives the listening address once serving.
	Ready chan<- string
	// Ingest configures the log receivers; QueueBytes is the disk quota
	// of the log stream (logstream.Options.MaxBytes).
	Ingest     ingest.Config
	QueueBytes int64
}

// Serve runs the whole platform until ctx ends, then shuts down in order:
// stop accepting, finish in-flight requests and jobs, close bus and DB.
func Serve(ctx context.Context, cfg ServeConfig) error {
	tuneGC()
	release, err := LockData(cfg.DataDir)
	if err != nil {
		return err
	}
	defer release()
	svc, err := OpenPlatform(ctx, cfg.DB, cfg.Platform)
	if err != nil {
		return err
	}
	defer svc.DB.Close()
	defer svc.Logs.Close()
	if err := firstStart(ctx, svc, cfg); err != nil {
		return err
	}
	// An anchor at every start, and daily (the audit-anchor job).
	if err := PublishAnchor(ctx, svc.Audit, cfg.Platform.AnchorsFile); err != nil {
		return fmt.Errorf("export the audit anchor: %w", err)
	}
	b, err := bus.Open(ctx, bus.Options{URL: cfg.NATS, DataDir: cfg.DataDir, Name: "khien-serve", Replicas: cfg.Platform.NATSReplicas})
	if err != nil {
		return err
	}
	defer b.Close()
	svc.Events.SetQueue(b)
	// The log stream exists before any receiver publishes on it.
	if err := logstream.Setup(ctx, b.JetStream(), logstream.Options{MaxBytes: cfg.QueueBytes, Replicas: cfg.Platform.NATSReplicas}); err != nil {
		return err
	}
	receivers, err := svc.Ingest.Start(ctx, b.JetStream(), cfg.Ingest)
	if err != nil {
		return err
	}
	defer receivers.Stop()

	metrics := newMetrics(svc, b)
	srv, err := web.New(web.Deps{DB: svc.DB, Registry: svc.Registry, Auth: svc.Auth, Audit: svc.Audit, BusReady: func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return b.StreamsReady(ctx)
	}, Metrics: metrics, TLS: cfg.TLSCert != "", Version: Version, LogRequests: cfg.LogRequests,
		Sites: svc.Sites, Trust: svc.Trust, Monitor: svc.Monitor, Notify: svc.Notify, Levels: svc.Levels, Alert: svc.Alert, Vuln: svc.Vuln, Ingest: svc.Ingest, Logs: svc.Logs, PublicRate: cfg.Platform.PublicRate})
	if err != nil {
		return err
	}
	httpSrv := &http.Server{
		Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute, WriteTimeout: 5 * time.Minute,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		// TLS 1.2 and 1.3, and under 1.2 only forward-secret AEAD suites:
		// Khiên's own UI must pass Khiên's own scanner.
		httpSrv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}, CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}}
		ln = tls.NewListener(ln, httpSrv.TLSConfig)
		scheme = "https"
	}

	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); runDetection(workCtx, svc, b) }()
	go func() {
		defer wg.Done()
		if err := jobs.RunWorkers(workCtx, b, jobs.Kinds(svc.jobDeps(b)), cfg.Workers); err != nil {
			slog.Error("workers stopped", "err", err)
		}
	}()
	go func() { defer wg.Done(); jobs.RunSchedules(workCtx, b, jobs.Schedules()) }()
	wg.Add(1)
	go func() { defer wg.Done(); runLogStore(workCtx, svc, b) }()

	serveErr := make(chan error, 1)
	go func() { serveErr <- httpSrv.Serve(ln) }()
	url := fmt.Sprintf("%s://%s/", scheme, ln.Addr())
	slog.Info("khien serving", "url", url, "version", Version, "db", string(svc.DB.Engine), "bus", busName(cfg.NATS))
	NewBanner(cfg.Out, cfg.LogFormat).Say(fmt.Sprintf("Khiên is running: open %s and log in.", url), "open the web UI and log in", "url", url)
	if cfg.Ready != nil {
		cfg.Ready <- ln.Addr().String()
	}

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		stopWork()
		wg.Wait()
		return fmt.Errorf("http server: %w", err)
	}
	if cfg.Drain > 0 {
		srv.Drain()
		slog.Info("draining: readiness answers 503 before the listener closes", "for", cfg.Drain.String())
		time.Sleep(cfg.Drain)
	}
	slog.Info("shutting down: finishing in-flight requests and jobs")
	shutCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := httpSrv.Shutdown(shutCtx); err != nil {
		slog.Warn("http shutdown", "err", err)
	}
	stopWork()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-shutCtx.Done():
		slog.Warn("jobs still running at the shutdown deadline; they will be redelivered")
	}
	slog.Info("stopped cleanly")
	return nil
}

func busName(url string) string {
	if url == "" {
		return "embedded"
	}
	return url
}

// firstStart creates the first admin and, when asked, the demo province.
func firstStart(ctx context.Context, svc *Services, cfg ServeConfig) error {
	pw, err := svc.Auth.EnsureAdmin(ctx, cfg.AdminPassword)
	if err != nil {
		return err
	}
	banner := NewBanner(cfg.Out, cfg.LogFormat)
	if pw != "" {
		if cfg.AdminPassword == "" {
			banner.Say(fmt.Sprintf("First start: created user \"admin\" with password %s (shown once; change it after logging in).", pw),
				"first start: created the first admin (password shown once; change it after logging in)", "user", "admin", "password", pw)
		} else {
			banner.Say("First start: created user \"admin\" with the password in KHIEN_ADMIN_PASSWORD.",
				"first start: created the first admin with the password in KHIEN_ADMIN_PASSWORD", "user", "admin")
		}
	}
	if !cfg.Demo {
		return nil
	}
	res, err := fillDemo(ctx, svc)
	if errors.Is(err, demo.ErrNotEmpty) {
		banner.Say("Demo: the data folder already holds a province; leaving it as it is.", "demo: the data folder already holds a province; left as it is")
		return nil
	}
	if err != nil {
		return err
	}
	PrintDemo(banner, res)
	return nil
}

// fillDemo creates the demo province, then its sites' assessments.
func fillDemo(ctx context.Context, svc *Services) (demo.Result, error) {
	res, err := demo.Fill(ctx, svc.DB, svc.Registry, svc.Auth)
	if err != nil {
		return res, err
	}
	res.History, err = demo.Record(ctx, demo.Services{Sites: svc.Sites, Monitor: svc.Monitor, Trust: svc.Trust, Notify: svc.Notify}, time.Now())
	if err != nil {
		return res, err
	}
	res.Detections, err = demo.RecordDetections(ctx, demo.DetectServices{Registry: svc.Registry, Alert: svc.Alert, Logs: svc.Logs}, time.Now())
	return res, err
}

// PrintDemo tells the person what the demo created and how to log in.
func PrintDemo(b Banner, res demo.Result) {
	b.Say(fmt.Sprintf("Demo: created %d agencies and %d information systems of the fictional province Sông Lam.", res.Agencies, res.Systems),
		"demo: created the fictional province Sông Lam", "agencies", res.Agencies, "systems", res.Systems)
	h := res.History
	b.Say(fmt.Sprintf("Demo: recorded 90 days of history: %d assessments, %d probes, %d alerts, %d trust labels (%d suspended), %d maintenance windows.",
		h.Scans, h.Samples, h.Alerts, h.Labels, h.Suspended, h.Windows),
		"demo: recorded 90 days of history", "assessments", h.Scans, "probes", h.Samples, "alerts", h.Alerts, "labels", h.Labels, "suspended", h.Suspended, "windows", h.Windows)
	d := res.Detections
	b.Say(fmt.Sprintf("Demo: %d Sigma rules imported; %d log events of the last %d hours stored and checked, %d alerts raised.", d.Rules, d.Events, demo.LogHours, d.Alerts),
		"demo: rules imported, log events stored and checked", "rules", d.Rules, "events", d.Events, "alerts", d.Alerts)
	b.Say("Demo: its names (*.songlam.example) do not exist, so they are never scanned, probed or looked up; the pages show the recorded history.",
		"demo: its names do not exist: never scanned, probed or looked up; the pages show the recorded history")
	for name, role := range res.Users {
		b.Say(fmt.Sprintf("Demo user %-14s role %-8s password %s", name, role, res.Password), "demo user", "user", name, "role", role, "password", res.Password)
	}
}

// WorkerConfig is what khien worker needs.
type WorkerConfig struct {
	DB      string
	NATS    string
	Workers int
	// HealthAddr, when set, is where /healthz, /readyz and /metrics are
	// served.
	HealthAddr string
	Platform   PlatformConfig
	// Ready, when set, receives the health listener's address once serving.
	Ready chan<- string
}

// Worker runs the background jobs from an external NATS until ctx ends,
// then finishes the jobs in hand.
func Worker(ctx context.Context, cfg WorkerConfig) error {
	if cfg.NATS == "" {
		return errors.New("khien worker needs --nats (an external NATS server); serve runs its own workers")
	}
	svc, err := OpenPlatform(ctx, cfg.DB, cfg.Platform)
	if err != nil {
		return err
	}
	defer svc.DB.Close()
	defer svc.Logs.Close()
	b, err := bus.Open(ctx, bus.Options{URL: cfg.NATS, Name: "khien-worker", Replicas: cfg.Platform.NATSReplicas})
	if err != nil {
		return err
	}
	defer b.Close()
	svc.Events.SetQueue(b)
	if cfg.HealthAddr != "" {
		stop, err := serveProbes(cfg.HealthAddr, web.Probes(svc.DB, b.Ready, newMetrics(svc, b)), cfg.Ready)
		if err != nil {
			return err
		}
		defer stop()
	}
	kinds := jobs.Kinds(svc.jobDeps(b))
	// On PostgreSQL the worker stores log events too (SQLite day files
	// live beside serve's database, which serve alone writes).
	if svc.DB.Engine == store.Postgres {
		if err := logstream.Setup(ctx, b.JetStream(), logstream.Options{Replicas: cfg.Platform.NATSReplicas}); err != nil {
			return err
		}
		done := make(chan struct{})
		go func() { defer close(done); runLogStore(ctx, svc, b) }()
		defer func() { <-done }()
	}
	slog.Info("khien worker started", "nats", cfg.NATS, "kinds", len(kinds))
	detected := make(chan struct{})
	go func() { defer close(detected); runDetection(ctx, svc, b) }()
	err = jobs.RunWorkers(ctx, b, kinds, cfg.Workers)
	<-detected
	slog.Info("khien worker stopped")
	return err
}

// runLogStore consumes the log stream into the event store until ctx
// ends.
func runLogStore(ctx context.Context, svc *Services, b *bus.Bus) {
	if err := svc.Logs.Run(ctx, b.JetStream()); err != nil {
		slog.Error("log storage stopped", "err", err)
	}
}

// serveProbes serves h on addr until stop is called.
func serveProbes(addr string, h http.Handler, ready chan<- string) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("health listener on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("health listener stopped", "err", err)
		}
	}()
	slog.Info("health listener serving /healthz, /readyz and /metrics", "addr", ln.Addr().String())
	if ready != nil {
		ready <- ln.Addr().String()
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			slog.Warn("health listener shutdown", "err", err)
		}
	}, nil
}

// tuneGC lets the heap grow to five times the live data between
// collections (Go's default is twice) unless GOGC is set: Khiên's live heap
// is small, and collection was an eighth of the CPU of a busy API.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

// jobDeps are what the background jobs need from the services.
func (svc *Services) jobDeps(b *bus.Bus) jobs.Deps {
	return jobs.Deps{Bus: b, Auth: svc.Auth, Sites: svc.Sites, Trust: svc.Trust, Monitor: svc.Monitor, Vuln: svc.Vuln, Events: svc.Events, Rates: svc.Rates,
		Scan: svc.Platform.Scan, ScanConcurrency: svc.Platform.ScanConcurrency, RetryHorizon: svc.Platform.RetryHorizon,
		AuditAnchor: func(ctx context.Context) error { return PublishAnchor(ctx, svc.Audit, svc.Platform.AnchorsFile) }, Logs: svc.Logs}
}
