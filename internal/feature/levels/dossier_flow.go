package levels

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// The dossier workflow: draft → submitted → under_appraisal → approved,
// or returned to the agency (from submitted or under appraisal) and
// submitted again. Who moves each step follows the approval matrix as the
// province runs it: the system's agency (its officers, or an admin)
// drafts and submits; the province security office (analysts and admins)
// appraises and returns; only an admin records the approval, with the
// decision's number, date and signer. The regime's matrix names the
// appraiser and approver of each level and their deadlines.

// move is one allowed step and who may make it.
type move struct {
	from, to string
	may      func(access.Actor) bool
}

func ownerSide(a access.Actor) bool  { return a.Role == access.Agency || a.Role == access.Admin }
func officeSide(a access.Actor) bool { return a.Role == access.Analyst || a.Role == access.Admin }
func approver(a access.Actor) bool   { return a.Role == access.Admin }

var moves = []move{
	{DossierDraft, DossierSubmitted, ownerSide},
	{DossierReturned, DossierSubmitted, ownerSide},
	{DossierSubmitted, DossierAppraisal, officeSide},
	{DossierSubmitted, DossierReturned, officeSide},
	{DossierAppraisal, DossierReturned, officeSide},
	{DossierAppraisal, DossierApproved, approver},
}

// stateVI names the states in Vietnamese.
var stateVI = map[string]string{
	DossierDraft: "nháp", DossierSubmitted: "đã nộp", DossierAppraisal: "đang thẩm định",
	DossierApproved: "đã phê duyệt", DossierReturned: "bị trả lại",
}

// Transition is a request to move a dossier: the state to move to, a note
// (required to return it), and for an approval the decision's number,
// date (YYYY-MM-DD) and signer.
type Transition struct {
	To             string `json:"to"`
	Note           string `json:"note"`
	DecisionNumber string `json:"decision_number"`
	DecisionDate   string `json:"decision_date"`
	Signer         string `json:"signer"`
}

