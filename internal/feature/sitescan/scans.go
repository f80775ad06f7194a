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
	ID          int64      `json:"id"`
	SiteID      *int64     `json:"site_id"` // null for an ad-hoc scan of an unregistered URL
	URL         string     `json:"url"`
	Status      string     `json:"status"`
	Origin      string     `json:"origin"`
	RequestedBy string     `json:"requested_by"`
	CreatedAt   time.Time  `json:"created_at"`
	StartedAt   *time.Time `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at"`
	Score       int        `json:"score"`
	Grade       string     `json:"grade"`
	FailedCount int        `json:"failed_checks"`
	// Error is the technical reason of a failed scan (internal addresses
	// removed), for an analyst's details; ErrorVI and ErrorEN are the
	// sentence shown to people (empty on scans older than them: show
	// Error then).
	Error   string          `json:"error"`
	ErrorVI string          `json:"error_vi"`
	ErrorEN string          `json:"error_en"`
	Report  json.RawMessage `json:"report,omitempty"`
}

const scanColumns = `c.id, c.site_id, c.url, c.status, c.origin, c.requested_by, c.created_at, c.started_at, c.finished_at, c.score, c.grade, c.failed, c.error, c.error_vi, c.error_en`

// scanJoin gives a scan its site's agency path; ad-hoc scans (no site)
// have none, so scoped actors never see them.
const scanJoin = ` FROM scans c LEFT JOIN sites x ON x.id = c.site_id LEFT JOIN systems s ON s.id = x.system_id `

func scanScan(r interface{ Scan(...any) error }, withReport bool, extra ...any) (Scan, error) {
	var c Scan
	var created, started, finished, report string
	var site sql.NullInt64
	dest := []any{&c.ID, &site, &c.URL, &c.Status, &c.Origin, &c.RequestedBy, &created, &started, &finished, &c.Score, &c.Grade, &c.FailedCount, &c.Error, &c.ErrorVI, &c.ErrorEN}
	if withReport {
		dest = append(dest, &report)
	}
	if err := r.Scan(append(dest, extra...)...); err != nil {
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
		if !site.Active {
			return archivedSite(site)
		}
		if !Scannable(site.Verification) {
			return errNotScannable(site)
		}
		if site.NoLiveChecks != nil {
			return errOffline(site)
		}
		row := tx.QueryRowContext(ctx, `SELECT `+scanColumns+`, c.started_at < $2 AND c.heartbeat_at < $2 FROM scans c WHERE c.site_id = $1 AND c.status IN ('queued', 'running') ORDER BY c.id LIMIT 1`,
			siteID, store.FormatTime(time.Now().Add(-staleRun)))
		var silent bool
		if out, err = scanScan(row, false, &silent); err == nil {
			if out.Status == Running && silent {
				// Its worker died: put its job on the queue again rather
				// than make the site wait for the sweep.
				return s.enqueue(ctx, out.ID)
			}
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		id, err := insertScan(ctx, tx, site, "manual", actor.Username)
		if err != nil {
			return err
		}
		if err := s.enqueue(ctx, id); err != nil {
			return err
		}
		created = true
		out = Scan{ID: id, SiteID: &siteID, URL: site.URL, Status: Queued, Origin: "manual", RequestedBy: actor.Username, CreatedAt: time.Now().UTC()}
		return s.audit.Record(ctx, actor, "scan.request", "scan", id, nil, map[string]any{"site_id": siteID, "url": site.URL})
	})
	return out, created, err
}

// JobKind is the job that runs one queued scan; its payload is a ScanJob.
const JobKind = "site-scan"

// ScanJob is the payload of a site-scan job.
type ScanJob struct {
	ScanID int64 `json:"scan_id"`
}

