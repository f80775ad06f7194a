// Package monitor watches every registered site between full scans: each
// site is probed every few minutes for availability, status, latency,
// certificate expiry, change of its content against a baseline,
// defacement and leaked .git/.env files. A probe goes through four steps,
// each in its own function: probe (the network, in the engine), evaluate
// (the engine's own check code, pure), advance (the alert state machine,
// pure) and persist (samples and alerts in one transaction, with the
// ProbeFinished and AlertRaised events). Other features react to those
// events: sitescan records the site's state, trust suspends a label whose
// critical check failed (within the same transaction), and alerts are sent
// through the notify package unless a maintenance window mutes them.
package monitor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/hostrate"
	"github.com/khien-project/khien/internal/platform/lease"
	"github.com/khien-project/khien/internal/platform/notify"
	"github.com/khien-project/khien/internal/platform/reach"
	"github.com/khien-project/khien/internal/platform/store"
)

// Config tunes the monitor.
type Config struct {
	FailThreshold int // consecutive failed probes before "down" (default 3)
	CertWarnDays  int // alert when the certificate has fewer days left (default 14)
	Probe         webscan.Options
	// Rates paces each host, shared with the scans (nil: no pacing).
	Rates *hostrate.Limiter
	// Notify sends alerts and knows the maintenance windows; nil sends
	// nothing and mutes nothing.
	Notify Notifier
	// Names decides which hosts get live checks: a site whose name it
	// rules offline (a reserved name that does not exist) is never
	// probed nor looked up. nil probes every host.
	Names *reach.Names
}

// Notifier is what the monitor needs of notifications.
type Notifier interface {
	Send(ctx context.Context, n notify.Notice) error
	InMaintenance(ctx context.Context, siteID int64, at time.Time) (bool, error)
}

// LabelStates tells the state of a site's trust label ("" when it has
// none), for the probe's outcome. The trust feature implements it.
type LabelStates interface {
	StateOf(ctx context.Context, siteID int64) (string, error)
}

// Service runs the probes.
type Service struct {
	db     *store.DB
	audit  *audit.Log
	events *events.Bus
	labels LabelStates
	leases *lease.Leases
	cfg    Config
}

// New builds the service and subscribes its notifications to the alerts
// it raises (a durable subscriber: sent after the probe commits, retried,
// across workers), and the deletion of its rows to a system's purge.
func New(db *store.DB, log *audit.Log, bus *events.Bus, labels LabelStates, cfg Config) *Service {
	if cfg.FailThreshold <= 0 {
		cfg.FailThreshold = 3
	}
	if cfg.CertWarnDays <= 0 {
		cfg.CertWarnDays = 14
	}
	if cfg.Probe.Timeout <= 0 {
		cfg.Probe.Timeout = 15 * time.Second
	}
	s := &Service{db: db, audit: log, events: bus, labels: labels, leases: lease.New(db), cfg: cfg}
	events.Subscribe(bus, "monitor-notify", events.Durable, s.sendAlert)
	events.Subscribe(bus, "monitor-purge", events.Inline, s.purgeSites)
	return s
}

// Alert kinds.
const (
	KindDown          = "down"
	KindRecovered     = "recovered"
	KindCertExpiring  = "cert-expiring"
	KindContentChange = "content-changed"
	KindDefacement    = "defacement"
	KindInjectedLinks = "injected-links"
	KindExposedFiles  = "exposed-files"
)

// AlertKinds lists every kind, in the order lists offer them.
var AlertKinds = []string{KindDown, KindRecovered, KindCertExpiring, KindContentChange, KindDefacement, KindInjectedLinks, KindExposedFiles}

// Sample is one probe's outcome.
type Sample struct {
	At        time.Time `json:"at"`
	OK        bool      `json:"ok"`
	Status    int       `json:"status"`
	LatencyMS int       `json:"latency_ms"`
	Change    float64   `json:"change"`
	// Error is the technical reason of a failed probe (internal
	// addresses removed), for an analyst's details; ErrorVI and ErrorEN
	// are the sentence shown to people (empty on samples older than
	// them: show Error then).
	Error   string `json:"error,omitempty"`
	ErrorVI string `json:"error_vi,omitempty"`
	ErrorEN string `json:"error_en,omitempty"`
}