// Move moves dossier id to in.To if the workflow allows it from its state
// and actor may make that step: an unknown state or a missing decision is
// a 400, a role that may not a 403, a step the state does not allow (or a
// dossier changed meanwhile) a 409. The step, its deadline and, on
// approval, the system's approved level are written in one transaction,
// audited as dossier.<step>.
func (s *Service) Move(ctx context.Context, actor access.Actor, id int64, in Transition) (Dossier, error) {
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		d, err := s.dossier(ctx, actor, id)
		if err != nil {
			return err
		}
		m, err := s.allowed(actor, d, in)
		if err != nil {
			return err
		}
		now := s.clock()
		r, _ := s.lib.Regime(d.Regime)
		due := s.dueOn(r, d, m.to, now)
		set := `state = $1, due_on = $2, updated_at = $3`
		args := []any{m.to, due, store.FormatTime(now)}
		switch m.to {
		case DossierSubmitted:
			set += `, submitted_at = $4`
			args = append(args, store.FormatTime(now))
		case DossierApproved:
			set += `, decision_number = $4, decision_date = $5, signer = $6`
			args = append(args, strings.TrimSpace(in.DecisionNumber), in.DecisionDate, strings.TrimSpace(in.Signer))
		}
		args = append(args, id, d.State)
		n := len(args)
		res, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE level_dossiers SET %s WHERE id = $%d AND state = $%d`, set, n-1, n), args...)
		if err != nil {
			return fmt.Errorf("levels: move dossier %d: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return conflict("state", "the dossier changed meanwhile; reload it", "hồ sơ vừa được thay đổi; hãy tải lại")
		}
		if m.to == DossierApproved {
			if err := s.approveLevel(ctx, tx, d, now); err != nil {
				return err
			}
		}
		if err := s.step(ctx, tx, id, d.State, m.to, actor, strings.TrimSpace(in.Note), due, now); err != nil {
			return err
		}
		after := map[string]any{"state": m.to, "due_on": due, "note": strings.TrimSpace(in.Note), "system_id": d.SystemID, "level": d.Level, "regime": d.Regime}
		if m.to == DossierApproved {
			after["decision_number"], after["decision_date"], after["signer"] = strings.TrimSpace(in.DecisionNumber), in.DecisionDate, strings.TrimSpace(in.Signer)
		}
		return s.audit.Record(ctx, actor, "dossier."+stepAction[m.to], "level_dossier", id, map[string]any{"state": d.State}, after)
	})
	if err != nil {
		return Dossier{}, err
	}
	return s.Dossier(ctx, actor, id)
}

// stepAction names the audit action of a move to each state.
var stepAction = map[string]string{
	DossierSubmitted: "submit", DossierAppraisal: "appraise", DossierReturned: "return", DossierApproved: "approve",
}

// allowed checks in against the workflow, actor's role and the dossier.
func (s *Service) allowed(actor access.Actor, d dossierRow, in Transition) (move, error) {
	if _, ok := stateVI[in.To]; !ok || in.To == DossierDraft {
		var e valid.Errors
		e.Add("to", fmt.Sprintf("%q is not a state to move to (submitted, under_appraisal, approved, returned)", in.To),
			fmt.Sprintf("%q không phải trạng thái chuyển đến (submitted, under_appraisal, approved, returned)", in.To))
		return move{}, e
	}
	if !actor.CanWriteRegistry() && !actor.CanWriteSecurity() {
		return move{}, fmt.Errorf("levels: %s may not move dossiers: %w", actor.Role, store.ErrForbidden)
	}
	if d.archived {
		return move{}, conflict("id", "the system is archived and read-only", "hệ thống đã được lưu trữ, chỉ được xem")
	}
	var found *move
	var from []string
	mayAny := false
	for i, m := range moves {
		if m.to == in.To {
			from = append(from, m.from)
			mayAny = mayAny || m.may(actor)
			if m.from == d.State {
				found = &moves[i]
			}
		}
	}
	if !mayAny {
		return move{}, fmt.Errorf("levels: %s may not move dossier %d to %s: %w", actor.Role, d.ID, in.To, store.ErrForbidden)
	}
	if found == nil {
		return move{}, conflict("to", fmt.Sprintf("a %s dossier cannot be moved to %s (only from %s)", d.State, in.To, strings.Join(from, " or ")),
			fmt.Sprintf("hồ sơ %s không thể chuyển sang %s", stateVI[d.State], stateVI[in.To]))
	}
	if !found.may(actor) {
		return move{}, fmt.Errorf("levels: %s may not move dossier %d to %s: %w", actor.Role, d.ID, in.To, store.ErrForbidden)
	}
	var e valid.Errors
	e.Text("note", in.Note, in.To == DossierReturned, 4000, true)
	switch in.To {
	case DossierSubmitted:
		ids := make([]string, 0, len(d.sections))
		for id := range d.sections {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			if strings.TrimSpace(d.sections[id]) == "" {
				e.Add("sections."+id, "is empty: write every section before submitting", "còn trống: hãy viết đủ các phần trước khi nộp")
			}
		}
	case DossierApproved:
		e.Text("decision_number", in.DecisionNumber, true, 100, false)
		e.Text("signer", in.Signer, true, 200, false)
		if t, err := time.Parse(time.DateOnly, in.DecisionDate); err != nil {
			e.Add("decision_date", "the decision's date is required (YYYY-MM-DD)", "cần ngày của quyết định (YYYY-MM-DD)")
		} else if t.After(s.clock()) {
			e.Add("decision_date", "is in the future", "là ngày trong tương lai")
		}
	}
	return *found, e.Err()
}

// approveLevel records the approved level and its regime on the system.
func (s *Service) approveLevel(ctx context.Context, tx *store.Tx, d dossierRow, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE system_levels SET approved_level = $1, approved_regime = $2, approved_at = $3, updated_at = $3 WHERE system_id = $4`,
		d.Level, d.Regime, store.FormatTime(now), d.SystemID)
	if err != nil {
		return fmt.Errorf("levels: approve the level of system %d: %w", d.SystemID, err)
	}
	return s.refreshSummary(ctx, tx, d.SystemID)
}