// enqueue asks for scan id to be run, in ctx's transaction: the scan's row
// and its job are written together (the outbox puts the job on the bus
// once the transaction commits).
func (s *Service) enqueue(ctx context.Context, id int64) error {
	payload, err := json.Marshal(ScanJob{ScanID: id})
	if err != nil {
		return err
	}
	if err := s.events.EnqueueJob(ctx, JobKind, payload); err != nil {
		return fmt.Errorf("sitescan: queue the job of scan %d: %w", id, err)
	}
	return nil
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
		rows, err := tx.QueryContext(ctx, `SELECT `+siteColumns+SiteJoin+`WHERE x.active = 1 AND x.next_scan_at <= $1 AND `+scannableSQL+`
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
		// At most maxQueuedPerHost scans of a host in the queue at once:
		// the other sites of a busy host wait a minute (the next pass), so
		// that a host with hundreds of sites neither floods the queue nor
		// holds up the rest.
		active, err := queuedHosts(ctx, tx)
		if err != nil {
			return err
		}
		for _, x := range due {
			host := webscan.HostOf(x.URL)
			if s.offline(x.URL) != nil {
				// A name that does not exist: no scan, no error record,
				// and the site waits its whole interval before it is
				// looked at again.
				if _, err := tx.ExecContext(ctx, `UPDATE sites SET next_scan_at = $1 WHERE id = $2`, store.FormatTime(now.Add(Jitter(s.ScanInterval(x)))), x.ID); err != nil {
					return fmt.Errorf("sitescan: reschedule site %d: %w", x.ID, err)
				}
				continue
			}
			if active[host] >= maxQueuedPerHost {
				if _, err := tx.ExecContext(ctx, `UPDATE sites SET next_scan_at = $1 WHERE id = $2`, store.FormatTime(now.Add(time.Minute)), x.ID); err != nil {
					return fmt.Errorf("sitescan: reschedule site %d: %w", x.ID, err)
				}
				continue
			}
			active[host]++
			id, err := insertScan(ctx, tx, x, "schedule", access.System.Username)
			if err != nil {
				return err
			}
			next := now.Add(Jitter(s.ScanInterval(x)))
			if _, err := tx.ExecContext(ctx, `UPDATE sites SET next_scan_at = $1 WHERE id = $2`, store.FormatTime(next), x.ID); err != nil {
				return fmt.Errorf("sitescan: reschedule site %d: %w", x.ID, err)
			}
			if err := s.enqueue(ctx, id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	return ids, err
}

// scannableSQL is Scannable for a site aliased x.
const scannableSQL = `x.verification IN ('approved', 'verified')`

// maxQueuedPerHost bounds the scheduled scans of one host queued or
// running at once.
const maxQueuedPerHost = 4

// queuedHosts counts the scans queued or running per host.
func queuedHosts(ctx context.Context, tx *store.Tx) (map[string]int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT url FROM scans WHERE status IN ('queued', 'running')`)
	if err != nil {
		return nil, fmt.Errorf("sitescan: queued scans: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out[webscan.HostOf(u)]++
	}
	return out, rows.Err()
}

// errNotScannable refuses a scan of a site that is not approved.
func errNotScannable(x Site) error {
	return store.NewKind(fmt.Sprintf("sitescan: site %d is %s: it is scanned only once its domain is verified or an analyst approves it", x.ID, x.Verification), store.ErrConflict)
}

// errOffline refuses a scan of a site whose name does not exist.
func errOffline(x Site) error {
	return store.NewKind(fmt.Sprintf("sitescan: site %d is not scanned live: %s", x.ID, x.NoLiveChecks.EN), store.ErrConflict)
}

// ScanFilter selects scans.
type ScanFilter struct {
	SiteID int64
	// Status is queued, running, done or error; "" all.
	Status string
	// Grade keeps the scans that gave this grade ("A+" … "F").
	Grade string
	// Query keeps the scans whose address contains it.
	Query string
	// AgencyPath keeps the scans of this agency's sites and those below
	// it ("/1/5/"); "" every agency in scope.
	AgencyPath string
	// From and To bound the time the scan was asked for (To excluded).
	From, To time.Time
	// Sort is newest (default), oldest, score (lowest first) or -score.
	Sort   string
	Limit  int
	Offset int
}

// ScanStatuses, ScanGrades and ScanSorts are the values ScanFilter takes.
var (
	ScanStatuses = []string{Queued, Running, Done, Failed}
	ScanGrades   = []string{"A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F"}
	ScanSorts    = []string{"newest", "oldest", "score", "-score"}
)

var scanOrder = map[string]string{
	"": "c.id DESC", "newest": "c.id DESC", "oldest": "c.id ASC",
	"score": "c.score ASC, c.id DESC", "-score": "c.score DESC, c.id DESC",
}

// Valid says which field of the filter is wrong, if one is.
func (f ScanFilter) Valid() error {
	var e valid.Errors
	switch {
	case f.Status != "" && !slices.Contains(ScanStatuses, f.Status):
		e.Add("status", "is not queued, running, done or error", "không phải đang chờ, đang chạy, xong hoặc lỗi")
	case f.Grade != "" && !slices.Contains(ScanGrades, f.Grade):
		e.Add("grade", "is not a grade", "không phải một hạng")
	case f.Sort != "" && scanOrder[f.Sort] == "":
		e.Add("sort", "is not newest, oldest, score or -score", "không phải mới nhất, cũ nhất hoặc điểm")
	case len(f.Query) > 200:
		e.Add("q", "is longer than 200 characters", "dài quá 200 ký tự")
	case !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To):
		e.Add("to", "is not after the start", "không sau ngày bắt đầu")
	case f.AgencyPath != "" && !strings.HasSuffix(f.AgencyPath, "/"):
		e.Add("agency", "is not an agency", "không phải một cơ quan")
	}
	return e.Err()
}

// Scans lists scans in actor's scope, newest first unless sorted
// otherwise, without reports.
func (s *Service) Scans(ctx context.Context, actor access.Actor, f ScanFilter) ([]Scan, int, error) {
	if err := f.Valid(); err != nil {
		return nil, 0, fmt.Errorf("sitescan: scans: %w", err)
	}
	var w store.Where
	w.Cond(actor.PathFilter(store.ScopePath))
	if f.SiteID != 0 {
		w.Add("c.site_id = ?", f.SiteID)
	}
	if f.Status != "" {
		w.Add("c.status = ?", f.Status)
	}
	if f.Grade != "" {
		w.Add("c.grade = ?", f.Grade)
	}
	if f.Query != "" {
		w.Add(`LOWER(c.url) LIKE ? ESCAPE '\'`, store.LikeContains(strings.ToLower(strings.TrimSpace(f.Query))))
	}
	if f.AgencyPath != "" {
		w.Cond(access.SubtreeCondition(store.ScopePath, f.AgencyPath))
	}
	w.Between("c.created_at", f.From, f.To)
	var total int
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*)`+scanJoin+`WHERE `+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("sitescan: count scans: %w", err)
	}
	page := w.Limit(store.Page{Limit: f.Limit, Offset: f.Offset}.Clamped(50))
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+scanColumns+scanJoin+`WHERE `+w.SQL()+` ORDER BY `+scanOrder[f.Sort]+page, w.Args()...)
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