// Outcome is what one check did, for tests and logs.
type Outcome struct {
	// Skipped: the site was not probed (pending, rejected, disabled, its
	// name does not exist, or its host's rate limit was reached).
	Skipped    bool
	Sample     Sample
	Alerts     []Alert
	LabelState string
}

// CheckNow probes a site in actor's scope at once (admins and analysts).
func (s *Service) CheckNow(ctx context.Context, actor access.Actor, siteID int64) (*Outcome, error) {
	if !actor.CanProbeSites() {
		return nil, fmt.Errorf("monitor: probe a site: %w", store.ErrForbidden)
	}
	t, err := s.target(ctx, actor, siteID)
	if err != nil {
		return nil, err
	}
	if !t.Active {
		return nil, fmt.Errorf("monitor: site %d is archived and no longer probed: %w", siteID, store.ErrConflict)
	}
	if t.Verification != "approved" && t.Verification != "verified" {
		return nil, store.NewKind(fmt.Sprintf("monitor: site %d is %s: it is probed only once its domain is verified or an analyst approves it", siteID, t.Verification), store.ErrConflict)
	}
	if r, off := s.cfg.Names.Offline(webscan.HostOf(t.URL)); off {
		return nil, store.NewKind(fmt.Sprintf("monitor: site %d is not probed live: %s", siteID, r.EN), store.ErrConflict)
	}
	return s.Check(ctx, siteID)
}

// probeSlotWait is how long a probe waits for its host's next slot
// before it is skipped.
const probeSlotWait = 3 * time.Second

// skipped is the outcome of a probe the host's pace left out (no sample,
// no failure); other errors stay errors.
func skipped(err error) (*Outcome, error) {
	if errors.Is(err, hostrate.ErrBusy) {
		slog.Debug("probe skipped: the host's rate limit", "err", err)
		return &Outcome{Skipped: true}, nil
	}
	return nil, err
}

// Check probes one site now (the scheduled job), records the sample and
// the alerts it raises, and publishes what it saw.
func (s *Service) Check(ctx context.Context, siteID int64) (*Outcome, error) {
	t, err := s.target(ctx, access.System, siteID)
	if err != nil {
		return nil, err
	}
	if !t.Active || !t.Enabled || (t.Verification != "approved" && t.Verification != "verified") {
		return &Outcome{Skipped: true}, nil // a pending or rejected site is never probed, nor counted as down
	}
	host := webscan.HostOf(t.URL)
	if _, off := s.cfg.Names.Offline(host); off {
		return &Outcome{Skipped: true}, nil // a name that does not exist: no lookup, no sample, no error
	}
	opts := s.cfg.Probe
	if s.cfg.Rates != nil {
		// The host's pace, shared with the scans: a probe that cannot
		// start within a few seconds is skipped (the next one comes on
		// schedule), and is no failure of the site.
		if err := s.cfg.Rates.Assessment(ctx, host, probeSlotWait); err != nil {
			return skipped(err)
		}
		opts.Pace = func(ctx context.Context, host string) error { return s.cfg.Rates.Request(ctx, host) }
	}
	// One probe of a host at a time, across every process.
	wait, cancel := context.WithTimeout(ctx, s.cfg.Probe.Timeout)
	hold, err := s.leases.Acquire(wait, "probe-host:"+host, s.cfg.Probe.Timeout+5*time.Second, 100*time.Millisecond)
	cancel()
	if err != nil {
		return nil, err
	}
	defer hold.Release(ctx)
	now := time.Now().UTC()
	v, err := evaluate(ctx, t, opts, now)
	if err != nil {
		return skipped(err)
	}
	st := advance(t, v, s.cfg, now)
	if err := s.persist(ctx, t, &st); err != nil {
		return nil, err
	}
	out := &Outcome{Sample: st.sample, Alerts: st.alerts}
	if s.labels != nil {
		if out.LabelState, err = s.labels.StateOf(ctx, t.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}
