package levels

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// An assessment records, for a system with an approved level, how each
// requirement of its regime's catalogue at that level is met. The score
// counts implemented as 1 and partial as ½ over the applicable
// requirements (not_applicable ones are left out; not yet assessed ones
// count as not implemented), in percent.

// Requirement statuses.
const (
	Implemented    = "implemented"
	Partial        = "partial"
	NotImplemented = "not_implemented"
	NotApplicable  = "not_applicable"
)

// Counts are the statuses of a set of requirements.
type Counts struct {
	Applicable     int     `json:"applicable"`
	Implemented    int     `json:"implemented"`
	Partial        int     `json:"partial"`
	NotImplemented int     `json:"not_implemented"`
	NotApplicable  int     `json:"not_applicable"`
	NotAssessed    int     `json:"not_assessed"`
	Score          float64 `json:"score"`
}

func (c *Counts) add(status string) {
	c.Applicable++
	switch status {
	case Implemented:
		c.Implemented++
	case Partial:
		c.Partial++
	case NotImplemented:
		c.NotImplemented++
	case NotApplicable:
		c.NotApplicable++
	default:
		c.NotAssessed++
	}
}

func (c *Counts) plus(o Counts) {
	c.Applicable += o.Applicable
	c.Implemented += o.Implemented
	c.Partial += o.Partial
	c.NotImplemented += o.NotImplemented
	c.NotApplicable += o.NotApplicable
	c.NotAssessed += o.NotAssessed
}

// score sets Score: 0–100, one decimal; 0 when nothing is counted, 100
// when every requirement is not applicable.
func (c *Counts) score() {
	base := c.Applicable - c.NotApplicable
	if c.Applicable == 0 {
		c.Score = 0
		return
	}
	if base <= 0 {
		c.Score = 100
		return
	}
	c.Score = math.Round((float64(c.Implemented)+0.5*float64(c.Partial))/float64(base)*1000) / 10
}

// RequirementStatus is one requirement of a system's assessment.
type RequirementStatus struct {
	Requirement
	Status        string `json:"status"`
	Justification string `json:"justification,omitempty"`
	Evidence      string `json:"evidence,omitempty"`
	Assessor      string `json:"assessor,omitempty"`
	AssessedOn    string `json:"assessed_on,omitempty"`
}

// GroupScore is a requirement group's counts and score.
type GroupScore struct {
	ID string `json:"id"`
	VI string `json:"vi"`
	EN string `json:"en"`
	Counts
}

// Assessment is a system's assessment at its approved level.
type Assessment struct {
	SystemID     int64               `json:"system_id"`
	Regime       string              `json:"regime"`
	Level        int                 `json:"level"`
	Counts                           // the system's
	Groups       []GroupScore        `json:"groups"`
	Requirements []RequirementStatus `json:"requirements"`
}

