// Package jobs names Khiên's background work: the job kinds, their
// handlers and the schedules that enqueue them. Workers (in serve or in
// khien worker) consume every kind registered here from the bus.
package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/feature/auth"
	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/feature/trust"
	"github.com/khien-project/khien/internal/feature/vuln"
	"github.com/khien-project/khien/internal/platform/bus"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/hostrate"
	"github.com/khien-project/khien/internal/platform/store"
)

// Kind is one kind of job with its handler and worker settings.
type Kind struct {
	Name    string
	Handler bus.Handler
	Options bus.WorkerOptions
}

// Schedule enqueues a job of Kind every Every (with up to 10% jitter), so
// that several servers do not fire at the same instant. The job id is the
// time slot, so a slot enqueued by two servers runs once.
type Schedule struct {
	Kind  string
	Every time.Duration
}

// Deps are what built-in jobs need.
type Deps struct {
	Bus     *bus.Bus
	Auth    *auth.Service
	Sites   *sitescan.Service
	Trust   *trust.Service
	Monitor *monitor.Service
	// Vuln reopens expired risk acceptances and sends reminders (nil: no
	// such job).
	Vuln *vuln.Service
	// Rates paces each host (its old rows are purged with the samples).
	Rates *hostrate.Limiter
	// Events are the durable event subscribers, each run as a job kind.
	Events *events.Bus
	// Scan bounds every platform scan (timeout, private addresses, CAs).
	Scan webscan.Options
	// ScanConcurrency is how many sites this process assesses at once.
	ScanConcurrency int
	// AuditAnchor exports the audit log's head (a log line and a line of
	// the anchors file); nil: no such job.
	AuditAnchor func(ctx context.Context) error
	// Logs drops the log event days past the retention (nil: no such job).
	Logs interface {
		PurgeDays(ctx context.Context, now time.Time) ([]string, error)
	}
	// RetryHorizon is how long a job failing because the database or the
	// bus is unreachable keeps being retried before it is dead-lettered.
	RetryHorizon time.Duration
}

// transient is the failure a job waits out: a dependency unreachable.
func transient(err error) bool { return store.IsUnavailable(err) || bus.IsUnavailable(err) }

// Job kinds of the web assessment and monitoring.
const (
	KindScanDue      = "scan-due"
	KindSiteScan     = sitescan.JobKind
	KindMonitorDue   = "monitor-due"
	KindMonitorProbe = "monitor-probe"
	// KindVerifyDue checks again the hosts of pending sites whose agency
	// has not yet proved control (with back-off).
	KindVerifyDue = "verify-due"
	// KindEventsRelay puts on the bus the durable event deliveries that a
	// crash or an outage left in the outbox.
	KindEventsRelay = "events-relay"
	// KindAuditAnchor exports the audit log's anchor (daily).
	KindAuditAnchor = "audit-anchor"
	// KindVulnDue reopens vulnerability findings whose risk acceptance
	// expired, then sends the reminders and overdue notices due.
	KindVulnDue = "vuln-due"
	// KindLogsRetention drops the stored log days past the retention.
	KindLogsRetention = "logs-retention"
)

// ScanJob is the payload of a site-scan job.
type ScanJob = sitescan.ScanJob

// ProbeJob is the payload of a monitor-probe job.
type ProbeJob struct {
	SiteID int64 `json:"site_id"`
}

// EnqueueScan puts a queued scan on the job bus.
func EnqueueScan(ctx context.Context, b *bus.Bus, scanID int64) error {
	payload, _ := json.Marshal(ScanJob{ScanID: scanID})
	return b.Enqueue(ctx, KindSiteScan, fmt.Sprintf("scan-%d", scanID), payload)
}

