package sitescan

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/hostrate"
	"github.com/khien-project/khien/internal/platform/lease"
	"github.com/khien-project/khien/internal/platform/reach"
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

// A running scan shows it is alive every heartbeatEvery. One silent for
// staleRun may have lost its worker: a job delivery that finds it so marks
// it (takeover_at) and takes it over only if it is still silent
// confirmAfter later, so a worker that was merely cut off from the
// database for a while (its heartbeats failed) and comes back is never
// doubled: its first heartbeat clears the mark.
const (
	heartbeatEvery = 5 * time.Second
	staleRun       = 20 * time.Second
	confirmAfter   = 2*heartbeatEvery + time.Second
	// abandonAfter is how long a silent running scan waits for its job's
	// redelivery before the sweep gives it up as an error.
	abandonAfter = 10 * time.Minute
)

// HeldError means the scan is held by a delivery that may be alive (its
// job's earlier attempt, or a silent worker whose death is being
// confirmed): the job is retried after Wait. It is a store.ErrUnavailable.
type HeldError struct{ wait time.Duration }

func (e *HeldError) Error() string {
	return fmt.Sprintf("sitescan: the scan is held by an attempt that may be alive; retry in %s", e.wait)
}

// Is makes errors.Is(err, store.ErrUnavailable) and errors.Is(err, ErrHeld) hold.
func (e *HeldError) Is(target error) bool { return target == store.ErrUnavailable || target == ErrHeld }

// Wait is when to try again.
func (e *HeldError) Wait() time.Duration { return e.wait }

// ErrHeld is the kind of a HeldError.
var ErrHeld = errors.New("sitescan: the scan is held by an attempt that may be alive")

