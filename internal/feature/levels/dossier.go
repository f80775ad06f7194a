package levels

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// A level dossier (hồ sơ đề xuất cấp độ) is what an agency submits for its
// system's level to be appraised and approved: the sections its regime
// names, comments, attachments and the steps of its workflow (see
// dossier_flow.go). A system has at most one open dossier at a time.

// Dossier states.
const (
	DossierDraft     = "draft"
	DossierSubmitted = "submitted"
	DossierAppraisal = "under_appraisal"
	DossierApproved  = "approved"
	DossierReturned  = "returned"
)

// DossierSection is one section of a dossier: the regime's title and
// guidance, and the text written for it.
type DossierSection struct {
	ID         string `json:"id"`
	TitleVI    string `json:"title_vi"`
	TitleEN    string `json:"title_en"`
	GuidanceVI string `json:"guidance_vi"`
	GuidanceEN string `json:"guidance_en"`
	Text       string `json:"text"`
}

// DossierStep is one move of the workflow.
type DossierStep struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Actor string `json:"actor"`
	Note  string `json:"note,omitempty"`
	DueOn string `json:"due_on,omitempty"`
	At    string `json:"at"`
}

// Comment is a comment on a dossier.
type Comment struct {
	ID        int64  `json:"id"`
	Author    string `json:"author"`
	Body      string `json:"body"`
	CreatedAt string `json:"created_at"`
}

// Dossier is a level dossier as the API answers it.
type Dossier struct {
	ID         int64  `json:"id"`
	SystemID   int64  `json:"system_id"`
	SystemName string `json:"system_name"`
	AgencyName string `json:"agency_name"`
	Regime     string `json:"regime"`
	Level      int    `json:"level"`
	ProposalID int64  `json:"proposal_id"`
	State      string `json:"state"`
	// DueOn is the current step's deadline (YYYY-MM-DD; "" when the
	// regime gives none); Overdue is true past it.
	DueOn          string           `json:"due_on"`
	Overdue        bool             `json:"overdue"`
	SubmittedAt    string           `json:"submitted_at,omitempty"`
	DecisionNumber string           `json:"decision_number,omitempty"`
	DecisionDate   string           `json:"decision_date,omitempty"`
	Signer         string           `json:"signer,omitempty"`
	Appraiser      Text             `json:"appraiser"`
	Approver       Text             `json:"approver"`
	Sections       []DossierSection `json:"sections"`
	// Next lists the states the caller may move the dossier to now.
	Next        []string      `json:"next"`
	Steps       []DossierStep `json:"steps"`
	Comments    []Comment     `json:"comments"`
	Attachments []Attachment  `json:"attachments"`
	CreatedBy   string        `json:"created_by"`
	CreatedAt   string        `json:"created_at"`
	UpdatedAt   string        `json:"updated_at"`
}

// dossierRow is a dossier's own row with its system's scope.
type dossierRow struct {
	Dossier
	sections map[string]string
	archived bool
}

const dossierColumns = `d.id, d.system_id, s.name, a.name, d.regime, d.level, d.proposal_id, d.state, d.sections_json, d.due_on, d.submitted_at,
	d.decision_number, d.decision_date, d.signer, d.created_by, d.created_at, d.updated_at, s.archived_at`

const dossierFrom = ` FROM level_dossiers d JOIN systems s ON s.id = d.system_id JOIN agencies a ON a.id = s.agency_id `

func scanDossier(r interface{ Scan(...any) error }) (dossierRow, error) {
	var d dossierRow
	var sections, archived string
	err := r.Scan(&d.ID, &d.SystemID, &d.SystemName, &d.AgencyName, &d.Regime, &d.Level, &d.ProposalID, &d.State, &sections, &d.DueOn, &d.SubmittedAt,
		&d.DecisionNumber, &d.DecisionDate, &d.Signer, &d.CreatedBy, &d.CreatedAt, &d.UpdatedAt, &archived)
	if err != nil {
		return d, err
	}
	d.archived = archived != ""
	if err := json.Unmarshal([]byte(sections), &d.sections); err != nil {
		return d, fmt.Errorf("levels: dossier %d: sections: %w", d.ID, err)
	}
	return d, nil
}

