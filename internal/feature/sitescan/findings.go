package sitescan

import (
	"context"
	"database/sql"
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

// Finding is a regression a scan found on a site: its grade dropped, or a
// critical or high-severity check started to fail. The owning agency sees
// its own sites' findings.
type Finding struct {
	ID         int64      `json:"id"`
	SiteID     int64      `json:"site_id"`
	URL        string     `json:"url"`
	AgencyID   int64      `json:"agency_id"`
	AgencyName string     `json:"agency_name"`
	ScanID     *int64     `json:"scan_id"`
	Kind       string     `json:"kind"` // grade-drop, check-failed
	CheckID    string     `json:"check_id"`
	Severity   string     `json:"severity"`
	Title      string     `json:"title"`
	TitleEN    string     `json:"title_en"`
	Detail     string     `json:"detail"`
	DetailEN   string     `json:"detail_en"`
	Status     string     `json:"status"` // open, resolved
	CreatedAt  time.Time  `json:"created_at"`
	ResolvedAt *time.Time `json:"resolved_at"`
}

// raiseFindings compares a new report with the previous one: a worse grade
// and every critical or high check that newly fails open a finding (one
// open finding per check); findings whose check passes again, or whose
// grade recovered, are resolved.
func (s *Service) raiseFindings(ctx context.Context, tx *store.Tx, siteID, scanID int64, prev, rep *webscan.Report) ([]events.Ref, error) {
	return s.raiseFindingsAt(ctx, tx, siteID, scanID, prev, rep, store.Now())
}

// raiseFindingsAt is raiseFindings for a scan finished at now (a recorded
// scan of the past raises and resolves its findings at its own time).
func (s *Service) raiseFindingsAt(ctx context.Context, tx *store.Tx, siteID, scanID int64, prev, rep *webscan.Report, now string) ([]events.Ref, error) {
	var raised []events.Ref
	add := func(kind, checkID, severity, title, titleEN, detail, detailEN string) error {
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM findings WHERE site_id = $1 AND kind = $2 AND check_id = $3 AND status = 'open'`,
			siteID, kind, checkID).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return nil
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO findings (site_id, scan_id, kind, check_id, severity, title, title_en, detail, detail_en, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, siteID, scanID, kind, checkID, severity, title, titleEN, detail, detailEN, now).Scan(&id)
		if err != nil {
			return err
		}
		raised = append(raised, events.Ref{Kind: events.RefSiteFinding, ID: id})
		return nil
	}
	if prev != nil {
		switch {
		case webscan.GradeRank(rep.Grade) > webscan.GradeRank(prev.Grade):
			sev := "high"
			if rep.Grade == "F" {
				sev = "critical"
			}
			if err := add("grade-drop", "", sev, fmt.Sprintf("Hạng giảm từ %s xuống %s", prev.Grade, rep.Grade),
				fmt.Sprintf("Grade dropped from %s to %s", prev.Grade, rep.Grade), fmt.Sprintf("điểm %d → %d", prev.Score, rep.Score), fmt.Sprintf("score %d → %d", prev.Score, rep.Score)); err != nil {
				return nil, fmt.Errorf("sitescan: finding: %w", err)
			}
		case webscan.GradeRank(rep.Grade) < webscan.GradeRank(prev.Grade):
			if _, err := tx.ExecContext(ctx, `UPDATE findings SET status = 'resolved', resolved_at = $1 WHERE site_id = $2 AND kind = 'grade-drop' AND status = 'open'`, now, siteID); err != nil {
				return nil, err
			}
		}
	}
	wasFailing := map[string]bool{}
	if prev != nil {
		for _, c := range prev.Checks {
			if c.Result == webscan.Fail {
				wasFailing[c.ID] = true
			}
		}
	}
	for _, c := range rep.Checks {
		switch {
		case c.Result == webscan.Fail && (c.Severity == "critical" || c.Severity == "high") && !wasFailing[c.ID]:
			if err := add("check-failed", c.ID, c.Severity, c.Title, c.TitleEN, c.Detail, c.DetailEN); err != nil {
				return nil, fmt.Errorf("sitescan: finding: %w", err)
			}
		case c.Result == webscan.Pass:
			if _, err := tx.ExecContext(ctx, `UPDATE findings SET status = 'resolved', resolved_at = $1 WHERE site_id = $2 AND kind = 'check-failed' AND check_id = $3 AND status = 'open'`,
				now, siteID, c.ID); err != nil {
				return nil, err
			}
		}
	}
	return raised, nil
}

// FindingFilter selects findings.
type FindingFilter struct {
	SiteID   int64
	Status   string // open, resolved; "" for both
	Severity string // critical, high, medium, low, info; "" for all
	Query    string // part of the URL or the agency's name
	// Kind is grade-drop or check-failed; "" both.
	Kind string
	// AgencyPath keeps the findings of this agency's sites and those below
	// it ("/1/5/"); "" every agency in scope.
	AgencyPath string
	// From and To bound the time the finding was raised (To excluded).
	From, To time.Time
	// Sort is newest (default), oldest or severity (worst first).
	Sort   string
	Limit  int
	Offset int
}

// FindingKinds and FindingSorts are the values FindingFilter takes.
var (
	FindingKinds = []string{"check-failed", "grade-drop"}
	FindingSorts = []string{"newest", "oldest", "severity"}
)

var findingOrder = map[string]string{
	"": "f.id DESC", "newest": "f.id DESC", "oldest": "f.id ASC",
	"severity": "CASE f.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, f.id DESC",
}

const findingColumns = `f.id, f.site_id, x.url, s.agency_id, a.name, f.scan_id, f.kind, f.check_id, f.severity, f.title, f.title_en, f.detail, f.detail_en, f.status, f.created_at, f.resolved_at`

// Findings lists findings on sites in actor's scope, newest first.
func (s *Service) Findings(ctx context.Context, actor access.Actor, f FindingFilter) ([]Finding, int, error) {
	var w store.Where
	w.Cond(actor.PathFilter(store.ScopePath))
	if f.SiteID != 0 {
		w.Add("f.site_id = ?", f.SiteID)
	}
	if f.Status != "" {
		w.Add("f.status = ?", f.Status)
	}
	switch f.Severity {
	case "":
	case "critical", "high", "medium", "low", "info":
		w.Add("f.severity = ?", f.Severity)
	default:
		return nil, 0, fmt.Errorf("%w: severity: %q is not critical, high, medium, low or info", store.ErrInvalid, f.Severity)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := store.LikeContains(strings.ToLower(q))
		w.Add(`(LOWER(x.url) LIKE ? ESCAPE '\' OR LOWER(a.name) LIKE ? ESCAPE '\')`, like, like)
	}
	var bad valid.Errors
	switch {
	case f.Kind != "" && !slices.Contains(FindingKinds, f.Kind):
		bad.Add("kind", "is not check-failed or grade-drop", "không phải kiểm tra không đạt hoặc tụt hạng")
	case f.Sort != "" && findingOrder[f.Sort] == "":
		bad.Add("sort", "is not newest, oldest or severity", "không phải mới nhất, cũ nhất hoặc mức độ")
	case !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To):
		bad.Add("to", "is not after the start", "không sau ngày bắt đầu")
	case f.AgencyPath != "" && !strings.HasSuffix(f.AgencyPath, "/"):
		bad.Add("agency", "is not an agency", "không phải một cơ quan")
	}
	if err := bad.Err(); err != nil {
		return nil, 0, fmt.Errorf("sitescan: findings: %w", err)
	}
	if f.Kind != "" {
		w.Add("f.kind = ?", f.Kind)
	}
	if f.AgencyPath != "" {
		w.Cond(access.SubtreeCondition(store.ScopePath, f.AgencyPath))
	}
	w.Between("f.created_at", f.From, f.To)
	from := ` FROM findings f` + store.JoinSite("f")
	var total int
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*)`+from+`WHERE `+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("sitescan: count findings: %w", err)
	}
	page := w.Limit(store.Page{Limit: f.Limit, Offset: f.Offset}.Clamped(50))
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+findingColumns+from+`WHERE `+w.SQL()+` ORDER BY `+findingOrder[f.Sort]+page, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("sitescan: list findings: %w", err)
	}
	defer rows.Close()
	out := []Finding{}
	for rows.Next() {
		var x Finding
		var scan sql.NullInt64
		var created, resolved string
		if err := rows.Scan(&x.ID, &x.SiteID, &x.URL, &x.AgencyID, &x.AgencyName, &scan, &x.Kind, &x.CheckID, &x.Severity, &x.Title, &x.TitleEN, &x.Detail, &x.DetailEN, &x.Status, &created, &resolved); err != nil {
			return nil, 0, err
		}
		if scan.Valid {
			x.ScanID = &scan.Int64
		}
		x.CreatedAt, x.ResolvedAt = store.ParseTime(created), store.TimePtr(resolved)
		out = append(out, x)
	}
	return out, total, rows.Err()
}

// ResolveFindings marks the findings ids resolved in one transaction:
// all of them or, when one is out of actor's scope or unknown, none.
func (s *Service) ResolveFindings(ctx context.Context, actor access.Actor, ids []int64) error {
	if len(ids) > 500 {
		return fmt.Errorf("%w: at most 500 findings at once", store.ErrInvalid)
	}
	return s.db.WithTx(ctx, func(ctx context.Context, _ *store.Tx) error {
		for _, id := range ids {
			if err := s.ResolveFinding(ctx, actor, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// ResolveFinding closes a finding by hand (admins and analysts).
func (s *Service) ResolveFinding(ctx context.Context, actor access.Actor, id int64) error {
	if !actor.CanWriteSecurity() {
		return fmt.Errorf("sitescan: resolve finding: %w", store.ErrForbidden)
	}
	return s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var w store.Where
		w.Add("f.id = ?", id)
		w.Cond(actor.PathFilter(store.ScopePath))
		var status string
		err := tx.QueryRowContext(ctx, `SELECT f.status FROM findings f`+store.JoinSiteSystem("f")+`WHERE `+w.SQL(), w.Args()...).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sitescan: finding %d: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if status != "open" {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE findings SET status = 'resolved', resolved_at = $1 WHERE id = $2`, store.Now(), id); err != nil {
			return err
		}
		return s.audit.Record(ctx, actor, "finding.resolve", "finding", id, map[string]any{"status": "open"}, map[string]any{"status": "resolved"})
	})
}