// claim marks scan id running for the job delivery token, unless it is
// finished or another delivery holds it: the one atomic step that makes a
// job delivered twice run once. token identifies the delivery ("seq/attempt"
// for a job, "" for a direct call, which takes over a scan silent for
// staleRun at once); a scan left silent is taken over in two steps (see
// confirmAfter).
func (s *Service) claim(ctx context.Context, id int64, token string) (bool, error) {
	now := time.Now()
	at, stale, confirmed := store.FormatTime(now), store.FormatTime(now.Add(-staleRun)), store.FormatTime(now.Add(-confirmAfter))
	// $4 is the moment before which a mark or a silence counts.
	takeover, before := `(status = 'running' AND takeover_at <> '' AND takeover_at < $4 AND heartbeat_at < takeover_at AND started_at < takeover_at)`, confirmed
	if token == "" {
		takeover, before = `(status = 'running' AND started_at < $4 AND heartbeat_at < $4)`, stale
	}
	res, err := s.db.Writer().ExecContext(ctx, `UPDATE scans SET status = 'running', started_at = $1, heartbeat_at = $1, claim_token = $2, takeover_at = ''
		WHERE id = $3 AND (status = 'queued' OR `+takeover+`)`, at, token, id, before)
	if err != nil {
		return false, fmt.Errorf("sitescan: start scan %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 1 || token == "" {
		return n == 1, nil
	}
	var holder, status, heartbeat, started string
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT claim_token, status, heartbeat_at, started_at FROM scans WHERE id = $1`, id).Scan(&holder, &status, &heartbeat, &started); err != nil {
		return false, fmt.Errorf("sitescan: scan %d: %w", id, err)
	}
	if status != Running {
		return false, nil // finished (or queued again meanwhile: the next delivery claims it)
	}
	if heartbeat < stale && started < stale {
		// Silent: mark it, and take it over if it stays silent.
		if _, err := s.db.Writer().ExecContext(ctx, `UPDATE scans SET takeover_at = $1 WHERE id = $2 AND status = 'running' AND takeover_at = '' AND heartbeat_at < $3`, at, id, stale); err != nil {
			return false, fmt.Errorf("sitescan: scan %d: %w", id, err)
		}
		return false, &HeldError{wait: confirmAfter}
	}
	if sameJob(holder, token) {
		return false, &HeldError{wait: staleRun} // its earlier attempt is alive, for now
	}
	return false, nil // another job runs it
}

// sameJob reports whether two delivery tokens ("seq/attempt") belong to
// one job.
func sameJob(a, b string) bool {
	ja, _, _ := strings.Cut(a, "/")
	jb, _, _ := strings.Cut(b, "/")
	return ja != "" && ja == jb
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
		if _, err := s.db.Writer().ExecContext(ctx, `UPDATE scans SET heartbeat_at = $1, takeover_at = '' WHERE id = $2 AND claim_token = $3`, store.Now(), id, token); err != nil {
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
		res, err := tx.ExecContext(ctx, `UPDATE scans SET status = 'error', finished_at = $1, error = 'abandoned: its worker stopped and no other took it over',
			error_vi = $3, error_en = $4 WHERE status = 'running' AND started_at < $2 AND heartbeat_at < $2`, store.FormatTime(now), silent,
			"Lần đánh giá bị bỏ dở: tiến trình chạy nó đã dừng và không tiến trình nào nhận lại", "The scan was abandoned: its worker stopped and no other took it over")
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
	if c.SiteID != nil && !Scannable(site.Verification) {
		return nil, s.refuse(ctx, id, site)
	}
	if r := s.offline(site.URL); r != nil {
		return nil, s.refuseOffline(ctx, id, *r)
	}
	host := webscan.HostOf(site.URL)
	hostLease, err := s.holdHost(ctx, host)
	if err != nil {
		return nil, err
	}
	defer hostLease.Release(ctx)
	// Scans and probes of a host share its pace: a scan starts only in
	// the host's next assessment slot, and each of its requests waits for
	// a request slot (its time limit grows by what that may cost).
	if err := s.startAssessment(ctx, host, scanSlotWait); err != nil {
		var busy *hostrate.BusyError
		if errors.As(err, &busy) {
			return nil, &HeldError{wait: busy.Wait()}
		}
		return nil, err
	}
	if s.cfg.Rates != nil {
		opts.Pace = s.pace
		opts.Timeout = nonZero(opts.Timeout, 30*time.Second) + scanRequests*s.cfg.Rates.Config().Step()
	}
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
	if scanErr != nil {
		slog.Info("scan could not reach the site", "scan", id, "url", site.URL, "err", scanErr) // the raw error; the scan keeps its sentence
	}
	// The site has been assessed: a database outage now must not cost a
	// second assessment, so the outcome is kept and stored once the
	// database is back (the job's delivery stays ours meanwhile).
	res, err := storeWhenBack(ctx, func() (*Result, error) { return s.storeClaimed(ctx, site, id, token, rep, scanErr) })
	if err != nil {
		s.release(ctx, id, token) // the database stayed away: the job's retry runs it again
	}
	return res, err
}

// scanSlotWait is how long a scan job waits for its host's next
// assessment slot before it gives the job back to the queue for later;
// scanRequests is about how many requests one assessment makes (its time
// limit grows by that many request slots).
const (
	scanSlotWait = 30 * time.Second
	scanRequests = 60
)

func nonZero(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// refuse ends a queued scan of a site that may not be scanned (pending
// or rejected since it was queued) without touching the network.
func (s *Service) refuse(ctx context.Context, id int64, site Site) error {
	_, err := s.db.Writer().ExecContext(ctx, `UPDATE scans SET status = 'error', finished_at = $1, error = $2, error_vi = $3, error_en = $4 WHERE id = $5 AND status = 'queued'`,
		store.Now(), fmt.Sprintf("not scanned: the site is %s (its domain is not verified and no analyst approved it)", site.Verification),
		"Không đánh giá: tên miền của trang chưa được xác minh và chưa có chuyên viên phê duyệt",
		"Not scanned: the site's domain is not verified and no analyst approved it", id)
	if err != nil {
		return fmt.Errorf("sitescan: refuse scan %d: %w", id, err)
	}
	return nil
}

// refuseOffline ends a queued scan of a host whose name does not exist
// without looking it up.
func (s *Service) refuseOffline(ctx context.Context, id int64, r reach.Reason) error {
	_, err := s.db.Writer().ExecContext(ctx, `UPDATE scans SET status = 'error', finished_at = $1, error = $2, error_vi = $3, error_en = $4 WHERE id = $5 AND status = 'queued'`,
		store.Now(), "not scanned: the name does not exist (a reserved domain)", r.VI, r.EN, id)
	if err != nil {
		return fmt.Errorf("sitescan: refuse scan %d: %w", id, err)
	}
	return nil
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
	return s.storeClaimed(ctx, site, id, "", rep, scanErr)
}

// errLostClaim ends a store whose scan another delivery took over.
var errLostClaim = errors.New("sitescan: the scan was taken over")

// storeClaimed is store for the delivery token that claimed the scan: when
// another delivery took the scan over meanwhile, nothing is written and
// the result is nil (that delivery stores its own).
func (s *Service) storeClaimed(ctx context.Context, site Site, id int64, token string, rep webscan.Report, scanErr error) (*Result, error) {
	res := &Result{Site: site}
	mine := ""
	args := func(a ...any) []any { return a }
	if token != "" {
		mine = " AND claim_token = $N"
	}
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		now := store.Now()
		var r sql.Result
		var err error
		if scanErr != nil {
			f := reach.Explain(scanErr)
			a := args(now, f.Detail, f.VI, f.EN, id)
			r, err = tx.ExecContext(ctx, `UPDATE scans SET status = 'error', finished_at = $1, error = $2, error_vi = $3, error_en = $4 WHERE id = $5`+claimCond(mine, &a, token), a...)
			if err == nil && !updated(r) {
				return errLostClaim
			}
			return err
		}
		body, err := json.Marshal(rep)
		if err != nil {
			return err
		}
		a := args(now, rep.Score, rep.Grade, failedChecks(rep), string(body), id)
		r, err = tx.ExecContext(ctx, `UPDATE scans SET status = 'done', finished_at = $1, score = $2, grade = $3, failed = $4, report = $5 WHERE id = $6`+claimCond(mine, &a, token), a...)
		if err != nil {
			return fmt.Errorf("sitescan: store scan %d: %w", id, err)
		}
		if !updated(r) {
			return errLostClaim
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
	if errors.Is(err, errLostClaim) {
		slog.Warn("scan taken over by another delivery; its outcome is kept there", "scan", id)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if res.Scan, err = s.Scan(ctx, access.System, id); err != nil {
		return nil, err
	}
	res.Scan.Report = nil
	return res, nil
}

// claimCond is the "still ours" condition of a scan's final write: empty
// for a direct call, else the claim token as the next placeholder.
func claimCond(cond string, args *[]any, token string) string {
	if cond == "" {
		return ""
	}
	*args = append(*args, token)
	return strings.Replace(cond, "$N", "$"+strconv.Itoa(len(*args)), 1)
}

func updated(r sql.Result) bool {
	n, err := r.RowsAffected()
	return err == nil && n > 0
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