// dossier reads dossier id if its system lies in actor's scope (else an
// error wrapping store.ErrNotFound).
func (s *Service) dossier(ctx context.Context, actor access.Actor, id int64) (dossierRow, error) {
	var w store.Where
	w.Add("d.id = ?", id)
	w.Cond(actor.PathFilter(store.ScopePath))
	d, err := scanDossier(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+dossierColumns+dossierFrom+`WHERE `+w.SQL(), w.Args()...))
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("levels: dossier %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("levels: dossier %d: %w", id, err)
	}
	return d, nil
}

// CreateDossier opens a draft dossier for system systemID at its proposed
// level and regime, with the overview and the level rationale pre-filled
// from the registry and the proposal. Agency officers (their systems) and
// admins may; a system needs a level proposal and no other open dossier.
func (s *Service) CreateDossier(ctx context.Context, actor access.Actor, systemID int64) (Dossier, error) {
	var id int64
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := s.writable(ctx, actor, systemID); err != nil {
			return err
		}
		lv, err := s.current(ctx, tx, systemID)
		if err != nil {
			return err
		}
		if lv == nil {
			return conflict("system_id", "the system has no level proposal yet: answer the questionnaire first",
				"hệ thống chưa có đề xuất cấp độ: hãy trả lời bảng câu hỏi trước")
		}
		var open int64
		err = tx.QueryRowContext(ctx, `SELECT id FROM level_dossiers WHERE system_id = $1 AND state <> 'approved'`, systemID).Scan(&open)
		if err == nil {
			return conflict("system_id", fmt.Sprintf("the system already has an open dossier (%d)", open),
				fmt.Sprintf("hệ thống đã có hồ sơ đang xử lý (%d)", open))
		} else if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("levels: open dossier of system %d: %w", systemID, err)
		}
		regime, _ := s.lib.Regime(lv["regime"].(string))
		if regime == nil {
			return fmt.Errorf("levels: system %d: regime %v is not loaded: %w", systemID, lv["regime"], store.ErrConflict)
		}
		sections, err := s.prefill(ctx, tx, regime, systemID, lv["proposal_id"].(int64))
		if err != nil {
			return err
		}
		body, err := json.Marshal(sections)
		if err != nil {
			return err
		}
		now := s.clock()
		if err := tx.QueryRowContext(ctx, `INSERT INTO level_dossiers (system_id, regime, level, proposal_id, state, sections_json, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $7) RETURNING id`,
			systemID, regime.ID, lv["level"], lv["proposal_id"], string(body), actor.Username, store.FormatTime(now)).Scan(&id); err != nil {
			return fmt.Errorf("levels: create dossier for system %d: %w", systemID, err)
		}
		if err := s.step(ctx, tx, id, "", DossierDraft, actor, "", "", now); err != nil {
			return err
		}
		return s.audit.Record(ctx, actor, "dossier.create", "level_dossier", id, nil, map[string]any{
			"system_id": systemID, "regime": regime.ID, "level": lv["level"], "proposal_id": lv["proposal_id"]})
	})
	if err != nil {
		return Dossier{}, err
	}
	return s.Dossier(ctx, actor, id)
}