// Kinds returns every job kind Khiên runs.
func Kinds(d Deps) []Kind {
	scanConc := d.ScanConcurrency
	if scanConc <= 0 {
		scanConc = 4
	}
	kinds := []Kind{
		{Name: "purge-sessions", Handler: func(ctx context.Context, _ bus.Job) error {
			return d.Auth.PurgeSessions(ctx)
		}, Options: bus.WorkerOptions{Concurrency: 1}},
		{Name: KindScanDue, Handler: func(ctx context.Context, _ bus.Job) error {
			if _, err := d.Sites.Sync(ctx); err != nil {
				return err
			}
			// Due scans and the sweep's re-queued ones get their jobs
			// through the outbox, with their rows.
			if _, err := d.Sites.DueScans(ctx, time.Now(), 500); err != nil {
				return err
			}
			requeued, abandoned, err := d.Sites.SweepCount(ctx, time.Now())
			if len(requeued) > 0 || abandoned > 0 {
				slog.Info("scan sweep", "requeued", len(requeued), "abandoned", abandoned)
			}
			return err
		}, Options: bus.WorkerOptions{Concurrency: 1}},
		{Name: KindSiteScan, Handler: func(ctx context.Context, j bus.Job) error {
			var p ScanJob
			if err := json.Unmarshal(j.Payload, &p); err != nil {
				return fmt.Errorf("site-scan payload: %w", err)
			}
			start := time.Now()
			// The delivery's token: the job's stream sequence and attempt.
			res, err := d.Sites.RunJob(ctx, p.ScanID, fmt.Sprintf("%d/%d", j.Seq, j.Attempt), d.Scan) // trust reacts to the ScanFinished event
			if res != nil || err != nil {                                                             // else: done or running elsewhere, nothing ran
				observeScan(start, err)
			}
			return err
		}, Options: bus.WorkerOptions{Concurrency: scanConc, AckWait: 30 * time.Second, Attempts: 3}},
		{Name: KindMonitorDue, Handler: func(ctx context.Context, _ bus.Job) error {
			if _, err := d.Trust.ExpireDue(ctx, time.Now()); err != nil {
				return err
			}
			ids, err := d.Sites.DueProbes(ctx, time.Now(), 2000)
			if err != nil {
				return err
			}
			slot := time.Now().Unix() / 60
			for _, id := range ids {
				payload, _ := json.Marshal(ProbeJob{SiteID: id})
				if err := d.Bus.Enqueue(ctx, KindMonitorProbe, fmt.Sprintf("probe-%d-%d", id, slot), payload); err != nil {
					return err
				}
			}
			return nil
		}, Options: bus.WorkerOptions{Concurrency: 1}},
		{Name: KindMonitorProbe, Handler: func(ctx context.Context, j bus.Job) error {
			var p ProbeJob
			if err := json.Unmarshal(j.Payload, &p); err != nil {
				return fmt.Errorf("monitor-probe payload: %w", err)
			}
			_, err := d.Monitor.Check(ctx, p.SiteID)
			return err
		}, Options: bus.WorkerOptions{Concurrency: 8, Attempts: 2}},
		{Name: "purge-samples", Handler: func(ctx context.Context, _ bus.Job) error {
			if d.Rates != nil {
				if err := d.Rates.Purge(ctx, time.Now()); err != nil {
					return err
				}
			}
			if err := d.Monitor.PurgeSamples(ctx, 90*24*time.Hour); err != nil {
				return err
			}
			_, err := d.Monitor.RefreshSummaries(ctx, time.Now())
			return err
		}, Options: bus.WorkerOptions{Concurrency: 1}},
		{Name: KindVerifyDue, Handler: func(ctx context.Context, _ bus.Job) error {
			checked, verified, err := d.Sites.RecheckDue(ctx, time.Now(), 20)
			if checked > 0 {
				slog.Info("pending hosts rechecked", "checked", checked, "verified", verified)
			}
			return err
		}, Options: bus.WorkerOptions{Concurrency: 1, AckWait: time.Minute}},
	}
	if d.AuditAnchor != nil {
		kinds = append(kinds, Kind{Name: KindAuditAnchor, Handler: func(ctx context.Context, _ bus.Job) error {
			return d.AuditAnchor(ctx)
		}, Options: bus.WorkerOptions{Concurrency: 1}})
	}
	if d.Vuln != nil {
		kinds = append(kinds, Kind{Name: KindVulnDue, Handler: func(ctx context.Context, _ bus.Job) error {
			if _, err := d.Vuln.ReopenExpired(ctx, time.Now()); err != nil {
				return err
			}
			sum, err := d.Vuln.SendReminders(ctx, time.Now())
			if sum.Notices > 0 || sum.Muted > 0 {
				slog.Info("vulnerability reminders", "reminders", sum.Reminders, "overdue", sum.Overdue, "muted", sum.Muted, "failed", sum.Failed)
			}
			return err
		}, Options: bus.WorkerOptions{Concurrency: 1}})
	}
	if d.Logs != nil {
		kinds = append(kinds, Kind{Name: KindLogsRetention, Handler: func(ctx context.Context, _ bus.Job) error {
			_, err := d.Logs.PurgeDays(ctx, time.Now())
			return err
		}, Options: bus.WorkerOptions{Concurrency: 1, AckWait: 5 * time.Minute}})
	}
	if d.Events != nil {
		kinds = append(kinds, Kind{Name: KindEventsRelay, Handler: func(ctx context.Context, _ bus.Job) error {
			n, err := d.Events.Relay(ctx, 20*time.Second)
			if n > 0 {
				slog.Info("events relayed from the outbox", "count", n)
			}
			return err
		}, Options: bus.WorkerOptions{Concurrency: 1}})
		for _, ej := range d.Events.Jobs() {
			kinds = append(kinds, Kind{Name: ej.Kind, Handler: func(ctx context.Context, j bus.Job) error {
				return ej.Handle(ctx, j.Payload)
			}, Options: bus.WorkerOptions{Concurrency: 4, Attempts: 5}})
		}
	}
	for i := range kinds {
		kinds[i].Options.Transient, kinds[i].Options.Horizon = transient, d.RetryHorizon
	}
	return kinds
}

