// Figures of the vulnerability programme per agency and for the actor's
// whole scope (the province for the security office): open findings by
// priority, overdue, patch compliance and mean time to remediate.

package vuln

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
)

// FigureRow is the figures of one agency (or of the whole scope).
type FigureRow struct {
	AgencyID   int64          `json:"agency_id"` // 0: the whole scope
	AgencyName string         `json:"agency_name"`
	Open       map[string]int `json:"open"` // open or in progress, by priority P1–P4
	OpenTotal  int            `json:"open_total"`
	Overdue    int            `json:"overdue"` // open or in progress past the deadline
	Fixed      int            `json:"fixed"`
	// FixedInTime counts the fixed findings closed by their deadline;
	// Compliance is their share of Fixed in percent (nil: none fixed).
	FixedInTime int      `json:"fixed_in_time"`
	Compliance  *float64 `json:"compliance"`
	// MTTRDays is the mean time from detection to fix, in days (nil:
	// none fixed).
	MTTRDays *float64 `json:"mttr_days"`
	mttrSum  float64
}

// Figures is the figures of the actor's scope and of each agency in it
// that has findings.
type Figures struct {
	Total    FigureRow   `json:"total"`
	Agencies []FigureRow `json:"agencies"`
}

func newRow(id int64, name string) FigureRow {
	return FigureRow{AgencyID: id, AgencyName: name, Open: map[string]int{"P1": 0, "P2": 0, "P3": 0, "P4": 0}}
}

func (r *FigureRow) add(status, priority string, due, created, closed time.Time, now time.Time) {
	switch status {
	case Open, InProgress:
		r.Open[priority]++
		r.OpenTotal++
		if now.After(due) {
			r.Overdue++
		}
	case Fixed:
		r.Fixed++
		if !closed.After(due) {
			r.FixedInTime++
		}
		r.mttrSum += closed.Sub(created).Hours() / 24
	}
}

func (r *FigureRow) finish() {
	if r.Fixed == 0 {
		return
	}
	c := 100 * float64(r.FixedInTime) / float64(r.Fixed)
	m := r.mttrSum / float64(r.Fixed)
	r.Compliance, r.MTTRDays = &c, &m
}

// Figures counts the findings of live systems in actor's scope (one
// agency's when agencyID is not 0) as of now.
func (s *Service) Figures(ctx context.Context, actor access.Actor, agencyID int64, now time.Time) (Figures, error) {
	var w store.Where
	w.Cond(actor.PathFilter(store.ScopePath))
	w.Add("s.archived_at = ''")
	if agencyID != 0 {
		var path string
		err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT path FROM agencies WHERE id = $1`, agencyID).Scan(&path)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !actor.InScope(path)) {
			return Figures{}, fmt.Errorf("vuln: figures of agency %d: %w", agencyID, store.ErrNotFound)
		}
		if err != nil {
			return Figures{}, fmt.Errorf("vuln: figures of agency %d: %w", agencyID, err)
		}
		w.Add("s.agency_id = ?", agencyID)
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT s.agency_id, a.name, f.status, f.priority, f.due_at, f.created_at, f.closed_at`+findingFrom+`WHERE `+w.SQL(), w.Args()...)
	if err != nil {
		return Figures{}, fmt.Errorf("vuln: figures: %w", err)
	}
	defer rows.Close()
	out := Figures{Total: newRow(0, "")}
	by := map[int64]*FigureRow{}
	for rows.Next() {
		var id int64
		var name, status, priority, due, created, closed string
		if err := rows.Scan(&id, &name, &status, &priority, &due, &created, &closed); err != nil {
			return Figures{}, fmt.Errorf("vuln: figures: %w", err)
		}
		r := by[id]
		if r == nil {
			row := newRow(id, name)
			r = &row
			by[id] = r
		}
		d, c, x := store.ParseTime(due), store.ParseTime(created), store.ParseTime(closed)
		r.add(status, priority, d, c, x, now)
		out.Total.add(status, priority, d, c, x, now)
	}
	if err := rows.Err(); err != nil {
		return Figures{}, err
	}
	out.Total.finish()
	out.Agencies = []FigureRow{}
	for _, r := range by {
		r.finish()
		out.Agencies = append(out.Agencies, *r)
	}
	sort.Slice(out.Agencies, func(i, j int) bool {
		a, b := out.Agencies[i], out.Agencies[j]
		if a.Overdue != b.Overdue {
			return a.Overdue > b.Overdue
		}
		if a.OpenTotal != b.OpenTotal {
			return a.OpenTotal > b.OpenTotal
		}
		return a.AgencyName < b.AgencyName
	})
	return out, nil
}
