package levels

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// The risk register: per system, risks with their threat and
// vulnerability, likelihood and impact on 1–5 scales (the scales'
// names are data, scales/risk.yaml), score = likelihood × impact, a
// treatment, an owner, a due date and a status. Accepting a risk is a
// decision with an expiry date, after which it must be reviewed.

//go:embed scales/risk.yaml
var riskScalesYAML []byte

// ScaleStep is one value of a scale and its names.
type ScaleStep struct {
	Value int    `yaml:"value" json:"value"`
	VI    string `yaml:"vi" json:"vi"`
	EN    string `yaml:"en" json:"en"`
}

// Band is a range of scores and its rating.
type Band struct {
	ID   string `yaml:"id" json:"id"`
	From int    `yaml:"from" json:"from"`
	VI   string `yaml:"vi" json:"vi"`
	EN   string `yaml:"en" json:"en"`
}

// RiskScales are the likelihood and impact scales and the score bands.
type RiskScales struct {
	Likelihood []ScaleStep `yaml:"likelihood" json:"likelihood"`
	Impact     []ScaleStep `yaml:"impact" json:"impact"`
	Bands      []Band      `yaml:"bands" json:"bands"`
}

// LoadRiskScales reads the scales file: five steps each, 1 to 5, and
// bands from 1 upwards.
func LoadRiskScales(data []byte) (RiskScales, error) {
	var s RiskScales
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return s, fmt.Errorf("levels: risk scales: %w", err)
	}
	for _, sc := range [][]ScaleStep{s.Likelihood, s.Impact} {
		if len(sc) != 5 {
			return s, fmt.Errorf("levels: risk scales: a scale has %d steps, want 5", len(sc))
		}
		for i, st := range sc {
			if st.Value != i+1 || st.VI == "" || st.EN == "" {
				return s, fmt.Errorf("levels: risk scales: step %d must be value %d with both names", i+1, i+1)
			}
		}
	}
	if len(s.Bands) == 0 || s.Bands[0].From != 1 {
		return s, errors.New("levels: risk scales: the bands must start at 1")
	}
	for i := 1; i < len(s.Bands); i++ {
		if s.Bands[i].From <= s.Bands[i-1].From {
			return s, errors.New("levels: risk scales: the bands must rise")
		}
	}
	return s, nil
}

// Band returns the rating of score.
func (s RiskScales) Band(score int) Band {
	out := s.Bands[0]
	for _, b := range s.Bands {
		if score >= b.From {
			out = b
		}
	}
	return out
}

// Risk treatments and statuses.
var (
	Treatments   = []string{"accept", "mitigate", "transfer", "avoid"}
	RiskStatuses = []string{"open", "in_progress", "closed"}
)

// RiskInput is a risk as it is recorded or changed.
type RiskInput struct {
	Title         string `json:"title"`
	Threat        string `json:"threat"`
	Vulnerability string `json:"vulnerability"`
	Likelihood    int    `json:"likelihood"`
	Impact        int    `json:"impact"`
	Treatment     string `json:"treatment"`
	Owner         string `json:"owner"`
	DueOn         string `json:"due_on"`
	Status        string `json:"status"`
	// AcceptedUntil is the expiry of the acceptance: required when the
	// treatment is accept, refused otherwise.
	AcceptedUntil string `json:"accepted_until"`
}

// Risk is a risk of the register.
type Risk struct {
	ID         int64  `json:"id"`
	SystemID   int64  `json:"system_id"`
	SystemName string `json:"system_name"`
	RiskInput
	Score             int    `json:"score"`
	Rating            Band   `json:"rating"`
	AcceptedBy        string `json:"accepted_by,omitempty"`
	AcceptanceExpired bool   `json:"acceptance_expired"`
	Overdue           bool   `json:"overdue"`
	CreatedBy         string `json:"created_by"`
	CreatedAt         string `json:"created_at"`
	UpdatedAt         string `json:"updated_at"`
}

// Scales returns the risk scales.
func (s *Service) Scales() RiskScales { return s.scales }

func checkRisk(in RiskInput, now time.Time) error {
	var e valid.Errors
	e.Text("title", in.Title, true, 200, false)
	e.Text("threat", in.Threat, true, 2000, true)
	e.Text("vulnerability", in.Vulnerability, true, 2000, true)
	e.Text("owner", in.Owner, false, 200, false)
	for _, f := range []struct {
		name string
		v    int
	}{{"likelihood", in.Likelihood}, {"impact", in.Impact}} {
		if f.v < 1 || f.v > 5 {
			e.Add(f.name, "must be 1 to 5", "phải từ 1 đến 5")
		}
	}
	e.OneOf("treatment", in.Treatment, true, Treatments...)
	e.OneOf("status", in.Status, true, RiskStatuses...)
	if _, err := time.Parse(time.DateOnly, in.DueOn); in.DueOn != "" && err != nil {
		e.Add("due_on", "is not a date (YYYY-MM-DD)", "không phải ngày (YYYY-MM-DD)")
	}
	switch {
	case in.Treatment == "accept" && in.AcceptedUntil == "":
		e.Add("accepted_until", "accepting a risk needs the date the acceptance expires", "chấp nhận rủi ro cần ngày hết hiệu lực của việc chấp nhận")
	case in.Treatment != "accept" && in.AcceptedUntil != "":
		e.Add("accepted_until", "only an accepted risk has an acceptance", "chỉ rủi ro được chấp nhận mới có thời hạn chấp nhận")
	case in.AcceptedUntil != "":
		if d, err := time.Parse(time.DateOnly, in.AcceptedUntil); err != nil {
			e.Add("accepted_until", "is not a date (YYYY-MM-DD)", "không phải ngày (YYYY-MM-DD)")
		} else if !d.After(now) || d.After(now.AddDate(3, 0, 0)) {
			e.Add("accepted_until", "must lie within the next three years", "phải nằm trong ba năm tới")
		}
	}
	return e.Err()
}