// prefill writes the overview from the registry and the level rationale
// from the proposal; the other sections start empty.
func (s *Service) prefill(ctx context.Context, q store.Querier, r *Regime, systemID, proposalID int64) (map[string]string, error) {
	var name, agency, purpose, info, audience, hosting, operator string
	if err := q.QueryRowContext(ctx, `SELECT s.name, a.name, s.purpose, s.info_kind, s.audience, s.hosting, s.operator
		FROM systems s JOIN agencies a ON a.id = s.agency_id WHERE s.id = $1`, systemID).Scan(&name, &agency, &purpose, &info, &audience, &hosting, &operator); err != nil {
		return nil, fmt.Errorf("levels: system %d: %w", systemID, err)
	}
	var b strings.Builder
	line := func(label, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s: %s\n", label, v)
		}
	}
	line("Tên hệ thống", name)
	line("Chủ quản", agency)
	line("Mục đích", purpose)
	line("Loại thông tin", info)
	line("Người sử dụng", audience)
	line("Nơi đặt", hosting)
	line("Đơn vị vận hành", operator)
	rows, err := q.QueryContext(ctx, `SELECT kind, value FROM system_assets WHERE system_id = $1 ORDER BY kind, position`, systemID)
	if err != nil {
		return nil, fmt.Errorf("levels: assets of system %d: %w", systemID, err)
	}
	defer rows.Close()
	assets := map[string][]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		assets[k] = append(assets[k], v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	kinds := make([]string, 0, len(assets))
	for k := range assets {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		line("Tài sản ("+k+")", strings.Join(assets[k], ", "))
	}
	p, err := s.proposalIn(ctx, q, proposalID)
	if err != nil {
		return nil, err
	}
	var why strings.Builder
	fmt.Fprintf(&why, "Cấp độ đề xuất: %d (%s).\n", p.Level, r.Name.VI)
	for _, reason := range p.Reasons {
		fmt.Fprintf(&why, "- %s\n", reason.TextVI)
	}
	out := map[string]string{}
	for _, sec := range r.Sections {
		out[sec.ID] = ""
	}
	out["overview"] = strings.TrimSpace(b.String())
	if _, ok := out["level-rationale"]; ok {
		out["level-rationale"] = strings.TrimSpace(why.String())
	}
	return out, nil
}

// Dossier returns dossier id with its sections, steps, comments and
// attachments, and the moves actor may make.
func (s *Service) Dossier(ctx context.Context, actor access.Actor, id int64) (Dossier, error) {
	d, err := s.dossier(ctx, actor, id)
	if err != nil {
		return Dossier{}, err
	}
	return s.complete(ctx, actor, d)
}

func (s *Service) complete(ctx context.Context, actor access.Actor, d dossierRow) (Dossier, error) {
	out := d.Dossier
	s.decorate(actor, &out, d)
	q := s.db.Q(ctx)
	var err error
	if out.Steps, err = s.steps(ctx, q, d.ID); err != nil {
		return Dossier{}, err
	}
	if out.Comments, err = s.comments(ctx, q, d.ID); err != nil {
		return Dossier{}, err
	}
	if out.Attachments, err = s.attachments(ctx, q, d.ID); err != nil {
		return Dossier{}, err
	}
	return out, nil
}

// decorate adds what is computed: sections with the regime's titles, the
// overdue flag, the approval matrix's parties and the actor's moves.
func (s *Service) decorate(actor access.Actor, out *Dossier, d dossierRow) {
	out.Sections = []DossierSection{}
	out.Next = []string{}
	if r, ok := s.lib.Regime(d.Regime); ok {
		for _, sec := range r.Sections {
			ds := DossierSection{ID: sec.ID, TitleVI: sec.TitleVI, TitleEN: sec.TitleEN, GuidanceVI: sec.ContentVI, GuidanceEN: sec.ContentEN, Text: d.sections[sec.ID]}
			if sec.From != nil && d.Level >= sec.From.Level {
				ds.GuidanceVI += " " + sec.From.ContentVI
				ds.GuidanceEN += " " + sec.From.ContentEN
			}
			out.Sections = append(out.Sections, ds)
		}
		if a, ok := r.ApprovalOf(d.Level); ok {
			out.Appraiser, out.Approver = a.Appraiser, a.Approver
		}
	}
	out.Overdue = overdue(d.State, d.DueOn, s.clock())
	if !d.archived {
		for _, m := range moves {
			if m.from == d.State && m.may(actor) {
				out.Next = append(out.Next, m.to)
			}
		}
	}
}

// DossierFilter narrows a list of dossiers.
type DossierFilter struct {
	SystemID int64
	State    string
	Overdue  bool
}

// Dossiers lists the dossiers in actor's scope, newest first, without
// their steps, comments and attachments.
func (s *Service) Dossiers(ctx context.Context, actor access.Actor, f DossierFilter) ([]Dossier, error) {
	if !actor.CanRead() {
		return nil, fmt.Errorf("levels: dossiers: %w", store.ErrUnauthenticated)
	}
	var w store.Where
	w.Cond(actor.PathFilter(store.ScopePath))
	if f.SystemID != 0 {
		w.Add("d.system_id = ?", f.SystemID)
	}
	if f.State != "" {
		w.Add("d.state = ?", f.State)
	}
	if f.Overdue {
		w.Add("d.state IN ('submitted', 'under_appraisal') AND d.due_on <> '' AND d.due_on < ?", today(s.clock()))
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+dossierColumns+dossierFrom+`WHERE `+w.SQL()+` ORDER BY d.id DESC LIMIT 1000`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("levels: dossiers: %w", err)
	}
	defer rows.Close()
	out := []Dossier{}
	for rows.Next() {
		d, err := scanDossier(rows)
		if err != nil {
			return nil, err
		}
		o := d.Dossier
		s.decorate(actor, &o, d)
		out = append(out, o)
	}
	return out, rows.Err()
}

