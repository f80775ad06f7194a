package levels

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
)

// The province's security-by-level dashboard (issue 12 item 8): the
// share of systems with an approved level (the national target is 100%),
// plans fully implemented, four-layer coverage, overdue dossiers and
// inspections, the top gaps and the open risks, for the actor's scope or
// one agency's subtree.

// Coverage counts the four protection layers of live systems.
type Coverage struct {
	Systems int `json:"systems"`
	// Full counts systems with all four layers in place.
	Full int `json:"full"`
	// Missing counts, per layer (index 0 is layer 1), the systems where
	// the layer is not in place.
	Missing            [4]int `json:"missing"`
	InspectionsOverdue int    `json:"inspections_overdue"`
	ContractsExpiring  int    `json:"contracts_expiring"`
}

// TopGap is a requirement and how many systems fall short of it.
type TopGap struct {
	Regime      string `json:"regime"`
	Requirement string `json:"requirement"`
	TextVI      string `json:"text_vi"`
	TextEN      string `json:"text_en"`
	Systems     int    `json:"systems"`
}

// Dashboard is the figures of the dashboard.
type Dashboard struct {
	Year            YearReport `json:"annual"`
	Coverage        Coverage   `json:"coverage"`
	OverdueDossiers int        `json:"overdue_dossiers"`
	OpenDossiers    int        `json:"open_dossiers"`
	TopGaps         []TopGap   `json:"top_gaps"`
	Risks           HeatMap    `json:"risks"`
}

// Dashboard builds the dashboard of actor's scope or agency agencyID's
// subtree.
func (s *Service) Dashboard(ctx context.Context, actor access.Actor, agencyID int64) (Dashboard, error) {
	year, err := s.Annual(ctx, actor, agencyID, 0)
	if err != nil {
		return Dashboard{}, err
	}
	d := Dashboard{Year: year, TopGaps: []TopGap{}}
	w, err := s.scope(ctx, actor, agencyID)
	if err != nil {
		return Dashboard{}, err
	}
	if d.Coverage, err = s.coverage(ctx, w, year.Systems); err != nil {
		return Dashboard{}, err
	}
	q := s.db.Q(ctx)
	due := fmt.Sprintf("$%d", w.Next())
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN d.state IN ('submitted', 'under_appraisal') AND d.due_on <> '' AND d.due_on < `+due+` THEN 1 ELSE 0 END), 0)
		FROM level_dossiers d JOIN systems s ON s.id = d.system_id WHERE d.state <> 'approved' AND `+w.SQL(), append(w.Args(), today(s.clock()))...).Scan(&d.OpenDossiers, &d.OverdueDossiers); err != nil {
		return Dashboard{}, fmt.Errorf("levels: dashboard: %w", err)
	}
	if d.TopGaps, err = s.topGaps(ctx, w, 10); err != nil {
		return Dashboard{}, err
	}
	if d.Risks, err = s.RiskHeatMap(ctx, actor, RiskFilter{AgencyID: agencyID}); err != nil {
		return Dashboard{}, err
	}
	return d, nil
}

// coverage reads the layers of the scope's live systems.
func (s *Service) coverage(ctx context.Context, w store.Where, systems int) (Coverage, error) {
	c := Coverage{Systems: systems}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT l.system_id, l.layer, l.details_json FROM system_layers l JOIN systems s ON s.id = l.system_id WHERE `+w.SQL(), w.Args()...)
	if err != nil {
		return c, fmt.Errorf("levels: coverage: %w", err)
	}
	defer rows.Close()
	now := s.clock()
	inPlace := map[int64]int{}
	perLayer := [4]int{}
	for rows.Next() {
		var id int64
		var n int
		var body string
		if err := rows.Scan(&id, &n, &body); err != nil {
			return c, err
		}
		var det LayerDetails
		if n < 1 || n > 4 || json.Unmarshal([]byte(body), &det) != nil {
			continue
		}
		switch status(n, det, now) {
		case LayerInPlace:
			inPlace[id]++
			perLayer[n-1]++
		case LayerExpiring:
			inPlace[id]++
			perLayer[n-1]++
			c.ContractsExpiring++
		case LayerOverdue:
			c.InspectionsOverdue++
		}
	}
	if err := rows.Err(); err != nil {
		return c, err
	}
	for _, n := range inPlace {
		if n == 4 {
			c.Full++
		}
	}
	for i := range c.Missing {
		c.Missing[i] = systems - perLayer[i]
	}
	return c, nil
}

// topGaps counts, in SQL, the systems short of each requirement, most
// first.
func (s *Service) topGaps(ctx context.Context, w store.Where, n int) ([]TopGap, error) {
	w.Add("r.status IN ('partial', 'not_implemented')")
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT r.regime, r.requirement, COUNT(*) FROM requirement_statuses r`+statusJoin+`
		WHERE `+w.SQL()+fmt.Sprintf(` GROUP BY r.regime, r.requirement ORDER BY COUNT(*) DESC, r.regime, r.requirement LIMIT %d`, n), w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("levels: top gaps: %w", err)
	}
	defer rows.Close()
	out := []TopGap{}
	for rows.Next() {
		var t TopGap
		if err := rows.Scan(&t.Regime, &t.Requirement, &t.Systems); err != nil {
			return nil, err
		}
		g := Gap{Regime: t.Regime, Requirement: t.Requirement}
		s.describeGap(&g)
		t.TextVI, t.TextEN = g.TextVI, g.TextEN
		out = append(out, t)
	}
	return out, rows.Err()
}