const riskColumns = `r.id, r.system_id, s.name, r.title, r.threat, r.vulnerability, r.likelihood, r.impact, r.treatment, r.owner, r.due_on, r.status,
	r.accepted_by, r.accepted_until, r.created_by, r.created_at, r.updated_at`

func (s *Service) scanRisk(row interface{ Scan(...any) error }) (Risk, error) {
	var r Risk
	err := row.Scan(&r.ID, &r.SystemID, &r.SystemName, &r.Title, &r.Threat, &r.Vulnerability, &r.Likelihood, &r.Impact, &r.Treatment, &r.Owner, &r.DueOn, &r.Status,
		&r.AcceptedBy, &r.AcceptedUntil, &r.CreatedBy, &r.CreatedAt, &r.UpdatedAt)
	if err != nil {
		return r, err
	}
	s.riskFlags(&r)
	return r, nil
}

func (s *Service) riskFlags(r *Risk) {
	now := today(s.clock())
	r.Score = r.Likelihood * r.Impact
	r.Rating = s.scales.Band(r.Score)
	r.AcceptanceExpired = r.Treatment == "accept" && r.Status != "closed" && r.AcceptedUntil != "" && r.AcceptedUntil < now
	r.Overdue = r.Status != "closed" && r.DueOn != "" && r.DueOn < now
}