// approved returns a system's approved regime and level (409 when it has
// none yet).
func (s *Service) approved(ctx context.Context, q store.Querier, systemID int64) (*Regime, int, error) {
	var regime string
	var level sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT approved_regime, approved_level FROM system_levels WHERE system_id = $1`, systemID).Scan(&regime, &level)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, 0, fmt.Errorf("levels: level of system %d: %w", systemID, err)
	}
	if !level.Valid {
		return nil, 0, conflict("system_id", "the system has no approved level yet: its dossier must be approved first",
			"hệ thống chưa có cấp độ được phê duyệt: hồ sơ phải được phê duyệt trước")
	}
	r, ok := s.lib.Regime(regime)
	if !ok {
		return nil, 0, fmt.Errorf("levels: system %d: regime %q is not loaded: %w", systemID, regime, store.ErrConflict)
	}
	return r, int(level.Int64), nil
}

// Assessment returns system systemID's assessment: every requirement of
// its approved level with its status, scores per group and overall.
func (s *Service) Assessment(ctx context.Context, actor access.Actor, systemID int64) (Assessment, error) {
	if _, err := s.system(ctx, actor, systemID); err != nil {
		return Assessment{}, err
	}
	q := s.db.Q(ctx)
	r, level, err := s.approved(ctx, q, systemID)
	if err != nil {
		return Assessment{}, err
	}
	rows, err := q.QueryContext(ctx, `SELECT requirement, status, justification, evidence, assessor, assessed_on FROM requirement_statuses WHERE system_id = $1 AND regime = $2`, systemID, r.ID)
	if err != nil {
		return Assessment{}, fmt.Errorf("levels: assessment of system %d: %w", systemID, err)
	}
	defer rows.Close()
	got := map[string]RequirementStatus{}
	for rows.Next() {
		var st RequirementStatus
		if err := rows.Scan(&st.ID, &st.Status, &st.Justification, &st.Evidence, &st.Assessor, &st.AssessedOn); err != nil {
			return Assessment{}, err
		}
		got[st.ID] = st
	}
	if err := rows.Err(); err != nil {
		return Assessment{}, err
	}
	return assemble(r, level, systemID, got), nil
}

// assemble builds the assessment of the requirements at level from the
// recorded statuses.
func assemble(r *Regime, level int, systemID int64, got map[string]RequirementStatus) Assessment {
	a := Assessment{SystemID: systemID, Regime: r.ID, Level: level, Groups: []GroupScore{}, Requirements: []RequirementStatus{}}
	groups := map[string]*GroupScore{}
	for _, g := range r.Catalogue.Groups {
		groups[g.ID] = &GroupScore{ID: g.ID, VI: g.VI, EN: g.EN}
	}
	var order []string
	for _, req := range r.Requirements(level) {
		st := got[req.ID]
		st.Requirement = req
		a.Requirements = append(a.Requirements, st)
		a.Counts.add(st.Status)
		g := groups[req.Group]
		if g == nil {
			g = &GroupScore{ID: req.Group, VI: req.Group, EN: req.Group}
			groups[req.Group] = g
		}
		if g.Applicable == 0 {
			order = append(order, req.Group)
		}
		g.add(st.Status)
	}
	for _, id := range order {
		g := groups[id]
		g.score()
		a.Groups = append(a.Groups, *g)
	}
	a.Counts.score()
	return a
}

// StatusInput is one requirement's status as the assessor records it.
type StatusInput struct {
	Requirement   string `json:"requirement"`
	Status        string `json:"status"`
	Justification string `json:"justification"`
	Evidence      string `json:"evidence"`
	// AssessedOn is the day of the assessment (YYYY-MM-DD; default today).
	AssessedOn string `json:"assessed_on"`
}

// AssessmentInput is a batch of statuses.
type AssessmentInput struct {
	Items []StatusInput `json:"items"`
}

// Assess records statuses of system systemID's requirements (officers of
// its agency, analysts, admins), all or none, then a snapshot of its
// scores for the history; audited.
func (s *Service) Assess(ctx context.Context, actor access.Actor, systemID int64, in AssessmentInput) (Assessment, error) {
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		sys, err := s.system(ctx, actor, systemID)
		if err != nil {
			return err
		}
		if !actor.CanWriteRegistry() && !actor.CanWriteSecurity() {
			return fmt.Errorf("levels: %s may not assess: %w", actor.Role, store.ErrForbidden)
		}
		if sys.Archived {
			return conflict("id", "the system is archived and read-only", "hệ thống đã được lưu trữ, chỉ được xem")
		}
		r, level, err := s.approved(ctx, tx, systemID)
		if err != nil {
			return err
		}
		now := s.clock()
		if err := checkStatuses(r, level, in, now); err != nil {
			return err
		}
		from := map[string]int{}
		for _, req := range r.Requirements(level) {
			from[req.ID] = req.From
		}
		for _, it := range in.Items {
			on := it.AssessedOn
			if on == "" {
				on = today(now)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO requirement_statuses (system_id, regime, requirement, status, justification, evidence, assessor, assessed_on, updated_at, from_level)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
				ON CONFLICT (system_id, regime, requirement) DO UPDATE SET status = excluded.status, justification = excluded.justification,
					evidence = excluded.evidence, assessor = excluded.assessor, assessed_on = excluded.assessed_on, updated_at = excluded.updated_at`,
				systemID, r.ID, it.Requirement, it.Status, strings.TrimSpace(it.Justification), strings.TrimSpace(it.Evidence), actor.Username, on, store.FormatTime(now), from[it.Requirement]); err != nil {
				return fmt.Errorf("levels: assess system %d: %w", systemID, err)
			}
		}
		if err := s.refreshSummary(ctx, tx, systemID); err != nil {
			return err
		}
		a, err := s.Assessment(ctx, actor, systemID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO assessment_snapshots (system_id, regime, level, applicable, implemented, partial, not_implemented, not_applicable, score, assessor, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			systemID, r.ID, level, a.Applicable, a.Implemented, a.Partial, a.NotImplemented, a.NotApplicable, a.Score, actor.Username, store.FormatTime(now)); err != nil {
			return fmt.Errorf("levels: snapshot of system %d: %w", systemID, err)
		}
		return s.audit.Record(ctx, actor, "assessment.set", "system", systemID, nil, map[string]any{
			"regime": r.ID, "level": level, "items": in.Items, "score": a.Score})
	})
	if err != nil {
		return Assessment{}, err
	}
	return s.Assessment(ctx, actor, systemID)
}

