package sitescan

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Scan statuses.
const (
	Queued  = "queued"
	Running = "running"
	Done    = "done"
	Failed  = "error"
)

// Scan is one assessment of one site. Report is exactly what
// `khien scan --json` prints for the same site.
type Scan struct {
	ID          int64           `json:"id"`
	SiteID      *int64          `json:"site_id"` // null for an ad-hoc scan of an unregistered URL
	URL         string          `json:"url"`
	Status      string          `json:"status"`
	Origin      string          `json:"origin"`
	RequestedBy string          `json:"requested_by"`
	CreatedAt   time.Time       `json:"created_at"`
	StartedAt   *time.Time      `json:"started_at"`
	FinishedAt  *time.Time      `json:"finished_at"`
	Score       int             `json:"score"`
	Grade       string          `json:"grade"`
	FailedCount int             `json:"failed_checks"`
	Error       string          `json:"error"`
	Report      json.RawMessage `json:"report,omitempty"`
}

const scanColumns = `c.id, c.site_id, c.url, c.status, c.origin, c.requested_by, c.created_at, c.started_at, c.finished_at, c.score, c.grade, c.failed, c.error`

// scanJoin gives a scan its site's agency path; ad-hoc scans (no site)
// have none, so scoped actors never see them.
const scanJoin = ` FROM scans c LEFT JOIN sites x ON x.id = c.site_id LEFT JOIN systems s ON s.id = x.system_id `

func scanScan(r interface{ Scan(...any) error }, withReport bool) (Scan, error) {
	var c Scan
	var created, started, finished, report string
	var site sql.NullInt64
	dest := []any{&c.ID, &site, &c.URL, &c.Status, &c.Origin, &c.RequestedBy, &created, &started, &finished, &c.Score, &c.Grade, &c.FailedCount, &c.Error}
	if withReport {
		dest = append(dest, &report)
	}
	if err := r.Scan(dest...); err != nil {
		return c, err
	}
	c.CreatedAt, c.StartedAt, c.FinishedAt = store.ParseTime(created), store.TimePtr(started), store.TimePtr(finished)
	if site.Valid {
		c.SiteID = &site.Int64
	}
	if report != "" {
		c.Report = json.RawMessage(report)
	}
	return c, nil
}

// RequestScan queues a scan of a site now ("scan now"): admins and
// analysts for any site, agency officers for their own sites (to see a fix
// reflected without waiting for the schedule). A site with a scan already
// queued or running gets that one back, so repeated clicks cost nothing.
func (s *Service) RequestScan(ctx context.Context, actor access.Actor, siteID int64) (Scan, bool, error) {
	if !actor.CanWriteSecurity() && !actor.Scoped() {
		return Scan{}, false, fmt.Errorf("sitescan: request a scan: %w", store.ErrForbidden)
	}
	var out Scan
	var created bool
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		site, err := s.Site(ctx, actor, siteID)
		if err != nil {
			return err
		}
		row := tx.QueryRowContext(ctx, `SELECT `+scanColumns+` FROM scans c WHERE c.site_id = $1 AND c.status IN ('queued', 'running') ORDER BY c.id LIMIT 1`, siteID)
		if out, err = scanScan(row, false); err == nil {
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		id, err := insertScan(ctx, tx, site, "manual", actor.Username)
		if err != nil {
			return err
		}
		created = true
		out = Scan{ID: id, SiteID: &siteID, URL: site.URL, Status: Queued, Origin: "manual", RequestedBy: actor.Username, CreatedAt: time.Now().UTC()}
		return s.audit.Record(ctx, actor, "scan.request", "scan", id, nil, map[string]any{"site_id": siteID, "url": site.URL})
	})
	return out, created, err
}

