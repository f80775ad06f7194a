// Package vuln is the province's vulnerability programme: advisory
// records imported from offline feeds (NVD, CVE JSON 5, OSV, CISA KEV,
// FIRST EPSS), matched by the engine (internal/engine/vuln) against every
// registered system's software and the components the web scanner
// discovered, each match a finding with a priority, a deadline and a
// status followed until it is fixed. It owns the vuln_* tables and reacts
// to the registry's SystemsChanged and sitescan's ScanFinished events; it
// never calls those features.
package vuln

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/khien-project/khien/internal/engine/vuln"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/notify"
	"github.com/khien-project/khien/internal/platform/store"
)

// Service imports feeds and keeps the findings.
type Service struct {
	db    *store.DB
	audit *audit.Log
	bus   *events.Bus
	rules vuln.PriorityRules
	// StaleDays is the age of a feed's last import from which it is
	// flagged stale (0: StaleAfterDays).
	StaleDays int
	// RemindDays is how many days before its deadline an open finding is
	// recalled (0: RemindDaysDefault).
	RemindDays int

	mu       sync.Mutex
	cache    *matcher     // the feeds as last loaded, updated by each import
	loads    atomic.Int64 // how many times the feeds were read from the database
	notifier Notifier
	fetch    FetchConfig

	// matchHook, when set (by tests), runs in every match once its feeds
	// are chosen, before it writes anything but the component keys.
	matchHook func()
}

// Notifier sends a notice to the platform's notification targets
// (notify.Service satisfies it).
type Notifier interface {
	Send(ctx context.Context, n notify.Notice) error
}

// SetNotifier makes advisories reaching an agency, reminders and overdue
// notices go through n (nil: none); when n also implements Maintenance,
// reminders wait out maintenance windows.
func (s *Service) SetNotifier(n Notifier) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notifier = n
}

// New builds the service and subscribes it: a system saved (created,
// changed, imported, archived, restored) is matched again after its
// transaction commits; a finished scan proposes the components its
// banners disclose; a purge deletes the system's findings in the purge's
// own transaction.
func New(db *store.DB, log *audit.Log, bus *events.Bus) *Service {
	s := &Service{db: db, audit: log, bus: bus, rules: vuln.DefaultPriorityRules}
	events.Subscribe(bus, "vuln-systems", events.Durable, func(ctx context.Context, e events.SystemsChanged) error {
		return s.MatchSystems(ctx, e.SystemIDs)
	})
	events.Subscribe(bus, "vuln-scan", events.Durable, s.discoverFromScan)
	events.Subscribe(bus, "vuln-purge", events.Inline, s.purgeSystem)
	return s
}

// purgeSystem deletes the rows of a purged system.
func (s *Service) purgeSystem(ctx context.Context, e events.SystemPurge) error {
	return s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		for _, t := range []struct{ kind, sql string }{
			{"vuln_findings", `DELETE FROM vuln_findings WHERE system_id = $1`},
			{"vuln_discovered", `DELETE FROM vuln_discovered WHERE system_id = $1`},
		} {
			res, err := tx.ExecContext(ctx, t.sql, e.SystemID)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			if e.Removed != nil {
				e.Removed.Add(t.kind, n)
			}
		}
		return nil
	})
}
