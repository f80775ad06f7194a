package sitescan

import (
	"context"
	"fmt"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
)

// Summary counts the sites in actor's scope by grade and state, with the
// open findings, for the dashboard.
type Summary struct {
	Sites   int            `json:"sites"`
	ByGrade map[string]int `json:"by_grade"` // "A" (A+, A, A-), "B", "C", "D", "F", "" (never scanned)
	// ByExactGrade counts each grade as given (A+, A, A-, B+, …; "":
	// never scanned), for the grade chart.
	ByExactGrade map[string]int `json:"by_exact_grade"`
	Down         int            `json:"down"`
	Findings     int            `json:"open_findings"`
}

// Summarize counts the sites in actor's scope.
func (s *Service) Summarize(ctx context.Context, actor access.Actor) (Summary, error) {
	sum := Summary{ByGrade: map[string]int{}, ByExactGrade: map[string]int{}}
	var w store.Where
	w.Add("x.active = 1")
	from := ` FROM sites x `
	if actor.Scoped() || !actor.Authenticated() {
		// Only the actor's systems; an unscoped reader needs no join at all.
		from += store.JoinSystem
		w.Cond(actor.PathFilter(store.ScopePath))
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT x.last_grade, x.state, COUNT(*)`+from+`WHERE `+w.SQL()+` GROUP BY x.last_grade, x.state`, w.Args()...)
	if err != nil {
		return sum, fmt.Errorf("sitescan: summary: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var grade, state string
		var n int
		if err := rows.Scan(&grade, &state, &n); err != nil {
			return sum, err
		}
		sum.ByExactGrade[grade] += n
		if grade != "" {
			grade = grade[:1]
		}
		sum.ByGrade[grade] += n
		sum.Sites += n
		if state == "down" {
			sum.Down += n
		}
	}
	if err := rows.Err(); err != nil {
		return sum, err
	}
	var f store.Where
	f.Add("f.status = 'open'")
	f.Add("f.site_id IN (SELECT id FROM sites WHERE active = 1)") // live sites only
	findings := ` FROM findings f `
	if actor.Scoped() || !actor.Authenticated() {
		findings += store.JoinSiteSystem("f")
		f.Cond(actor.PathFilter(store.ScopePath))
	}
	err = s.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*)`+findings+`WHERE `+f.SQL(), f.Args()...).Scan(&sum.Findings)
	return sum, err
}
