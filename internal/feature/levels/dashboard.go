package levels

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

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
	var w store.Where
	w.Add("s.archived_at = ''")
	w.Cond(actor.PathFilter(store.ScopePath))
	if agencyID != 0 {
		path, err := s.agencyPath(ctx, actor, agencyID)
		if err != nil {
			return Dashboard{}, err
		}
		w.Cond(access.SubtreeCondition(store.ScopePath, path))
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
	gaps, err := s.Gaps(ctx, actor, agencyID)
	if err != nil {
		return Dashboard{}, err
	}
	d.TopGaps = topGaps(gaps, 10)
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

// topGaps counts the systems short of each requirement, most first.
func topGaps(gaps []Gap, n int) []TopGap {
	byReq := map[string]*TopGap{}
	var order []*TopGap
	for _, g := range gaps {
		key := g.Regime + "/" + g.Requirement
		t := byReq[key]
		if t == nil {
			t = &TopGap{Regime: g.Regime, Requirement: g.Requirement, TextVI: g.TextVI, TextEN: g.TextEN}
			byReq[key] = t
			order = append(order, t)
		}
		t.Systems++
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].Systems > order[j].Systems })
	out := []TopGap{}
	for i, t := range order {
		if i == n {
			break
		}
		out = append(out, *t)
	}
	return out
}
