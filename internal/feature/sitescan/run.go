package sitescan

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/lease"
	"github.com/khien-project/khien/internal/platform/store"
)

// Result is what one scan run produced, for its caller (the job, tests);
// other features learn of it from the ScanFinished event.
type Result struct {
	Site     Site
	Scan     Scan
	Report   *webscan.Report // nil when the site could not be assessed
	Previous *webscan.Report // the scan before, if any
}

// A running scan shows it is alive every heartbeatEvery; one silent for
// staleRun lost its worker, and the next delivery of its job takes it over.
const (
	heartbeatEvery = 5 * time.Second
	staleRun       = 20 * time.Second
	// abandonAfter is how long a silent running scan waits for its job's
	// redelivery before the sweep gives it up as an error.
	abandonAfter = 10 * time.Minute
)

// ErrHeld means the scan is still held by an earlier delivery of the same
// job (its worker may be alive): retry later.
var ErrHeld = fmt.Errorf("sitescan: the scan is still held by an earlier attempt: %w", store.ErrUnavailable)

// claim marks scan id running for the job delivery token, unless another
// worker runs it and is alive, or it is finished: the one atomic step that
// makes a job delivered twice run once. A scan left by a dead worker (no
// heartbeat for staleRun) is taken over. token is the job's identity
// across redeliveries ("" for a direct call); the same job's earlier
// attempt still holding the scan answers ErrHeld, to be retried.
func (s *Service) claim(ctx context.Context, id int64, token string) (bool, error) {
	now := time.Now()
	stale := store.FormatTime(now.Add(-staleRun))
	res, err := s.db.Writer().ExecContext(ctx, `UPDATE scans SET status = 'running', started_at = $1, heartbeat_at = $1, claim_token = $2
		WHERE id = $3 AND (status = 'queued' OR (status = 'running' AND started_at < $4 AND heartbeat_at < $4))`, store.FormatTime(now), token, id, stale)
	if err != nil {
		return false, fmt.Errorf("sitescan: start scan %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	if token == "" {
		return false, nil
	}
	var holder, status string
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT claim_token, status FROM scans WHERE id = $1`, id).Scan(&holder, &status); err != nil {
		return false, fmt.Errorf("sitescan: scan %d: %w", id, err)
	}
	if status == Running && holder == token {
		return false, ErrHeld
	}
	return false, nil
}

// heartbeat shows the claimed scan is alive until stop is closed, and
// keeps the host's lease.
func (s *Service) heartbeat(ctx context.Context, id int64, token string, host *lease.Lease, stop <-chan struct{}) {
	t := time.NewTicker(heartbeatEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if _, err := s.db.Writer().ExecContext(ctx, `UPDATE scans SET heartbeat_at = $1 WHERE id = $2 AND claim_token = $3`, store.Now(), id, token); err != nil {
			slog.Warn("scan heartbeat", "scan", id, "err", err)
		}
		if host != nil {
			if err := host.Renew(ctx); err != nil {
				slog.Warn("scan host lease", "scan", id, "err", err)
			}
		}
	}
}

// release hands a claimed scan back to the queue after a failure, so that
// the job's retry claims it at once.
func (s *Service) release(ctx context.Context, id int64, token string) {
	if _, err := s.db.Writer().ExecContext(context.WithoutCancel(ctx), `UPDATE scans SET status = 'queued', claim_token = '' WHERE id = $1 AND status = 'running' AND claim_token = $2`, id, token); err != nil {
		slog.Warn("release a scan after a failure", "scan", id, "err", err)
	}
}

// Sweep keeps the queue honest, every minute: a running scan whose
// worker went silent and whose job was not redelivered within
// abandonAfter (it was dead-lettered) becomes an error, and a scan queued
// for more than fifteen minutes (its job gave up or was lost) gets a new
// job. It returns the re-queued scans' ids and how many it abandoned.
func (s *Service) Sweep(ctx context.Context, now time.Time) ([]int64, error) {
	ids, _, err := s.SweepCount(ctx, now)
	return ids, err
}

// SweepCount is Sweep, also counting the abandoned scans.
func (s *Service) SweepCount(ctx context.Context, now time.Time) (requeued []int64, abandoned int, err error) {
	err = s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		silent := store.FormatTime(now.Add(-abandonAfter))
		res, err := tx.ExecContext(ctx, `UPDATE scans SET status = 'error', finished_at = $1, error = 'abandoned: its worker stopped and no other took it over'
			WHERE status = 'running' AND started_at < $2 AND heartbeat_at < $2`, store.FormatTime(now), silent)
		if err != nil {
			return fmt.Errorf("sitescan: sweep: %w", err)
		}
		n, _ := res.RowsAffected()
		abandoned = int(n)
		// A queued scan's heartbeat_at is when the sweep last gave it a job.
		rows, err := tx.QueryContext(ctx, `SELECT id FROM scans WHERE status = 'queued' AND created_at < $1 AND heartbeat_at < $1 ORDER BY id LIMIT 1000`,
			store.FormatTime(now.Add(-15*time.Minute)))
		if err != nil {
			return fmt.Errorf("sitescan: sweep: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			requeued = append(requeued, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range requeued {
			if _, err := tx.ExecContext(ctx, `UPDATE scans SET heartbeat_at = $1 WHERE id = $2`, store.FormatTime(now), id); err != nil {
				return fmt.Errorf("sitescan: sweep: %w", err)
			}
			if err := s.enqueue(ctx, id); err != nil {
				return err
			}
		}
		return nil
	})
	return requeued, abandoned, err
}

// Run performs queued scan id with opts (the platform's scanner limits)
// and stores its report. A scan finished or running elsewhere is left
// alone (a job delivered twice runs once); one left running by a worker
// that died runs again once it has been silent for staleRun.
func (s *Service) Run(ctx context.Context, id int64, opts webscan.Options) (*Result, error) {
	return s.RunJob(ctx, id, "", opts)
}

// RunJob is Run for a delivery of a job identified by token (the same
// across its redeliveries).
func (s *Service) RunJob(ctx context.Context, id int64, token string, opts webscan.Options) (*Result, error) {
	sys := access.System
	c, err := s.Scan(ctx, sys, id)
	if err != nil {
		return nil, err
	}
	if c.Status == Done || c.Status == Failed {
		return nil, nil
	}
	site := Site{URL: c.URL} // an ad-hoc scan has no site: no baseline, history or findings
	if c.SiteID != nil {
		if site, err = s.Site(ctx, sys, *c.SiteID); err != nil {
			return nil, err
		}
	}
	hostLease, err := s.holdHost(ctx, HostOf(site.URL))
	if err != nil {
		return nil, err
	}
	defer hostLease.Release(ctx)
	if claimed, err := s.claim(ctx, id, token); err != nil || !claimed {
		return nil, err
	}
	stop := make(chan struct{})
	go s.heartbeat(ctx, id, token, hostLease, stop)
	defer close(stop)
	if site.Baseline != "" {
		if fp, err := webscan.ParseFingerprint(site.Baseline); err == nil {
			rule, _ := webscan.ParseIgnoreRule(site.IgnoreRule)
			opts.Baseline = &webscan.Baseline{Fingerprint: fp, Ignore: rule, Threshold: site.ChangeThreshold}
		}
	}
	rep, scanErr := webscan.Assess(ctx, site.URL, opts)
	if scanErr != nil && ctx.Err() != nil {
		s.release(ctx, id, token)
		return nil, ctx.Err() // shutting down: the job is redelivered
	}
	// The site has been assessed: a database outage now must not cost a
	// second assessment, so the outcome is kept and stored once the
	// database is back (the job's delivery stays ours meanwhile).
	res, err := storeWhenBack(ctx, func() (*Result, error) { return s.store(ctx, site, id, rep, scanErr) })
	if err != nil {
		s.release(ctx, id, token) // the database stayed away: the job's retry runs it again
	}
	return res, err
}

// How long a finished assessment waits for an unavailable database
// (a restart or a failover) before it is given up, and how often it
// tries again meanwhile.
var (
	storeRetryFor   = 2 * time.Minute
	storeRetryEvery = 2 * time.Second
)

// storeWhenBack runs save, and again every storeRetryEvery while it fails
// because the database is unavailable, for at most storeRetryFor.
func storeWhenBack(ctx context.Context, save func() (*Result, error)) (*Result, error) {
	deadline := time.Now().Add(storeRetryFor)
	for {
		res, err := save()
		if err == nil || !store.IsUnavailable(err) || time.Now().Add(storeRetryEvery).After(deadline) {
			return res, err
		}
		slog.Warn("scan finished; storing its report when the database is back", "err", err)
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(storeRetryEvery):
		}
	}
}

// Record stores an assessment made elsewhere (an offline HAR assessment,
// or a scan run by hand) as a finished scan of a site, with the same
// history, baseline and findings as a scheduled one (admins, analysts).
func (s *Service) Record(ctx context.Context, actor access.Actor, siteID int64, rep webscan.Report) (*Result, error) {
	if !actor.CanWriteSecurity() {
		return nil, fmt.Errorf("sitescan: record a scan: %w", store.ErrForbidden)
	}
	site, err := s.Site(ctx, actor, siteID)
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if id, err = insertScan(ctx, tx, site, "import", actor.Username); err != nil {
			return err
		}
		return s.audit.Record(ctx, actor, "scan.import", "scan", id, nil, map[string]any{"site_id": siteID, "grade": rep.Grade})
	})
	if err != nil {
		return nil, err
	}
	return s.store(ctx, site, id, rep, nil)
}

// store writes a scan's outcome: the report (or the error) and, for a
// registered site (not an ad-hoc scan), the site's latest grade, its first
// clean baseline and the findings against the previous scan, in one
// transaction. It answers the stored scan, without its report.
func (s *Service) store(ctx context.Context, site Site, id int64, rep webscan.Report, scanErr error) (*Result, error) {
	res := &Result{Site: site}
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		now := store.Now()
		if scanErr != nil {
			_, err := tx.ExecContext(ctx, `UPDATE scans SET status = 'error', finished_at = $1, error = $2 WHERE id = $3`, now, scanErr.Error(), id)
			return err
		}
		body, err := json.Marshal(rep)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE scans SET status = 'done', finished_at = $1, score = $2, grade = $3, failed = $4, report = $5 WHERE id = $6`,
			now, rep.Score, rep.Grade, failedChecks(rep), string(body), id); err != nil {
			return fmt.Errorf("sitescan: store scan %d: %w", id, err)
		}
		res.Report = &rep
		if site.ID == 0 {
			return nil
		}
		// A finished scan, scheduled or not, starts the site's interval anew.
		next := store.FormatTime(time.Now().Add(Jitter(s.ScanInterval(site))))
		if _, err := tx.ExecContext(ctx, `UPDATE sites SET last_scan_id = $1, last_grade = $2, last_score = $3, last_scanned_at = $4, next_scan_at = $5 WHERE id = $6`,
			id, rep.Grade, rep.Score, now, next, site.ID); err != nil {
			return fmt.Errorf("sitescan: update site %d: %w", site.ID, err)
		}
		// The first clean page becomes the baseline for later comparisons.
		if site.Baseline == "" && cleanPage(rep) && rep.Fingerprint.Hash != "" {
			if err := setBaselineIfEmpty(ctx, tx, site.ID, rep.Fingerprint.String(), now); err != nil {
				return err
			}
		}
		prev, err := s.previousReport(ctx, site.ID, id)
		if err != nil {
			return err
		}
		res.Previous = prev
		findings, err := s.raiseFindings(ctx, tx, site.ID, id, prev, &rep)
		if err != nil {
			return err
		}
		return s.events.Publish(ctx, events.ScanFinished{Scan: events.Ref{Kind: events.RefSiteScan, ID: id}, SiteID: site.ID, URL: site.URL, Report: &rep, Findings: findings})
	})
	if err != nil {
		return nil, err
	}
	if res.Scan, err = s.Scan(ctx, access.System, id); err != nil {
		return nil, err
	}
	res.Scan.Report = nil
	return res, nil
}

// cleanPage reports whether a page may serve as a baseline: not defaced,
// no injected links.
func cleanPage(rep webscan.Report) bool {
	for _, c := range rep.Checks {
		if (c.ID == string(webscan.ContentDefacement) || c.ID == string(webscan.ContentInjectedLinks)) && c.Result != webscan.Pass {
			return false
		}
	}
	return true
}

func (s *Service) previousReport(ctx context.Context, siteID, before int64) (*webscan.Report, error) {
	var body string
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT report FROM scans WHERE site_id = $1 AND id < $2 AND status = 'done' ORDER BY id DESC LIMIT 1`, siteID, before).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sitescan: previous scan: %w", err)
	}
	var rep webscan.Report
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		return nil, fmt.Errorf("sitescan: previous report: %w", err)
	}
	return &rep, nil
}
