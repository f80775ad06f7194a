package sitescan

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
)

// RecordHistory stores assessments made earlier (the demo's recorded
// history, or scans imported from another tool) as finished scans of a
// site, each at its report's StartedAt, oldest first (admins, analysts):
// the findings open and resolve at the time of the scan that changed
// them, the first clean page becomes the baseline, and the site's grade
// is the newest report's. All in one transaction, audited once; only the
// newest scan is published (ScanFinished), since the others are history.
// It returns the scans' ids, oldest first.
func (s *Service) RecordHistory(ctx context.Context, actor access.Actor, siteID int64, reps []webscan.Report) ([]int64, error) {
	if !actor.CanWriteSecurity() {
		return nil, fmt.Errorf("sitescan: record scans: %w", store.ErrForbidden)
	}
	if len(reps) == 0 {
		return nil, nil
	}
	reps = slices.Clone(reps)
	slices.SortStableFunc(reps, func(a, b webscan.Report) int { return a.StartedAt.Compare(b.StartedAt) })
	var ids []int64
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		site, err := s.Site(ctx, actor, siteID)
		if err != nil {
			return err
		}
		prev, err := s.previousReport(ctx, site.ID, 1<<62)
		if err != nil {
			return err
		}
		var findings []events.Ref
		for i := range reps {
			rep := &reps[i]
			at := store.FormatTime(rep.StartedAt.Add(time.Duration(rep.DurationMS) * time.Millisecond))
			id, err := insertDoneScan(ctx, tx, site, actor.Username, rep, store.FormatTime(rep.StartedAt), at)
			if err != nil {
				return err
			}
			ids = append(ids, id)
			if prev == nil || !sameOutcome(prev, rep) {
				if findings, err = s.raiseFindingsAt(ctx, tx, site.ID, id, prev, rep, at); err != nil {
					return err
				}
			}
			if site.Baseline == "" && cleanPage(*rep) && rep.Fingerprint.Hash != "" {
				site.Baseline = rep.Fingerprint.String()
				if err := setBaselineIfEmpty(ctx, tx, site.ID, site.Baseline, at); err != nil {
					return err
				}
			}
			prev = rep
		}
		last, lastID := reps[len(reps)-1], ids[len(ids)-1]
		next := store.FormatTime(time.Now().Add(Jitter(s.ScanInterval(site))))
		if _, err := tx.ExecContext(ctx, `UPDATE sites SET last_scan_id = $1, last_grade = $2, last_score = $3, last_scanned_at = $4, next_scan_at = $5 WHERE id = $6`,
			lastID, last.Grade, last.Score, store.FormatTime(last.StartedAt), next, site.ID); err != nil {
			return fmt.Errorf("sitescan: update site %d: %w", site.ID, err)
		}
		if err := s.audit.Record(ctx, actor, "scan.import", "site", site.ID, nil, map[string]any{"scans": len(ids), "since": reps[0].StartedAt, "grade": last.Grade}); err != nil {
			return err
		}
		return s.events.Publish(ctx, events.ScanFinished{Scan: events.Ref{Kind: events.RefSiteScan, ID: lastID}, SiteID: site.ID, URL: site.URL, Report: &last, Findings: findings})
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// insertDoneScan writes a finished scan of site, started and finished at
// the given times.
func insertDoneScan(ctx context.Context, tx *store.Tx, site Site, by string, rep *webscan.Report, started, finished string) (int64, error) {
	body, err := json.Marshal(rep)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO scans (site_id, url, status, origin, requested_by, created_at, started_at, finished_at, heartbeat_at, score, grade, failed, report)
		VALUES ($1, $2, 'done', 'import', $3, $4, $4, $5, $5, $6, $7, $8, $9) RETURNING id`,
		site.ID, site.URL, by, started, finished, rep.Score, rep.Grade, failedChecks(*rep), string(body)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("sitescan: record scan of site %d: %w", site.ID, err)
	}
	return id, nil
}

// sameOutcome reports whether two reports have the same grade and the
// same result for every check: a scan that changes nothing changes no
// finding.
func sameOutcome(a, b *webscan.Report) bool {
	if a.Grade != b.Grade || len(a.Checks) != len(b.Checks) {
		return false
	}
	for i := range a.Checks {
		if a.Checks[i].ID != b.Checks[i].ID || a.Checks[i].Result != b.Checks[i].Result || a.Checks[i].Severity != b.Checks[i].Severity {
			return false
		}
	}
	return true
}

// GradePoint is one finished scan in a site's grade history.
type GradePoint struct {
	ScanID int64     `json:"scan_id"`
	At     time.Time `json:"at"` // when the scan finished
	Grade  string    `json:"grade"`
	Score  int       `json:"score"`
}

// GradeHistory lists the finished scans of a site in actor's scope since
// since, oldest first (at most the latest 1,000), for the grade chart.
func (s *Service) GradeHistory(ctx context.Context, actor access.Actor, siteID int64, since time.Time) ([]GradePoint, error) {
	if _, err := s.Site(ctx, actor, siteID); err != nil {
		return nil, err
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT id, finished_at, grade, score FROM scans WHERE site_id = $1 AND status = 'done' AND finished_at >= $2
		ORDER BY finished_at DESC, id DESC LIMIT 1000`, siteID, store.FormatTime(since))
	if err != nil {
		return nil, fmt.Errorf("sitescan: grade history of site %d: %w", siteID, err)
	}
	defer rows.Close()
	out := []GradePoint{}
	for rows.Next() {
		var p GradePoint
		var at string
		if err := rows.Scan(&p.ScanID, &at, &p.Grade, &p.Score); err != nil {
			return nil, err
		}
		p.At = store.ParseTime(at)
		out = append(out, p)
	}
	slices.Reverse(out)
	return out, rows.Err()
}
