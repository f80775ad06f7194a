package levels

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
)

// RegimeSummary is a regime as GET /api/v1/regimes lists it.
type RegimeSummary struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	NameEN  string `json:"name_en"`
	Version string `json:"version"`
	InForce string `json:"in_force"`
	// CountedAs says how the catalogue is counted: line_items or groups.
	CountedAs string `json:"counted_as"`
	// RequirementsPerLevel counts the requirement line items of each
	// level ("1" to "5"), as the reference's table counts them.
	RequirementsPerLevel map[string]int `json:"requirements_per_level"`
	// GroupsPerLevel counts the requirement groups of each level, for
	// regimes organised in groups.
	GroupsPerLevel map[string]int `json:"groups_per_level,omitempty"`
	// Answers are the questionnaire answers the regime's criteria need.
	Answers []string `json:"answers"`
}

// Regimes lists the regimes Khiên knows.
func (s *Service) Regimes(_ context.Context, actor access.Actor) ([]RegimeSummary, error) {
	if !actor.CanRead() {
		return nil, fmt.Errorf("levels: regimes: %w", store.ErrUnauthenticated)
	}
	var out []RegimeSummary
	for _, r := range s.lib.Regimes() {
		out = append(out, summarise(r))
	}
	return out, nil
}

// Regime returns the whole data of regime id.
func (s *Service) Regime(_ context.Context, actor access.Actor, id string) (*Regime, error) {
	if !actor.CanRead() {
		return nil, fmt.Errorf("levels: regime: %w", store.ErrUnauthenticated)
	}
	r, ok := s.lib.Regime(id)
	if !ok {
		return nil, fmt.Errorf("levels: regime %q: %w", id, store.ErrNotFound)
	}
	return r, nil
}

func summarise(r *Regime) RegimeSummary {
	perLevel := func(n [5]int) map[string]int {
		m := map[string]int{}
		for i, v := range n {
			m[strconv.Itoa(i+1)] = v
		}
		return m
	}
	out := RegimeSummary{ID: r.ID, Name: r.Name.VI, NameEN: r.Name.EN, Version: r.Version, InForce: r.InForce,
		CountedAs: r.Catalogue.CountedAs, RequirementsPerLevel: perLevel(r.RequirementsPerLevel()), Answers: r.Fields()}
	if g, ok := r.GroupsPerLevel(); ok {
		out.GroupsPerLevel = perLevel(g)
	}
	return out
}

// Proposal is a recorded level proposal.
type Proposal struct {
	ID       int64 `json:"id"`
	SystemID int64 `json:"system_id"`
	Result
	ProposedBy string `json:"proposed_by"`
	CreatedAt  string `json:"created_at"`
}

