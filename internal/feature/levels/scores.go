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
	gaps     []Gap
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
	var w store.Where
	w.Add("s.archived_at = ''")
	w.Cond(actor.PathFilter(store.ScopePath))
	if agencyID != 0 {
		path, err := s.agencyPath(ctx, actor, agencyID)
		if err != nil {
			return Scores{}, err
		}
		w.Cond(access.SubtreeCondition(store.ScopePath, path))
	}
	out := Scores{AgencyID: agencyID, Agencies: []AgencyScore{}, Details: []SystemScore{}}
	byID, err := s.scoredSystems(ctx, w, &out)
	if err != nil {
		return Scores{}, err
	}
	if err := s.scoreStatuses(ctx, w, byID, &out); err != nil {
		return Scores{}, err
	}
	return out, nil
}

// scoredSystems reads the live systems of the scope with their levels.
func (s *Service) scoredSystems(ctx context.Context, w store.Where, out *Scores) (map[int64]*SystemScore, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT s.id, s.name, a.id, a.code, a.name, COALESCE(l.approved_regime, ''), COALESCE(l.approved_level, 0), COALESCE(l.proposed_level, 0)
		FROM systems s JOIN agencies a ON a.id = s.agency_id LEFT JOIN system_levels l ON l.system_id = s.id
		WHERE `+w.SQL()+` ORDER BY a.code, s.name, s.id`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("levels: scores: %w", err)
	}
	defer rows.Close()
	agencies := map[int64]int{}
	for rows.Next() {
		var sc SystemScore
		var code string
		if err := rows.Scan(&sc.SystemID, &sc.Name, &sc.AgencyID, &code, &sc.AgencyName, &sc.Regime, &sc.Level, &sc.ProposedLevel); err != nil {
			return nil, err
		}
		i, ok := agencies[sc.AgencyID]
		if !ok {
			i = len(out.Agencies)
			agencies[sc.AgencyID] = i
			out.Agencies = append(out.Agencies, AgencyScore{AgencyID: sc.AgencyID, Code: code, Name: sc.AgencyName})
		}
		out.Agencies[i].Systems++
		out.Systems++
		if r, ok := s.lib.Regime(sc.Regime); ok && sc.Level > 0 {
			out.Agencies[i].Approved++
			out.Approved++
			sc.Applicable = len(r.Requirements(sc.Level))
		} else {
			sc.Regime, sc.Level = "", 0
		}
		out.Details = append(out.Details, sc)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	byID := map[int64]*SystemScore{}
	for i := range out.Details {
		byID[out.Details[i].SystemID] = &out.Details[i]
	}
	return byID, nil
}

// scoreStatuses counts the recorded statuses of the requirements that
// apply at each system's approved level, pools them per agency and in
// total, and collects the gaps.
func (s *Service) scoreStatuses(ctx context.Context, w store.Where, byID map[int64]*SystemScore, out *Scores) error {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT r.system_id, r.requirement, r.status FROM requirement_statuses r
		JOIN systems s ON s.id = r.system_id JOIN system_levels l ON l.system_id = r.system_id AND l.approved_regime = r.regime
		WHERE `+w.SQL(), w.Args()...)
	if err != nil {
		return fmt.Errorf("levels: scores: %w", err)
	}
	defer rows.Close()
	catalogues := map[string]map[string]Requirement{}
	groupIndex := map[string]int{}
	var sysID int64
	var req, status string
	for rows.Next() {
		if err := rows.Scan(&sysID, &req, &status); err != nil {
			return err
		}
		sc := byID[sysID]
		if sc == nil || sc.Level == 0 {
			continue
		}
		key := fmt.Sprintf("%s/%d", sc.Regime, sc.Level)
		cat, ok := catalogues[key]
		if !ok {
			r, _ := s.lib.Regime(sc.Regime)
			cat = map[string]Requirement{}
			for _, it := range r.Requirements(sc.Level) {
				cat[it.ID] = it
			}
			for i, g := range r.Catalogue.Groups {
				groupIndex[sc.Regime+"/"+g.ID] = i
			}
			catalogues[key] = cat
		}
		it, ok := cat[req]
		if !ok {
			continue
		}
		sc.Applicable-- // counted again by add
		sc.add(status)
		if status == Partial || status == NotImplemented {
			out.gaps = append(out.gaps, Gap{SystemID: sc.SystemID, SystemName: sc.Name, AgencyName: sc.AgencyName, Level: sc.Level, Regime: sc.Regime,
				Requirement: it.ID, Group: it.Group, TextVI: it.VI, TextEN: it.EN, Status: status, groupOrder: groupIndex[sc.Regime+"/"+it.Group]})
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	index := map[int64]int{}
	for i, a := range out.Agencies {
		index[a.AgencyID] = i
	}
	for i := range out.Details {
		sc := &out.Details[i]
		if sc.Level == 0 {
			continue
		}
		sc.NotAssessed = sc.Applicable - sc.Implemented - sc.Partial - sc.NotImplemented - sc.NotApplicable
		sc.score()
		out.Agencies[index[sc.AgencyID]].plus(sc.Counts)
		out.Total.plus(sc.Counts)
	}
	for i := range out.Agencies {
		out.Agencies[i].score()
	}
	out.Total.score()
	return nil
}

// Gaps lists the requirements not or partly implemented in actor's scope
// (or agency agencyID's subtree), highest level first, then by group in
// the catalogue's order, system and requirement.
func (s *Service) Gaps(ctx context.Context, actor access.Actor, agencyID int64) ([]Gap, error) {
	sc, err := s.Scores(ctx, actor, agencyID)
	if err != nil {
		return nil, err
	}
	gaps := sc.gaps
	for i := range gaps {
		if r, ok := s.lib.Regime(gaps[i].Regime); ok {
			for _, g := range r.Catalogue.Groups {
				if g.ID == gaps[i].Group {
					gaps[i].GroupVI, gaps[i].GroupEN = g.VI, g.EN
				}
			}
		}
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
	if gaps == nil {
		gaps = []Gap{}
	}
	return gaps, nil
}