// CreateRisk records a risk of system systemID (officers of its agency,
// analysts, admins), audited.
func (s *Service) CreateRisk(ctx context.Context, actor access.Actor, systemID int64, in RiskInput) (Risk, error) {
	var id int64
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := s.riskWritable(ctx, actor, systemID); err != nil {
			return err
		}
		now := s.clock()
		if err := checkRisk(in, now); err != nil {
			return err
		}
		acceptedBy := ""
		if in.Treatment == "accept" {
			acceptedBy = actor.Username
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO risks (system_id, title, threat, vulnerability, likelihood, impact, treatment, owner, due_on, status, accepted_by, accepted_until, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id`,
			systemID, strings.TrimSpace(in.Title), strings.TrimSpace(in.Threat), strings.TrimSpace(in.Vulnerability), in.Likelihood, in.Impact, in.Treatment,
			strings.TrimSpace(in.Owner), in.DueOn, in.Status, acceptedBy, in.AcceptedUntil, actor.Username, store.FormatTime(now)).Scan(&id); err != nil {
			return fmt.Errorf("levels: risk of system %d: %w", systemID, err)
		}
		return s.audit.Record(ctx, actor, "risk.create", "risk", id, nil, map[string]any{"system_id": systemID, "risk": in, "score": in.Likelihood * in.Impact})
	})
	if err != nil {
		return Risk{}, err
	}
	return s.Risk(ctx, actor, id)
}

// riskWritable checks actor may change the risks of system systemID.
func (s *Service) riskWritable(ctx context.Context, actor access.Actor, systemID int64) error {
	sys, err := s.system(ctx, actor, systemID)
	if err != nil {
		return err
	}
	if !actor.CanWriteRegistry() && !actor.CanWriteSecurity() {
		return fmt.Errorf("levels: %s may not change risks: %w", actor.Role, store.ErrForbidden)
	}
	if sys.Archived {
		return conflict("id", "the system is archived and read-only", "hệ thống đã được lưu trữ, chỉ được xem")
	}
	return nil
}

// UpdateRisk replaces risk id's fields, audited; a renewed acceptance is
// recorded as actor's.
func (s *Service) UpdateRisk(ctx context.Context, actor access.Actor, id int64, in RiskInput) (Risk, error) {
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		before, err := s.Risk(ctx, actor, id)
		if err != nil {
			return err
		}
		if err := s.riskWritable(ctx, actor, before.SystemID); err != nil {
			return err
		}
		now := s.clock()
		if err := checkRisk(in, now); err != nil {
			return err
		}
		acceptedBy := before.AcceptedBy
		if in.Treatment != "accept" {
			acceptedBy = ""
		} else if before.Treatment != "accept" || before.AcceptedUntil != in.AcceptedUntil {
			acceptedBy = actor.Username
		}
		if _, err := tx.ExecContext(ctx, `UPDATE risks SET title = $1, threat = $2, vulnerability = $3, likelihood = $4, impact = $5, treatment = $6, owner = $7,
			due_on = $8, status = $9, accepted_by = $10, accepted_until = $11, updated_at = $12 WHERE id = $13`,
			strings.TrimSpace(in.Title), strings.TrimSpace(in.Threat), strings.TrimSpace(in.Vulnerability), in.Likelihood, in.Impact, in.Treatment,
			strings.TrimSpace(in.Owner), in.DueOn, in.Status, acceptedBy, in.AcceptedUntil, store.FormatTime(now), id); err != nil {
			return fmt.Errorf("levels: update risk %d: %w", id, err)
		}
		return s.audit.Record(ctx, actor, "risk.update", "risk", id, before.RiskInput, in)
	})
	if err != nil {
		return Risk{}, err
	}
	return s.Risk(ctx, actor, id)
}

// Risk returns risk id if its system lies in actor's scope.
func (s *Service) Risk(ctx context.Context, actor access.Actor, id int64) (Risk, error) {
	var w store.Where
	w.Add("r.id = ?", id)
	w.Cond(actor.PathFilter(store.ScopePath))
	r, err := s.scanRisk(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+riskColumns+` FROM risks r JOIN systems s ON s.id = r.system_id WHERE `+w.SQL(), w.Args()...))
	if errors.Is(err, sql.ErrNoRows) {
		return Risk{}, fmt.Errorf("levels: risk %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return Risk{}, fmt.Errorf("levels: risk %d: %w", id, err)
	}
	return r, nil
}

// RiskFilter narrows the register.
type RiskFilter struct {
	SystemID int64
	AgencyID int64
	Status   string
	// Open keeps the risks not closed.
	Open bool
}

// Risks lists the risks in actor's scope, highest score first.
func (s *Service) Risks(ctx context.Context, actor access.Actor, f RiskFilter) ([]Risk, error) {
	w, err := s.riskWhere(ctx, actor, f)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+riskColumns+` FROM risks r JOIN systems s ON s.id = r.system_id WHERE `+w.SQL()+
		` ORDER BY r.likelihood * r.impact DESC, r.id LIMIT 5000`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("levels: risks: %w", err)
	}
	defer rows.Close()
	out := []Risk{}
	for rows.Next() {
		r, err := s.scanRisk(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// riskWhere is the condition of the risks f selects in actor's scope
// (aliases r: risks, s: systems).
func (s *Service) riskWhere(ctx context.Context, actor access.Actor, f RiskFilter) (store.Where, error) {
	var w store.Where
	if !actor.CanRead() {
		return w, fmt.Errorf("levels: risks: %w", store.ErrUnauthenticated)
	}
	w.Cond(actor.PathFilter(store.ScopePath))
	if f.SystemID != 0 {
		if _, err := s.system(ctx, actor, f.SystemID); err != nil {
			return w, err
		}
		w.Add("r.system_id = ?", f.SystemID)
	}
	if f.AgencyID != 0 {
		path, err := s.agencyPath(ctx, actor, f.AgencyID)
		if err != nil {
			return w, err
		}
		w.Cond(access.SubtreeCondition(store.ScopePath, path))
	}
	if f.Status != "" {
		w.Add("r.status = ?", f.Status)
	}
	if f.Open {
		w.Add("r.status <> 'closed'")
	}
	return w, nil
}

// agencyPath returns agency id's path if it lies in actor's scope.
func (s *Service) agencyPath(ctx context.Context, actor access.Actor, id int64) (string, error) {
	var path string
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT path FROM agencies WHERE id = $1`, id).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !actor.InScope(path)) {
		return "", fmt.Errorf("levels: agency %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("levels: agency %d: %w", id, err)
	}
	return path, nil
}

// HeatMap counts open risks by likelihood and impact: Cells[l-1][i-1].
type HeatMap struct {
	Cells [5][5]int `json:"cells"`
	Total int       `json:"total"`
}

// RiskHeatMap counts the open (not closed) risks of the filter's scope.
func (s *Service) RiskHeatMap(ctx context.Context, actor access.Actor, f RiskFilter) (HeatMap, error) {
	f.Open = true
	w, err := s.riskWhere(ctx, actor, f)
	if err != nil {
		return HeatMap{}, err
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT r.likelihood, r.impact, COUNT(*) FROM risks r JOIN systems s ON s.id = r.system_id WHERE `+w.SQL()+
		` GROUP BY r.likelihood, r.impact`, w.Args()...)
	if err != nil {
		return HeatMap{}, fmt.Errorf("levels: risk heat map: %w", err)
	}
	defer rows.Close()
	var h HeatMap
	for rows.Next() {
		var l, i, n int
		if err := rows.Scan(&l, &i, &n); err != nil {
			return HeatMap{}, err
		}
		if l >= 1 && l <= 5 && i >= 1 && i <= 5 {
			h.Cells[l-1][i-1] += n
			h.Total += n
		}
	}
	return h, rows.Err()
}
