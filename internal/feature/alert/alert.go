// Package alert turns log events into alerts with Sigma rules. Rules come
// in packs that an analyst imports (a folder, a zip or tar.gz of YAML, or
// one YAML file); each rule can be turned off, and exceptions silence a
// rule for one agency. The detection consumer reads every accepted record
// from the log stream (logstream.ConsumerDetect), runs the compiled rules
// over it and records detections: repeats of a rule for the same agency,
// system and group within a window add to one alert's count. Correlation
// rules run in partitions (correlate.go), each held by one process at a
// time, so that a group's events meet wherever they were detected.
// Alerts move through statuses, are assigned, audited, sent for high and
// critical levels through notify, and published as events.
package alert

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/notify"
	"github.com/khien-project/khien/internal/platform/store"
)

// Statuses of an alert.
const (
	StatusNew           = "new"
	StatusAcknowledged  = "acknowledged"
	StatusFalsePositive = "false_positive"
	StatusEscalated     = "escalated"
	StatusClosed        = "closed"
)

// Statuses lists every status in the order lists offer them.
var Statuses = []string{StatusNew, StatusAcknowledged, StatusEscalated, StatusFalsePositive, StatusClosed}

// transitions are the valid status changes.
var transitions = map[string][]string{
	StatusNew:           {StatusAcknowledged, StatusFalsePositive, StatusEscalated, StatusClosed},
	StatusAcknowledged:  {StatusFalsePositive, StatusEscalated, StatusClosed},
	StatusEscalated:     {StatusClosed},
	StatusFalsePositive: {StatusNew},
	StatusClosed:        {StatusNew},
}

// grouping says whether an alert in status s still takes repeats.
func grouping(s string) bool { return s == StatusNew || s == StatusAcknowledged }

// Levels are Sigma's rule levels, worst first.
var Levels = []string{"critical", "high", "medium", "low", "informational"}

// Notifier is what the feature needs of notifications.
type Notifier interface {
	Send(ctx context.Context, n notify.Notice) error
}

// Config tunes detection.
type Config struct {
	// Window groups repeats of a rule for one agency, system and group
	// into one alert (default 1 hour).
	Window time.Duration
	// Notify sends high and critical alerts; nil sends nothing.
	Notify Notifier
	// Partitions of the correlation stage (default 4); every process
	// must use the same number.
	Partitions int
	// RecentIDs bounds the in-memory set of record ids already seen
	// (default 100,000).
	RecentIDs int
}

// Service owns the detection tables.
type Service struct {
	db     *store.DB
	audit  *audit.Log
	events *events.Bus
	cfg    Config

	mu  sync.Mutex
	set *Ruleset // the compiled rules of the latest version loaded
	// loadMu is held while a ruleset loads (one load at a time); loads
	// counts them.
	loadMu sync.Mutex
	loads  atomic.Int64

	stored logstream.Stored // the event store, for rule tests; nil: none
}

// New builds the service and subscribes its notifications (durable) and
// the deletion of its rows when a system is purged (inline).
func New(db *store.DB, log *audit.Log, bus *events.Bus, cfg Config) *Service {
	if cfg.Window <= 0 {
		cfg.Window = time.Hour
	}
	if cfg.Partitions <= 0 {
		cfg.Partitions = 4
	}
	if cfg.RecentIDs <= 0 {
		cfg.RecentIDs = 100_000
	}
	s := &Service{db: db, audit: log, events: bus, cfg: cfg}
	events.Subscribe(bus, "detection-notify", events.Durable, s.sendDetection)
	events.Subscribe(bus, "detection-purge", events.Inline, s.purgeSystem)
	return s
}

// purgeSystem deletes the alerts of a system being purged.
func (s *Service) purgeSystem(ctx context.Context, e events.SystemPurge) error {
	res, err := s.db.Q(ctx).ExecContext(ctx, `DELETE FROM detections WHERE system_id = $1`, e.SystemID)
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	if e.Removed != nil {
		e.Removed.Add("detections", n)
	}
	return nil
}

// NextStatuses lists the statuses an alert in status s may move to.
func NextStatuses(s string) []string { return append([]string(nil), transitions[s]...) }