// Propose evaluates the questionnaire in for system systemID and records
// the proposal and the system's proposed level under its regime, audited.
// Agency officers (their own systems) and admins may propose.
func (s *Service) Propose(ctx context.Context, actor access.Actor, systemID int64, in Input) (Proposal, error) {
	if _, err := s.writable(ctx, actor, systemID); err != nil {
		return Proposal{}, err
	}
	res, err := s.lib.Evaluate(in)
	if err != nil {
		return Proposal{}, err
	}
	answers, err := json.Marshal(in)
	if err != nil {
		return Proposal{}, err
	}
	reasons, err := json.Marshal(res.Reasons)
	if err != nil {
		return Proposal{}, err
	}
	p := Proposal{SystemID: systemID, Result: res, ProposedBy: actor.Username, CreatedAt: store.Now()}
	err = s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := s.writable(ctx, actor, systemID); err != nil { // archived meanwhile?
			return err
		}
		before, err := s.current(ctx, tx, systemID)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO level_proposals (system_id, regime, regime_version, level, implied_level, answers_json, reasons_json, proposed_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			systemID, res.Regime, res.RegimeVersion, res.Level, res.ImpliedLevel, string(answers), string(reasons), actor.Username, p.CreatedAt).Scan(&p.ID); err != nil {
			return fmt.Errorf("levels: record proposal for system %d: %w", systemID, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO system_levels (system_id, regime, proposed_level, proposal_id, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (system_id) DO UPDATE SET regime = excluded.regime, proposed_level = excluded.proposed_level,
				proposal_id = excluded.proposal_id, updated_at = excluded.updated_at`,
			systemID, res.Regime, res.Level, p.ID, p.CreatedAt); err != nil {
			return fmt.Errorf("levels: level of system %d: %w", systemID, err)
		}
		criteria := make([]string, len(res.Reasons))
		for i, r := range res.Reasons {
			criteria[i] = r.Criterion
		}
		return s.audit.Record(ctx, actor, "level.propose", "system", systemID, before, map[string]any{
			"proposal_id": p.ID, "regime": res.Regime, "regime_version": res.RegimeVersion,
			"level": res.Level, "implied_level": res.ImpliedLevel, "criteria": criteria})
	})
	if err != nil {
		return Proposal{}, err
	}
	return p, nil
}

// SystemLevel is a system's current level: the regime and level last
// proposed, and the approved ones (nil until a dossier is approved).
type SystemLevel struct {
	SystemID       int64     `json:"system_id"`
	Regime         string    `json:"regime"`
	ProposedLevel  int       `json:"proposed_level"`
	Proposal       *Proposal `json:"proposal"`
	ApprovedLevel  *int      `json:"approved_level"`
	ApprovedRegime string    `json:"approved_regime"`
	ApprovedAt     string    `json:"approved_at"`
	UpdatedAt      string    `json:"updated_at"`
}

// Level returns system systemID's level record (404 when the system is
// outside actor's scope or has no proposal yet).
func (s *Service) Level(ctx context.Context, actor access.Actor, systemID int64) (SystemLevel, error) {
	if _, err := s.system(ctx, actor, systemID); err != nil {
		return SystemLevel{}, err
	}
	var l SystemLevel
	var approved sql.NullInt64
	var proposalID int64
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT system_id, regime, proposed_level, proposal_id, approved_level, approved_regime, approved_at, updated_at
		FROM system_levels WHERE system_id = $1`, systemID).Scan(&l.SystemID, &l.Regime, &l.ProposedLevel, &proposalID, &approved, &l.ApprovedRegime, &l.ApprovedAt, &l.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return SystemLevel{}, fmt.Errorf("levels: system %d has no level proposal yet: %w", systemID, store.ErrNotFound)
	}
	if err != nil {
		return SystemLevel{}, fmt.Errorf("levels: level of system %d: %w", systemID, err)
	}
	if approved.Valid {
		n := int(approved.Int64)
		l.ApprovedLevel = &n
	}
	p, err := s.proposal(ctx, proposalID)
	if err != nil {
		return SystemLevel{}, err
	}
	l.Proposal = &p
	return l, nil
}

// proposal reads one recorded proposal.
func (s *Service) proposal(ctx context.Context, id int64) (Proposal, error) {
	return s.proposalIn(ctx, s.db.Q(ctx), id)
}

// current is a system's level row for the audit's "before" (nil: none).
func (s *Service) current(ctx context.Context, q store.Querier, systemID int64) (map[string]any, error) {
	var regime string
	var level int
	var proposal int64
	err := q.QueryRowContext(ctx, `SELECT regime, proposed_level, proposal_id FROM system_levels WHERE system_id = $1`, systemID).Scan(&regime, &level, &proposal)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("levels: level of system %d: %w", systemID, err)
	}
	return map[string]any{"regime": regime, "level": level, "proposal_id": proposal}, nil
}

// PreviewLevel evaluates the questionnaire in for system systemID without
// recording anything (the questionnaire page's "see the level"): the
// same rules and errors as Propose, for anyone who may read the system.
func (s *Service) PreviewLevel(ctx context.Context, actor access.Actor, systemID int64, in Input) (Result, error) {
	if _, err := s.system(ctx, actor, systemID); err != nil {
		return Result{}, err
	}
	return s.lib.Evaluate(in)
}

// LastInput returns the answers of system systemID's last proposal (an
// empty Input when it has none), to start the questionnaire from.
func (s *Service) LastInput(ctx context.Context, actor access.Actor, systemID int64) (Input, error) {
	if _, err := s.system(ctx, actor, systemID); err != nil {
		return Input{}, err
	}
	var body string
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT answers_json FROM level_proposals WHERE system_id = $1 ORDER BY id DESC LIMIT 1`, systemID).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return Input{}, nil
	}
	if err != nil {
		return Input{}, fmt.Errorf("levels: last proposal of system %d: %w", systemID, err)
	}
	var in Input
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		return Input{}, fmt.Errorf("levels: last proposal of system %d: %w", systemID, err)
	}
	return in, nil
}
