package levels

import (
	"context"
	"fmt"
	"sort"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
)

// Scores per system, per agency and for the province (or the subtree of
// one agency), and the gap list: read once from the registry's live
// systems in the actor's scope, their approved levels and the recorded
// statuses of the requirements that apply at those levels.

// SystemScore is one system's level and assessment counts.
type SystemScore struct {
	SystemID   int64  `json:"system_id"`
	Name       string `json:"name"`
	AgencyID   int64  `json:"agency_id"`
	AgencyName string `json:"agency_name"`
	Regime     string `json:"regime,omitempty"`
	// Level is the approved level (0: none yet).
	Level         int `json:"level"`
	ProposedLevel int `json:"proposed_level"`
	Counts
}

// AgencyScore is an agency's systems and the pooled counts of the
// assessed ones.
type AgencyScore struct {
	AgencyID int64  `json:"agency_id"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	Systems  int    `json:"systems"`
	Approved int    `json:"approved"`
	Counts
}

// Scores is the scores of a scope.
type Scores struct {
	// AgencyID is the subtree's root (0: the actor's whole scope).
	AgencyID int64         `json:"agency_id"`
	Systems  int           `json:"systems"`
	Approved int           `json:"approved"`
	Total    Counts        `json:"total"`
	Agencies []AgencyScore `json:"agencies"`
	Details  []SystemScore `json:"systems_detail"`
}

// Gap is a requirement of a system that is not (fully) implemented.
type Gap struct {
	SystemID    int64  `json:"system_id"`
	SystemName  string `json:"system_name"`
	AgencyName  string `json:"agency_name"`
	Level       int    `json:"level"`
	Regime      string `json:"regime"`
	Requirement string `json:"requirement"`
	Group       string `json:"group"`
	GroupVI     string `json:"group_vi"`
	GroupEN     string `json:"group_en"`
	TextVI      string `json:"text_vi"`
	TextEN      string `json:"text_en"`
	Status      string `json:"status"`
	groupOrder  int
}

// Scores answers the scores of actor's scope, or of agency agencyID's
// subtree within it (404 when that agency is outside it).
func (s *Service) Scores(ctx context.Context, actor access.Actor, agencyID int64) (Scores, error) {
	if !actor.CanRead() {
		return Scores{}, fmt.Errorf("levels: scores: %w", store.ErrUnauthenticated)
	}
	w, err := s.scope(ctx, actor, agencyID)
	if err != nil {
		return Scores{}, err
	}
	rows, err := s.scopeRows(ctx, w, false)
	if err != nil {
		return Scores{}, err
	}
	return s.scoresOf(rows, agencyID), nil
}

// scoresOf counts the scope's systems, their levels and the summaries'
// statuses of those with an approved level under a loaded regime, per
// system, per agency and in total.
func (s *Service) scoresOf(rows []scopeRow, agencyID int64) Scores {
	out := Scores{AgencyID: agencyID, Agencies: []AgencyScore{}, Details: make([]SystemScore, 0, len(rows))}
	agencies := map[int64]int{}
	for _, row := range rows {
		sc := row.SystemScore
		i, ok := agencies[sc.AgencyID]
		if !ok {
			i = len(out.Agencies)
			agencies[sc.AgencyID] = i
			out.Agencies = append(out.Agencies, AgencyScore{AgencyID: sc.AgencyID, Code: row.AgencyCode, Name: sc.AgencyName})
		}
		out.Agencies[i].Systems++
		out.Systems++
		r, ok := s.lib.Regime(sc.Regime)
		if !ok || sc.Level == 0 {
			sc.Regime, sc.Level = "", 0
			out.Details = append(out.Details, sc)
			continue
		}
		out.Agencies[i].Approved++
		out.Approved++
		m := row.sum
		sc.Applicable = r.RequirementCount(sc.Level)
		sc.Implemented, sc.Partial, sc.NotImplemented, sc.NotApplicable = m.Implemented, m.Partial, m.NotImplemented, m.NotApplicable
		sc.NotAssessed = sc.Applicable - sc.Implemented - sc.Partial - sc.NotImplemented - sc.NotApplicable
		sc.score()
		out.Agencies[i].plus(sc.Counts)
		out.Total.plus(sc.Counts)
		out.Details = append(out.Details, sc)
	}
	for i := range out.Agencies {
		out.Agencies[i].score()
	}
	out.Total.score()
	return out
}

// statusJoin joins, from requirement_statuses r, the system (s) and its
// approved level (l), keeping the statuses of the requirements that
// apply at that level under that regime.
const statusJoin = ` JOIN systems s ON s.id = r.system_id
	JOIN system_levels l ON l.system_id = r.system_id AND l.approved_regime = r.regime AND r.from_level <= l.approved_level `

// scope is the condition of actor's live systems, within agency
// agencyID's subtree when it is not 0.
func (s *Service) scope(ctx context.Context, actor access.Actor, agencyID int64) (store.Where, error) {
	var w store.Where
	w.Add("s.archived_at = ''")
	w.Cond(actor.PathFilter(store.ScopePath))
	if agencyID != 0 {
		path, err := s.agencyPath(ctx, actor, agencyID)
		if err != nil {
			return w, err
		}
		w.Cond(access.SubtreeCondition(store.ScopePath, path))
	}
	return w, nil
}

// Gaps lists the requirements not or partly implemented in actor's scope
// (or agency agencyID's subtree), highest level first, then by group in
// the catalogue's order, system and requirement.
func (s *Service) Gaps(ctx context.Context, actor access.Actor, agencyID int64) ([]Gap, error) {
	if !actor.CanRead() {
		return nil, fmt.Errorf("levels: gaps: %w", store.ErrUnauthenticated)
	}
	w, err := s.scope(ctx, actor, agencyID)
	if err != nil {
		return nil, err
	}
	w.Add("r.status IN ('partial', 'not_implemented')")
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT r.system_id, s.name, a.name, l.approved_level, r.regime, r.requirement, r.status
		FROM requirement_statuses r`+statusJoin+`JOIN agencies a ON a.id = s.agency_id WHERE `+w.SQL()+` LIMIT 20000`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("levels: gaps: %w", err)
	}
	defer rows.Close()
	gaps := []Gap{}
	for rows.Next() {
		var g Gap
		if err := rows.Scan(&g.SystemID, &g.SystemName, &g.AgencyName, &g.Level, &g.Regime, &g.Requirement, &g.Status); err != nil {
			return nil, err
		}
		s.describeGap(&g)
		gaps = append(gaps, g)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(gaps, func(i, j int) bool {
		a, b := gaps[i], gaps[j]
		switch {
		case a.Level != b.Level:
			return a.Level > b.Level
		case a.groupOrder != b.groupOrder:
			return a.groupOrder < b.groupOrder
		case a.SystemName != b.SystemName:
			return a.SystemName < b.SystemName
		}
		return a.Requirement < b.Requirement
	})
	return gaps, nil
}

// describeGap fills a gap's texts and group from its regime's catalogue.
func (s *Service) describeGap(g *Gap) {
	r, ok := s.lib.Regime(g.Regime)
	if !ok {
		return
	}
	for _, it := range r.Catalogue.Items {
		if it.ID == g.Requirement {
			g.Group, g.TextVI, g.TextEN = it.Group, it.VI, it.EN
			break
		}
	}
	for i, grp := range r.Catalogue.Groups {
		if grp.ID == g.Group {
			g.GroupVI, g.GroupEN, g.groupOrder = grp.VI, grp.EN, i
			break
		}
	}
}