// checkStatuses refuses requirements outside the level, unknown statuses,
// not_applicable without a justification, duplicates and bad dates.
func checkStatuses(r *Regime, level int, in AssessmentInput, now time.Time) error {
	var e valid.Errors
	if len(in.Items) == 0 {
		e.Add("items", "give at least one requirement's status", "cần trạng thái của ít nhất một yêu cầu")
	}
	if len(in.Items) > 1000 {
		e.Add("items", "at most 1000 at once", "tối đa 1000 mục mỗi lần")
	}
	applies := map[string]bool{}
	for _, req := range r.Requirements(level) {
		applies[req.ID] = true
	}
	seen := map[string]bool{}
	for i, it := range in.Items {
		at := fmt.Sprintf("items[%d].", i)
		switch {
		case !applies[it.Requirement]:
			e.Add(at+"requirement", fmt.Sprintf("%q is not a requirement of %s at level %d", it.Requirement, r.ID, level),
				fmt.Sprintf("%q không phải yêu cầu của %s ở cấp độ %d", it.Requirement, r.ID, level))
		case seen[it.Requirement]:
			e.Add(at+"requirement", fmt.Sprintf("%q is given twice", it.Requirement), fmt.Sprintf("%q bị lặp lại", it.Requirement))
		}
		seen[it.Requirement] = true
		e.OneOf(at+"status", it.Status, true, Implemented, Partial, NotImplemented, NotApplicable)
		e.Text(at+"justification", it.Justification, it.Status == NotApplicable, 4000, true)
		e.Text(at+"evidence", it.Evidence, false, 4000, true)
		if it.AssessedOn != "" {
			if d, err := time.Parse(time.DateOnly, it.AssessedOn); err != nil {
				e.Add(at+"assessed_on", "is not a date (YYYY-MM-DD)", "không phải ngày (YYYY-MM-DD)")
			} else if d.After(now) {
				e.Add(at+"assessed_on", "is in the future", "là ngày trong tương lai")
			}
		}
	}
	return e.Err()
}

// Snapshot is a system's scores after one change of its assessment.
type Snapshot struct {
	Regime string `json:"regime"`
	Level  int    `json:"level"`
	Counts
	Assessor string `json:"assessor"`
	At       string `json:"at"`
}

// AssessmentHistory lists system systemID's score snapshots, oldest first.
func (s *Service) AssessmentHistory(ctx context.Context, actor access.Actor, systemID int64) ([]Snapshot, error) {
	if _, err := s.system(ctx, actor, systemID); err != nil {
		return nil, err
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT regime, level, applicable, implemented, partial, not_implemented, not_applicable, score, assessor, at
		FROM assessment_snapshots WHERE system_id = $1 ORDER BY id`, systemID)
	if err != nil {
		return nil, fmt.Errorf("levels: history of system %d: %w", systemID, err)
	}
	defer rows.Close()
	out := []Snapshot{}
	for rows.Next() {
		var sn Snapshot
		if err := rows.Scan(&sn.Regime, &sn.Level, &sn.Applicable, &sn.Implemented, &sn.Partial, &sn.NotImplemented, &sn.NotApplicable, &sn.Score, &sn.Assessor, &sn.At); err != nil {
			return nil, err
		}
		sn.NotAssessed = sn.Applicable - sn.Implemented - sn.Partial - sn.NotImplemented - sn.NotApplicable
		out = append(out, sn)
	}
	return out, rows.Err()
}
