package sitescan

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/events"
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

// staleRun is how long a running scan may go without finishing before
// another delivery of its job may take it over (its worker died).
const staleRun = 10 * time.Minute

// claim marks scan id running for this worker, unless another worker runs
// it (and has not gone silent) or it is finished: the one atomic step that
// makes a job delivered twice run once.
func (s *Service) claim(ctx context.Context, id int64) (bool, error) {
	now := time.Now()
	res, err := s.db.Writer().ExecContext(ctx, `UPDATE scans SET status = 'running', started_at = $1
		WHERE id = $2 AND (status = 'queued' OR (status = 'running' AND started_at < $3))`, store.FormatTime(now), id, store.FormatTime(now.Add(-staleRun)))
	if err != nil {
		return false, fmt.Errorf("sitescan: start scan %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Sweep keeps the queue honest: scans left running for an hour (their
// jobs gave up) become errors, and the ids of scans queued for more than
// fifteen minutes (past the bus's de-duplication window) come back to be
// put on the bus again (an enqueue lost between the database and the bus;
// a second delivery is harmless, see claim).
func (s *Service) Sweep(ctx context.Context, now time.Time) ([]int64, error) {
	if _, err := s.db.Writer().ExecContext(ctx, `UPDATE scans SET status = 'error', finished_at = $1, error = 'abandoned: no worker finished it within an hour'
		WHERE status = 'running' AND started_at < $2`, store.FormatTime(now), store.FormatTime(now.Add(-time.Hour))); err != nil {
		return nil, fmt.Errorf("sitescan: sweep: %w", err)
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT id FROM scans WHERE status = 'queued' AND created_at < $1 ORDER BY id LIMIT 1000`, store.FormatTime(now.Add(-15*time.Minute)))
	if err != nil {
		return nil, fmt.Errorf("sitescan: sweep: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Run performs queued scan id with opts (the platform's scanner limits)
// and stores its report. A scan finished or running elsewhere is left
// alone (a job delivered twice runs once); one left running by a worker
// that died runs again after staleRun.
func (s *Service) Run(ctx context.Context, id int64, opts webscan.Options) (*Result, error) {
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
	release, err := s.holdHost(ctx, HostOf(site.URL))
	if err != nil {
		return nil, err
	}
	defer release()
	if claimed, err := s.claim(ctx, id); err != nil || !claimed {
		return nil, err
	}
	if site.Baseline != "" {
		if fp, err := webscan.ParseFingerprint(site.Baseline); err == nil {
			rule, _ := webscan.ParseIgnoreRule(site.IgnoreRule)
			opts.Baseline = &webscan.Baseline{Fingerprint: fp, Ignore: rule, Threshold: site.ChangeThreshold}
		}
	}
	rep, scanErr := webscan.Assess(ctx, site.URL, opts)
	if scanErr != nil && ctx.Err() != nil {
		return nil, ctx.Err() // shutting down: the job is redelivered
	}
	return s.store(ctx, site, id, rep, scanErr)
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
