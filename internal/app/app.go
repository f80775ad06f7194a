// Package app wires Khiên together: it opens the database and the bus,
// builds the services and the web server, starts the workers and
// schedules, and shuts everything down in order on a signal. All wiring
// lives here, visible at a glance.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
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
	"github.com/khien-project/khien/internal/platform/config"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/hostrate"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/notify"
	"github.com/khien-project/khien/internal/platform/reach"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/web"
)

// Version is set at build time (-ldflags "-X ...app.Version=v1.2.3").
var Version = "dev"

// Services are the feature services over one database.
type Services struct {
	DB       *store.DB
	Audit    *audit.Log
	Auth     *auth.Service
	Registry *registry.Registry
	Sites    *sitescan.Service
	Trust    *trust.Service
	Monitor  *monitor.Service
	Notify   *notify.Service
	Levels   *levels.Service
	Ingest   *ingest.Service // log receivers and ingest tokens
	Alert    *alert.Service
	Vuln     *vuln.Service
	// Logs stores and searches the accepted log events (issue 11).
	Logs   *logstore.Service
	Events *events.Bus
	Rates  *hostrate.Limiter
	// Links resolves references to any feature's objects ("site-finding/12").
	Links    *events.Directory
	Platform PlatformConfig
}

// PlatformConfig is how the platform scans and watches sites.
type PlatformConfig struct {
	Scan            webscan.Options // limits of every scan
	ScanEvery       time.Duration
	ScanConcurrency int
	CheckEvery      time.Duration
	FailThreshold   int
	CertWarnDays    int
	SMTP            notify.SMTPConfig
	WebhookAllow    notify.AllowList // intranet webhook receivers (notify.allow)
	PublicRate      int              // requests per minute per address on public pages
	HostRate        int              // requests per minute to one host (scan.host_rate)
	HostSpacing     time.Duration    // least time between assessments of one host
	RetryHorizon    time.Duration
	NATSReplicas    int // 0: automatic
	// AuditKey is where the audit chain's key is (zero: none, the log
	// stays unkeyed; tests only). AnchorsFile receives the exported
	// anchors ("": none).
	AuditKey    audit.KeySource
	AnchorsFile string
	// HostsFile lists the reserved names (.example, .invalid, .test) that
	// do resolve here and so are checked live ("": /etc/hosts).
	HostsFile string
	// LogRetentionDays is how many days of log events are kept (0: 30).
	LogRetentionDays int
	// VulnRemindDays is how many days before its deadline a vulnerability
	// finding is recalled (0: 3).
	VulnRemindDays int
	// VulnFetch bounds feed downloads from URLs.
	VulnFetch vuln.FetchConfig
	// Migrate lets start-up apply pending migrations; otherwise a database
	// behind this binary is refused (an empty one is always created).
	Migrate bool
}

// PlatformFromValues reads the scan, monitor and SMTP options.
func PlatformFromValues(v config.Values) (PlatformConfig, error) {
	pc := PlatformConfig{
		Scan:      webscan.Options{Timeout: v.Duration("scan.timeout"), AllowPrivate: v.Bool("scan.allow_private"), DNSServer: v.String("scan.dns")},
		ScanEvery: v.Duration("scan.every"), ScanConcurrency: v.Int("scan.concurrency"),
		CheckEvery: v.Duration("monitor.every"), FailThreshold: v.Int("monitor.failures"), CertWarnDays: v.Int("monitor.cert_warn_days"),
		SMTP:       notify.SMTPConfig{Addr: v.String("smtp.addr"), From: v.String("smtp.from"), Username: v.String("smtp.username"), Password: v.String("smtp.password")},
		PublicRate: v.Int("public.rate"), HostRate: v.Int("scan.host_rate"), HostSpacing: v.Duration("scan.host_spacing"), RetryHorizon: v.Duration("jobs.retry_horizon"), NATSReplicas: v.Int("nats.replicas"),
		AuditKey: AuditKeySource(v, true), AnchorsFile: v.String("audit.anchors_file"),
	}
	pc.LogRetentionDays = v.Int("logs.retention_days")
	pc.VulnRemindDays = v.Int("vuln.remind_days")
	pc.VulnFetch = vuln.FetchConfig{AllowPrivate: v.Bool("vuln.feeds_allow_private"), MaxBytes: int64(v.Int("vuln.feeds_max_bytes")), Timeout: v.Duration("vuln.feeds_timeout")}
	allow, err := notify.ParseAllowList(v.String("notify.allow"))
	if err != nil {
		return pc, fmt.Errorf("notify.allow: %w", err)
	}
	pc.WebhookAllow = allow
	if f := v.String("scan.ca_file"); f != "" {
		pool, err := loadCAs(f)
		if err != nil {
			return pc, fmt.Errorf("scan.ca_file: %w", err)
		}
		pc.Scan.RootCAs = pool
	}
	return pc, nil
}

// OpenServices opens the database at dsn (creating the schema of an empty
// one, refusing one this binary may not use) and builds the services over
// it, with the platform's default scan settings.
func OpenServices(ctx context.Context, dsn string) (*Services, error) {
	return OpenPlatform(ctx, dsn, PlatformConfig{})
}

