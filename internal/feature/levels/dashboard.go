package levels

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

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
	// Agencies is the four-layer coverage of each agency's own systems
	// (not its units'), for the agency tree; by agency id.
	Agencies []AgencyCoverage `json:"agencies"`
}

// AgencyCoverage counts the layers of one agency's own live systems.
type AgencyCoverage struct {
	AgencyID int64 `json:"agency_id"`
	Coverage
}

// Dashboard builds the dashboard of actor's scope or agency agencyID's
// subtree, from one summary row per system.
func (s *Service) Dashboard(ctx context.Context, actor access.Actor, agencyID int64) (Dashboard, error) {
	if !actor.CanRead() {
		return Dashboard{}, fmt.Errorf("levels: dashboard: %w", store.ErrUnauthenticated)
	}
	w, err := s.scope(ctx, actor, agencyID)
	if err != nil {
		return Dashboard{}, err
	}
	rows, err := s.scopeRows(ctx, w, true)
	if err != nil {
		return Dashboard{}, err
	}
	year, err := s.annual(ctx, actor, rows, agencyID, 0)
	if err != nil {
		return Dashboard{}, err
	}
	d := Dashboard{Year: year, Coverage: coverageOf(rows, s.clock()), TopGaps: s.topGapsOf(rows, 10), Agencies: agencyCoverage(rows, s.clock())}
	q := s.db.Q(ctx)
	due := fmt.Sprintf("$%d", w.Next())
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN d.state IN ('submitted', 'under_appraisal') AND d.due_on <> '' AND d.due_on < `+due+` THEN 1 ELSE 0 END), 0)
		FROM level_dossiers d JOIN systems s ON s.id = d.system_id WHERE d.state <> 'approved' AND `+w.SQL(), append(w.Args(), today(s.clock()))...).Scan(&d.OpenDossiers, &d.OverdueDossiers); err != nil {
		return Dashboard{}, fmt.Errorf("levels: dashboard: %w", err)
	}
	if d.Risks, err = s.RiskHeatMap(ctx, actor, RiskFilter{AgencyID: agencyID}); err != nil {
		return Dashboard{}, err
	}
	return d, nil
}

// coverageOf counts the four layers of the scope's systems on day now.
func coverageOf(rows []scopeRow, now time.Time) Coverage {
	c := Coverage{Systems: len(rows)}
	for _, r := range rows {
		full := true
		for i, st := range r.sum.layerStatuses(now) {
			switch st {
			case LayerInPlace:
			case LayerExpiring:
				c.ContractsExpiring++
			default:
				if st == LayerOverdue {
					c.InspectionsOverdue++
				}
				c.Missing[i]++
				full = false
			}
		}
		if full {
			c.Full++
		}
	}
	return c
}

// agencyCoverage is coverageOf per agency, by agency id.
func agencyCoverage(rows []scopeRow, now time.Time) []AgencyCoverage {
	byAgency := map[int64][]scopeRow{}
	for _, r := range rows {
		byAgency[r.AgencyID] = append(byAgency[r.AgencyID], r)
	}
	out := make([]AgencyCoverage, 0, len(byAgency))
	for id, rs := range byAgency {
		out = append(out, AgencyCoverage{AgencyID: id, Coverage: coverageOf(rs, now)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AgencyID < out[j].AgencyID })
	return out
}

// topGapsOf counts the systems short of each requirement, most first,
// then by regime and requirement, and keeps the first n.
func (s *Service) topGapsOf(rows []scopeRow, n int) []TopGap {
	type key struct{ regime, req string }
	counts := map[key]int{}
	for _, r := range rows {
		for g := range strings.FieldsSeq(r.gaps) {
			counts[key{r.Regime, g}]++
		}
	}
	out := make([]TopGap, 0, len(counts))
	for k, c := range counts {
		out = append(out, TopGap{Regime: k.regime, Requirement: k.req, Systems: c})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.Systems != b.Systems:
			return a.Systems > b.Systems
		case a.Regime != b.Regime:
			return a.Regime < b.Regime
		}
		return a.Requirement < b.Requirement
	})
	out = out[:min(n, len(out))]
	for i := range out {
		g := Gap{Regime: out[i].Regime, Requirement: out[i].Requirement}
		s.describeGap(&g)
		out[i].TextVI, out[i].TextEN = g.TextVI, g.TextEN
	}
	return out
}