func insertScan(ctx context.Context, tx *store.Tx, site Site, origin, by string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO scans (site_id, url, status, origin, requested_by, created_at) VALUES ($1, $2, 'queued', $3, $4, $5) RETURNING id`,
		site.ID, site.URL, origin, by, store.Now()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("sitescan: queue scan of site %d: %w", site.ID, err)
	}
	return id, nil
}

// DueScans queues a scan for every active site whose time has come (at
// most limit), moves each site's next time on by its interval plus jitter,
// and returns the new scans' ids for the job queue.
func (s *Service) DueScans(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+siteColumns+SiteJoin+`WHERE x.active = 1 AND x.next_scan_at <= $1
			AND NOT EXISTS (SELECT 1 FROM scans c WHERE c.site_id = x.id AND c.status IN ('queued', 'running'))
			ORDER BY x.next_scan_at, x.id LIMIT $2`, store.FormatTime(now), limit)
		if err != nil {
			return fmt.Errorf("sitescan: due sites: %w", err)
		}
		var due []Site
		for rows.Next() {
			x, err := scanSite(rows)
			if err != nil {
				rows.Close()
				return err
			}
			due = append(due, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, x := range due {
			id, err := insertScan(ctx, tx, x, "schedule", access.System.Username)
			if err != nil {
				return err
			}
			next := now.Add(Jitter(s.ScanInterval(x)))
			if _, err := tx.ExecContext(ctx, `UPDATE sites SET next_scan_at = $1 WHERE id = $2`, store.FormatTime(next), x.ID); err != nil {
				return fmt.Errorf("sitescan: reschedule site %d: %w", x.ID, err)
			}
			ids = append(ids, id)
		}
		return nil
	})
	return ids, err
}

// Result is what one scan run produced, for the features that react to it
// (trust labels).
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
			if _, err := tx.ExecContext(ctx, `UPDATE sites SET baseline = $1, baseline_at = $2 WHERE id = $3 AND baseline = ''`, rep.Fingerprint.String(), now, site.ID); err != nil {
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
		if (c.ID == "content.defacement" || c.ID == "content.injected-links") && c.Result != webscan.Pass {
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

// ScanFilter selects scans.
type ScanFilter struct {
	SiteID int64
	Status string
	Limit  int
	Offset int
}

// Scans lists scans in actor's scope, newest first, without reports.
func (s *Service) Scans(ctx context.Context, actor access.Actor, f ScanFilter) ([]Scan, int, error) {
	var w store.Where
	w.Cond(actor.PathFilter(store.ScopePath))
	if f.SiteID != 0 {
		w.Add("c.site_id = ?", f.SiteID)
	}
	if f.Status != "" {
		w.Add("c.status = ?", f.Status)
	}
	var total int
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*)`+scanJoin+`WHERE `+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("sitescan: count scans: %w", err)
	}
	page := w.Limit(store.Page{Limit: f.Limit, Offset: f.Offset}.Clamped(50))
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+scanColumns+scanJoin+`WHERE `+w.SQL()+` ORDER BY c.id DESC`+page, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("sitescan: list scans: %w", err)
	}
	defer rows.Close()
	out := []Scan{}
	for rows.Next() {
		c, err := scanScan(rows, false)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}

// Scan returns one scan in actor's scope, with its report.
func (s *Service) Scan(ctx context.Context, actor access.Actor, id int64) (Scan, error) {
	var w store.Where
	w.Add("c.id = ?", id)
	w.Cond(actor.PathFilter(store.ScopePath))
	c, err := scanScan(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+scanColumns+`, c.report`+scanJoin+`WHERE `+w.SQL(), w.Args()...), true)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("sitescan: scan %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("sitescan: scan %d: %w", id, err)
	}
	return c, nil
}

// CheckChange is one check whose result differs between two scans.
type CheckChange struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	TitleEN string `json:"title_en"`
	Before  string `json:"before"` // "" when the check is new
	After   string `json:"after"`  // "" when the check is gone
	Change  string `json:"change"` // worse, better, changed
}

// Diff compares a scan with the site's previous finished scan.
type Diff struct {
	ScanID      int64         `json:"scan_id"`
	PreviousID  *int64        `json:"previous_id"`
	GradeBefore string        `json:"grade_before"`
	GradeAfter  string        `json:"grade_after"`
	ScoreBefore int           `json:"score_before"`
	ScoreAfter  int           `json:"score_after"`
	Changes     []CheckChange `json:"changes"`
}

var resultRank = map[string]int{webscan.Pass: 0, webscan.Info: 0, webscan.Warn: 1, webscan.Error: 1, webscan.Fail: 2}

// Diff compares scan id with the scan before it.
func (s *Service) Diff(ctx context.Context, actor access.Actor, id int64) (Diff, error) {
	c, err := s.Scan(ctx, actor, id)
	if err != nil {
		return Diff{}, err
	}
	d := Diff{ScanID: id, GradeAfter: c.Grade, ScoreAfter: c.Score, Changes: []CheckChange{}}
	var prevID int64
	var prevBody string
	prevQuery := `SELECT id, grade, score, report FROM scans WHERE site_id = $1 AND id < $2 AND status = 'done' ORDER BY id DESC LIMIT 1`
	var key any = c.SiteID
	if c.SiteID == nil { // an ad-hoc scan compares with the last ad-hoc scan of its URL
		prevQuery = `SELECT id, grade, score, report FROM scans WHERE site_id IS NULL AND url = $1 AND id < $2 AND status = 'done' ORDER BY id DESC LIMIT 1`
		key = c.URL
	} else {
		key = *c.SiteID
	}
	err = s.db.Q(ctx).QueryRowContext(ctx, prevQuery, key, id).Scan(&prevID, &d.GradeBefore, &d.ScoreBefore, &prevBody)
	if errors.Is(err, sql.ErrNoRows) || c.Status != Done {
		return d, nil
	}
	if err != nil {
		return d, fmt.Errorf("sitescan: previous scan: %w", err)
	}
	d.PreviousID = &prevID
	var before, after webscan.Report
	if err := json.Unmarshal([]byte(prevBody), &before); err != nil {
		return d, err
	}
	if err := json.Unmarshal(c.Report, &after); err != nil {
		return d, err
	}
	d.Changes = CompareChecks(before.Checks, after.Checks)
	return d, nil
}