// OpenPlatform is OpenServices with explicit scan and monitor settings.
func OpenPlatform(ctx context.Context, dsn string, pc PlatformConfig) (*Services, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	n, err := db.EnsureSchema(ctx, pc.Migrate)
	if err != nil {
		db.Close()
		return nil, err
	}
	if n > 0 {
		slog.Info("database schema migrated", "applied", n, "schema", store.LatestVersion(db.Engine))
	}
	log, err := openAudit(ctx, db, pc.AuditKey)
	if err != nil {
		db.Close()
		return nil, err
	}
	// The features meet only through events: the bus gets its job queue
	// (for durable subscribers) when serve or worker opens NATS.
	bus := events.New(db, nil)
	svc := &Services{DB: db, Audit: log, Events: bus, Auth: auth.New(db, log), Registry: registry.New(db, log, bus), Platform: pc}
	// Scans, probes and verification checks share each host's pace.
	svc.Rates = hostrate.New(db, hostrate.Config{PerMinute: pc.HostRate, Spacing: pc.HostSpacing})
	verify := pc.Scan
	verify.Baseline = nil
	// Names that cannot exist (the demo's, under .example) are never
	// scanned, probed or looked up.
	names := reach.NewNames(pc.HostsFile)
	svc.Sites = sitescan.New(db, log, bus, sitescan.Config{ScanEvery: pc.ScanEvery, CheckEvery: pc.CheckEvery, Rates: svc.Rates, Target: verify, Names: names})
	// Every URL of every system is a site: sitescan follows the registry's
	// SystemsChanged (the scan schedule also syncs, for changes made by
	// other processes).
	svc.Trust = trust.New(db, log, bus)
	svc.Notify = notify.New(db, log, notify.Config{SMTP: pc.SMTP, Allow: pc.WebhookAllow})
	svc.Notify.Subscribe(bus)
	probe := pc.Scan
	probe.Timeout = min(nonZero(probe.Timeout, 30*time.Second), 15*time.Second)
	svc.Monitor = monitor.New(db, log, bus, svc.Trust, monitor.Config{FailThreshold: pc.FailThreshold, CertWarnDays: pc.CertWarnDays, Probe: probe, Rates: svc.Rates, Notify: svc.Notify, Names: names})
	if svc.Levels, err = levels.New(db, log, bus); err != nil {
		db.Close()
		return nil, err
	}
	svc.Ingest = ingest.New(db, log, bus)
	svc.Alert = alert.New(db, log, bus, alert.Config{Notify: svc.Notify})
	// Vulnerabilities follow the registry (SystemsChanged) and the scans
	// (ScanFinished) through the bus.
	svc.Vuln = vuln.New(db, log, bus)
	svc.Vuln.SetNotifier(svc.Notify) // advisories reaching agencies, reminders, overdue notices
	svc.Vuln.RemindDays = pc.VulnRemindDays
	svc.Vuln.SetFetch(pc.VulnFetch)
	svc.Logs = logstore.New(db, log, logstore.Config{RetentionDays: pc.LogRetentionDays})
	svc.Alert.SetStored(svc.Logs) // "test this rule over the last hour"
	svc.Links = events.NewDirectory()
	svc.Alert.RegisterLinks(svc.Links)
	svc.Sites.RegisterLinks(svc.Links)
	svc.Monitor.RegisterLinks(svc.Links)
	return svc, nil
}

// The event store answers "the last hour of stored events" for other
// features (the rule test page) through logstream.Stored.
var _ logstream.Stored = (*logstore.Service)(nil)

// AuditKeyOptions are the options naming the audit key.
var AuditKeyOptions = []string{"audit.key_file", "audit.key"}

// AuditKeySource reads where the audit key is from v (which resolved
// AuditKeyOptions); create lets a missing key file be made for a log
// that has no key yet.
func AuditKeySource(v config.Values, create bool) audit.KeySource {
	return audit.KeySource{Text: v.String("audit.key"), File: v.String("audit.key_file"), Create: create}
}

// openAudit returns the audit log keyed with the key src names, bound to
// the database (a key that is not the log's is refused here, at start).
func openAudit(ctx context.Context, db *store.DB, src audit.KeySource) (*audit.Log, error) {
	if src.IsZero() {
		return audit.New(db), nil
	}
	key, err := audit.LoadKey(ctx, db, src)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	log := audit.NewKeyed(db, key)
	if err := log.Bind(ctx); err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	return log, nil
}

func nonZero(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// NewLogger returns the process logger writing to w in format ("text" or
// "json") at level; a record written with a request's context carries its
// request id.
func NewLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(web.LogHandler(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(web.LogHandler(slog.NewTextHandler(w, opts)))
}

// ErrLocked means another Khiên process holds the data folder.
var ErrLocked = errors.New("another khien process is using this data folder")

// LockData takes an exclusive lock on the data folder for the life of the
// process, so that serve and restore never run on the same files at once.
func LockData(dir string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "khien.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", dir, ErrLocked)
	}
	return func() { f.Close() }, nil
}