// dueOn is the deadline of the step a dossier enters: appraisal within
// the regime's appraisal days of its submission (submitted and under
// appraisal), and the approval days after that once under appraisal.
// Steps the regime gives no deadline have none ("").
func (s *Service) dueOn(r *Regime, d dossierRow, to string, now time.Time) string {
	if r == nil {
		return ""
	}
	a, ok := r.ApprovalOf(d.Level)
	if !ok {
		return ""
	}
	switch to {
	case DossierSubmitted:
		return addDays(now, a.AppraisalDays, a.AppraisalDaysKind)
	case DossierAppraisal:
		start := now
		if t := store.ParseTime(d.SubmittedAt); !t.IsZero() {
			start = t
		}
		if a.AppraisalDays == 0 && a.ApprovalDays == 0 {
			return ""
		}
		due := start
		if a.AppraisalDays > 0 {
			due, _ = time.Parse(time.DateOnly, addDays(start, a.AppraisalDays, a.AppraisalDaysKind))
		}
		if a.ApprovalDays > 0 {
			return addDays(due, a.ApprovalDays, a.ApprovalDaysKind)
		}
		return due.Format(time.DateOnly)
	}
	return ""
}

// addDays is the date n calendar or working days (Monday to Friday;
// public holidays are not known to Khiên) after t; "" for n = 0.
func addDays(t time.Time, n int, kind string) string {
	if n <= 0 {
		return ""
	}
	t = t.UTC()
	if kind != "working" {
		return t.AddDate(0, 0, n).Format(time.DateOnly)
	}
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t.Format(time.DateOnly)
}

// overdue reports whether a dossier waiting in state is past due on now.
func overdue(state, due string, now time.Time) bool {
	return (state == DossierSubmitted || state == DossierAppraisal) && due != "" && due < today(now)
}

func today(now time.Time) string { return now.UTC().Format(time.DateOnly) }

// clock is the service's time (tests may set it).
func (s *Service) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// step records one move of a dossier.
func (s *Service) step(ctx context.Context, tx *store.Tx, id int64, from, to string, actor access.Actor, note, due string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO dossier_steps (dossier_id, from_state, to_state, actor, note, due_on, at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		id, from, to, actor.Username, note, due, store.FormatTime(now))
	if err != nil {
		return fmt.Errorf("levels: step of dossier %d: %w", id, err)
	}
	return nil
}

func (s *Service) steps(ctx context.Context, q store.Querier, id int64) ([]DossierStep, error) {
	rows, err := q.QueryContext(ctx, `SELECT from_state, to_state, actor, note, due_on, at FROM dossier_steps WHERE dossier_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("levels: steps of dossier %d: %w", id, err)
	}
	defer rows.Close()
	out := []DossierStep{}
	for rows.Next() {
		var st DossierStep
		if err := rows.Scan(&st.From, &st.To, &st.Actor, &st.Note, &st.DueOn, &st.At); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// AddComment adds a comment to dossier id. Anyone who may work on it
// (officers of the system's agency, analysts, admins) may; auditors read.
func (s *Service) AddComment(ctx context.Context, actor access.Actor, id int64, body string) (Comment, error) {
	var c Comment
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := s.dossier(ctx, actor, id); err != nil {
			return err
		}
		if !actor.CanWriteRegistry() && !actor.CanWriteSecurity() {
			return fmt.Errorf("levels: %s may not comment: %w", actor.Role, store.ErrForbidden)
		}
		var e valid.Errors
		e.Text("body", body, true, 4000, true)
		if err := e.Err(); err != nil {
			return err
		}
		c = Comment{Author: actor.Username, Body: strings.TrimSpace(body), CreatedAt: store.FormatTime(s.clock())}
		if err := tx.QueryRowContext(ctx, `INSERT INTO dossier_comments (dossier_id, author, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			id, c.Author, c.Body, c.CreatedAt).Scan(&c.ID); err != nil {
			return fmt.Errorf("levels: comment on dossier %d: %w", id, err)
		}
		return s.audit.Record(ctx, actor, "dossier.comment", "level_dossier", id, nil, map[string]any{"comment_id": c.ID, "body": c.Body})
	})
	return c, err
}

func (s *Service) comments(ctx context.Context, q store.Querier, id int64) ([]Comment, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, author, body, created_at FROM dossier_comments WHERE dossier_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("levels: comments of dossier %d: %w", id, err)
	}
	defer rows.Close()
	out := []Comment{}
	for rows.Next() {
		var c Comment
		if err := rows.Scan(&c.ID, &c.Author, &c.Body, &c.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