// Schedules returns the recurring jobs.
func Schedules() []Schedule {
	return []Schedule{
		{Kind: "purge-sessions", Every: time.Hour},
		{Kind: "purge-samples", Every: 6 * time.Hour},
		{Kind: KindScanDue, Every: time.Minute},
		{Kind: KindMonitorDue, Every: time.Minute},
		{Kind: KindVerifyDue, Every: time.Minute},
		{Kind: KindEventsRelay, Every: 30 * time.Second},
		{Kind: KindAuditAnchor, Every: 24 * time.Hour},
		{Kind: KindVulnDue, Every: time.Hour},
		{Kind: KindLogsRetention, Every: time.Hour},
	}
}

// RunWorkers consumes every kind until ctx ends, then waits for the jobs
// in hand. concurrency caps each kind's pool (0 keeps the kind's own).
func RunWorkers(ctx context.Context, b *bus.Bus, kinds []Kind, concurrency int) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(kinds))
	for _, k := range kinds {
		opts := k.Options
		if concurrency > 0 && (opts.Concurrency == 0 || opts.Concurrency > concurrency) {
			opts.Concurrency = concurrency
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.Work(ctx, k.Name, k.Handler, opts); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// RunSchedules enqueues each schedule's job on its period until ctx ends.
func RunSchedules(ctx context.Context, b *bus.Bus, list []Schedule) {
	var wg sync.WaitGroup
	for _, s := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				jitter := time.Duration(rand.Int64N(int64(s.Every/10) + 1))
				select {
				case <-ctx.Done():
					return
				case <-time.After(s.Every + jitter):
				}
				slot := time.Now().Truncate(s.Every).UTC().Format(time.RFC3339)
				if err := b.Enqueue(ctx, s.Kind, slot, nil); err != nil && ctx.Err() == nil {
					slog.Warn("enqueue scheduled job", "kind", s.Kind, "err", err)
				}
			}
		}()
	}
	wg.Wait()
}
