package sitescan

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/platform/access"
)

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