// SectionsInput is a change of a dossier's sections: section id → text.
type SectionsInput struct {
	Sections map[string]string `json:"sections"`
}

// EditDossier changes sections of a draft or returned dossier (agency
// officers of the system, admins), audited.
func (s *Service) EditDossier(ctx context.Context, actor access.Actor, id int64, in SectionsInput) (Dossier, error) {
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		d, err := s.dossier(ctx, actor, id)
		if err != nil {
			return err
		}
		if !ownerSide(actor) {
			return fmt.Errorf("levels: %s may not edit dossier %d: %w", actor.Role, id, store.ErrForbidden)
		}
		if err := editable(d); err != nil {
			return err
		}
		var e valid.Errors
		if len(in.Sections) == 0 {
			e.Add("sections", "give at least one section", "cần ít nhất một phần")
		}
		before := map[string]string{}
		for k, v := range in.Sections {
			if _, ok := d.sections[k]; !ok {
				e.Add("sections."+k, "the regime's dossier has no such section", "hồ sơ theo quy định không có phần này")
				continue
			}
			e.Text("sections."+k, v, false, 100000, true)
			before[k] = d.sections[k]
			d.sections[k] = v
		}
		if err := e.Err(); err != nil {
			return err
		}
		body, err := json.Marshal(d.sections)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE level_dossiers SET sections_json = $1, updated_at = $2 WHERE id = $3 AND state = $4`,
			string(body), store.FormatTime(s.clock()), id, d.State)
		if err != nil {
			return fmt.Errorf("levels: edit dossier %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("levels: dossier %d changed meanwhile: %w", id, store.ErrConflict)
		}
		return s.audit.Record(ctx, actor, "dossier.edit", "level_dossier", id, before, in.Sections)
	})
	if err != nil {
		return Dossier{}, err
	}
	return s.Dossier(ctx, actor, id)
}

// editable refuses a change of a dossier that is not with its owner.
func editable(d dossierRow) error {
	if d.archived {
		return conflict("id", "the system is archived and read-only", "hệ thống đã được lưu trữ, chỉ được xem")
	}
	if d.State != DossierDraft && d.State != DossierReturned {
		return conflict("state", fmt.Sprintf("the dossier is %s: only a draft or returned dossier can be changed", d.State),
			fmt.Sprintf("hồ sơ đang ở trạng thái %s: chỉ sửa được hồ sơ nháp hoặc bị trả lại", stateVI[d.State]))
	}
	return nil
}

// conflict is a 409 naming a field, in both languages.
func conflict(field, en, vi string) error {
	var e valid.Errors
	e.Add(field, en, vi)
	return fmt.Errorf("%w (%w)", e, store.ErrConflict)
}

// proposalIn reads one recorded proposal with q.
func (s *Service) proposalIn(ctx context.Context, q store.Querier, id int64) (Proposal, error) {
	var p Proposal
	var reasons string
	err := q.QueryRowContext(ctx, `SELECT id, system_id, regime, regime_version, level, implied_level, reasons_json, proposed_by, created_at
		FROM level_proposals WHERE id = $1`, id).Scan(&p.ID, &p.SystemID, &p.Regime, &p.RegimeVersion, &p.Level, &p.ImpliedLevel, &reasons, &p.ProposedBy, &p.CreatedAt)
	if err != nil {
		return Proposal{}, fmt.Errorf("levels: proposal %d: %w", id, err)
	}
	if err := json.Unmarshal([]byte(reasons), &p.Reasons); err != nil {
		return Proposal{}, fmt.Errorf("levels: proposal %d: reasons: %w", id, err)
	}
	return p, nil
}