// CompareChecks lists the checks whose result differs, worse first.
func CompareChecks(before, after []webscan.Check) []CheckChange {
	old := map[string]webscan.Check{}
	for _, c := range before {
		old[c.ID] = c
	}
	out := []CheckChange{}
	seen := map[string]bool{}
	for _, c := range after {
		seen[c.ID] = true
		b, ok := old[c.ID]
		switch {
		case !ok:
			out = append(out, CheckChange{ID: c.ID, Title: c.Title, TitleEN: c.TitleEN, After: c.Result, Change: "changed"})
		case b.Result != c.Result:
			ch := CheckChange{ID: c.ID, Title: c.Title, TitleEN: c.TitleEN, Before: b.Result, After: c.Result, Change: "changed"}
			if resultRank[c.Result] > resultRank[b.Result] {
				ch.Change = "worse"
			} else if resultRank[c.Result] < resultRank[b.Result] {
				ch.Change = "better"
			}
			out = append(out, ch)
		}
	}
	for _, b := range before {
		if !seen[b.ID] {
			out = append(out, CheckChange{ID: b.ID, Title: b.Title, TitleEN: b.TitleEN, Before: b.Result, Change: "changed"})
		}
	}
	order := map[string]int{"worse": 0, "changed": 1, "better": 2}
	slices.SortStableFunc(out, func(a, b CheckChange) int { return order[a.Change] - order[b.Change] })
	return out
}

// SiteIDByURL finds the site in actor's scope whose URL is exactly rawURL
// (an active one first).
func (s *Service) SiteIDByURL(ctx context.Context, actor access.Actor, rawURL string) (int64, error) {
	var w store.Where
	w.Cond(actor.PathFilter(store.ScopePath))
	w.Add("x.url = ?", rawURL)
	var id int64
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT x.id`+SiteJoin+`WHERE `+w.SQL()+` ORDER BY x.active DESC, x.id LIMIT 1`, w.Args()...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sitescan: no registered site has the URL %q: %w", rawURL, store.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("sitescan: find site: %w", err)
	}
	return id, nil
}

// RequestURL queues a scan of a URL: the registered site with exactly that
// URL when there is one in actor's scope (as RequestScan), else an ad-hoc
// scan of the URL, outside the registry (admins and analysts only: a
// suspicious site, or a portal before it is registered). Ad-hoc scans keep
// no site, baseline, findings or label; agency officers never see them.
func (s *Service) RequestURL(ctx context.Context, actor access.Actor, rawURL string) (Scan, bool, error) {
	var e valid.Errors
	target := e.URL("url", strings.TrimSpace(rawURL))
	if err := e.Err(); err != nil {
		return Scan{}, false, err
	}
	siteID, err := s.SiteIDByURL(ctx, actor, target)
	if err == nil {
		return s.RequestScan(ctx, actor, siteID)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return Scan{}, false, err
	}
	if !actor.CanWriteSecurity() {
		if actor.Scoped() {
			return Scan{}, false, fmt.Errorf("sitescan: no site of yours has the URL %q: %w", target, store.ErrNotFound)
		}
		return Scan{}, false, fmt.Errorf("sitescan: scan a URL: %w", store.ErrForbidden)
	}
	var out Scan
	var created bool
	err = s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		row := tx.QueryRowContext(ctx, `SELECT `+scanColumns+` FROM scans c WHERE c.site_id IS NULL AND c.url = $1 AND c.status IN ('queued', 'running') ORDER BY c.id LIMIT 1`, target)
		var err error
		if out, err = scanScan(row, false); err == nil {
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO scans (site_id, url, status, origin, requested_by, created_at) VALUES (NULL, $1, 'queued', 'manual', $2, $3) RETURNING id`,
			target, actor.Username, store.Now()).Scan(&id); err != nil {
			return fmt.Errorf("sitescan: queue scan of %s: %w", target, err)
		}
		created = true
		out = Scan{ID: id, URL: target, Status: Queued, Origin: "manual", RequestedBy: actor.Username, CreatedAt: time.Now().UTC()}
		return s.audit.Record(ctx, actor, "scan.request", "scan", id, nil, map[string]any{"url": target})
	})
	return out, created, err
}

func failedChecks(rep webscan.Report) int {
	n := 0
	for _, ch := range rep.Checks {
		if ch.Result == webscan.Fail {
			n++
		}
	}
	return n
}
