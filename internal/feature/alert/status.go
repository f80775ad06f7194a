package alert

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/notify"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Bulk actions and the status each sets.
var bulkActions = map[string]string{
	"acknowledge":    StatusAcknowledged,
	"false_positive": StatusFalsePositive,
	"close":          StatusClosed,
	"escalate":       StatusEscalated,
	"assign":         "",
}

// BulkActions lists the actions Bulk takes.
var BulkActions = []string{"acknowledge", "false_positive", "close", "escalate", "assign"}

// MaxBulk bounds one bulk request.
const MaxBulk = 500

// SetStatus moves one alert to status (admins and analysts, in scope),
// with an optional note; an invalid transition is a conflict.
func (s *Service) SetStatus(ctx context.Context, actor access.Actor, id int64, status, note string) (Detection, error) {
	if _, err := s.Bulk(ctx, actor, BulkInput{IDs: []int64{id}, Status: status, Note: note}); err != nil {
		return Detection{}, err
	}
	return s.Detection(ctx, actor, id)
}

// BulkInput is one bulk change: either an Action (BulkActions) or a
// Status; Assignee for "assign" ("" unassigns).
type BulkInput struct {
	IDs      []int64 `json:"ids"`
	Action   string  `json:"action,omitempty"`
	Status   string  `json:"status,omitempty"`
	Assignee string  `json:"assignee,omitempty"`
	Note     string  `json:"note,omitempty"`
}

// Bulk applies one change to several alerts in one transaction: an id out
// of scope refuses the whole request as not found, an invalid transition
// as a conflict, and nothing is written. Alerts already in the target
// state are left as they are. It answers how many changed.
func (s *Service) Bulk(ctx context.Context, actor access.Actor, in BulkInput) (int, error) {
	if !actor.CanWriteSecurity() {
		// Alerts of other agencies do not exist for an officer: 404
		// before 403.
		for _, id := range in.IDs {
			if _, err := s.find(ctx, actor, id); err != nil {
				return 0, err
			}
		}
		return 0, fmt.Errorf("alert: change detections: %w", store.ErrForbidden)
	}
	var e valid.Errors
	target, assign := in.Status, false
	if in.Action != "" {
		st, ok := bulkActions[in.Action]
		if !ok {
			e.Add("action", "is not acknowledge, false_positive, close, escalate or assign", "không phải một thao tác hợp lệ")
		}
		target, assign = st, in.Action == "assign"
	} else if !slices.Contains(Statuses, target) {
		e.Add("status", "is not a status", "không phải một trạng thái")
	}
	if len(in.IDs) == 0 {
		e.Add("ids", "tick at least one alert", "hãy chọn ít nhất một cảnh báo")
	}
	if len(in.IDs) > MaxBulk {
		e.Add("ids", fmt.Sprintf("at most %d alerts at once", MaxBulk), fmt.Sprintf("tối đa %d cảnh báo một lần", MaxBulk))
	}
	if err := e.Err(); err != nil {
		return 0, err
	}
	if assign && in.Assignee != "" {
		if err := s.validAssignee(ctx, in.Assignee); err != nil {
			return 0, err
		}
	}
	ids := slices.Clone(in.IDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	note := trimNote(in.Note)
	changed := 0
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		changed = 0
		for _, id := range ids {
			d, err := s.find(ctx, actor, id)
			if err != nil {
				return err
			}
			var ok bool
			if assign {
				ok, err = s.assign(ctx, tx, actor, d, in.Assignee, note)
			} else {
				ok, err = s.move(ctx, tx, actor, d, target, note)
			}
			if err != nil {
				return err
			}
			if ok {
				changed++
			}
		}
		return nil
	})
	return changed, err
}

func (s *Service) move(ctx context.Context, tx *store.Tx, actor access.Actor, d Detection, to, note string) (bool, error) {
	if d.Status == to {
		return false, nil
	}
	if !slices.Contains(transitions[d.Status], to) {
		return false, store.NewKind(fmt.Sprintf("alert: detection %d is %s and cannot become %s", d.ID, d.Status, to), store.ErrConflict)
	}
	now := store.Now()
	// Leaving the grouping statuses closes the group: a new occurrence
	// raises a new alert.
	q := `UPDATE detections SET status = $1, updated_at = $2 WHERE id = $3`
	if !grouping(to) {
		q = `UPDATE detections SET status = $1, updated_at = $2, open_key = NULL WHERE id = $3`
	}
	if _, err := tx.ExecContext(ctx, q, to, now, d.ID); err != nil {
		return false, fmt.Errorf("alert: detection %d: %w", d.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO detection_history (detection_id, at, actor, action, from_status, to_status, note) VALUES ($1, $2, $3, 'status', $4, $5, $6)`,
		d.ID, now, actor.Username, d.Status, to, note); err != nil {
		return false, err
	}
	if to == StatusEscalated {
		if err := s.events.Publish(ctx, events.DetectionEscalated{Detection: events.Ref{Kind: RefKind, ID: d.ID}, RuleUID: d.RuleUID, RuleTitle: d.RuleTitle,
			Level: d.Level, AgencyID: d.AgencyID, SystemID: d.SystemID, Note: note, By: actor}); err != nil {
			return false, err
		}
	}
	return true, s.audit.Record(ctx, actor, "detection.status", "detection", d.ID, map[string]any{"status": d.Status}, map[string]any{"status": to, "note": note})
}

func (s *Service) assign(ctx context.Context, tx *store.Tx, actor access.Actor, d Detection, to, note string) (bool, error) {
	if d.Assignee == to {
		return false, nil
	}
	now := store.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE detections SET assignee = $1, updated_at = $2 WHERE id = $3`, to, now, d.ID); err != nil {
		return false, fmt.Errorf("alert: detection %d: %w", d.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO detection_history (detection_id, at, actor, action, assignee, note) VALUES ($1, $2, $3, 'assign', $4, $5)`,
		d.ID, now, actor.Username, to, note); err != nil {
		return false, err
	}
	return true, s.audit.Record(ctx, actor, "detection.assign", "detection", d.ID, map[string]any{"assignee": d.Assignee}, map[string]any{"assignee": to})
}

// sendDetection is the durable subscriber that sends high and critical
// alerts to the notification targets, unless muted. The alert is claimed
// first, so a redelivered event never sends it twice; a failure is
// recorded on the alert.
func (s *Service) sendDetection(ctx context.Context, e events.DetectionRaised) error {
	if e.Muted || s.cfg.Notify == nil || (e.Level != "high" && e.Level != "critical") {
		return nil
	}
	res, err := s.db.Writer().ExecContext(ctx, `UPDATE detections SET notified_at = $1 WHERE id = $2 AND notified_at = ''`, store.Now(), e.Detection.ID)
	if err != nil {
		return fmt.Errorf("alert: claim detection %d for sending: %w", e.Detection.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	d, err := s.find(ctx, access.System, e.Detection.ID)
	if err != nil {
		return err
	}
	where := d.AgencyName
	if d.SystemName != "" {
		where += " / " + d.SystemName
	}
	err = s.cfg.Notify.Send(ctx, notify.Notice{Event: "detection", Subject: "[" + d.Level + "] " + d.RuleTitle,
		Text:     fmt.Sprintf("Quy tắc %q phát hiện sự kiện mức %s tại %s.", d.RuleTitle, d.Level, where),
		TextEN:   fmt.Sprintf("Rule %q detected a %s event at %s.", d.RuleTitle, d.Level, where),
		Severity: d.Level, At: d.CreatedAt, Payload: d})
	if err == nil {
		return nil
	}
	slog.Warn("detection notification failed", "detection", d.ID, "err", err)
	if _, uerr := s.db.Writer().ExecContext(ctx, `UPDATE detections SET notify_error = $1 WHERE id = $2`, err.Error(), d.ID); uerr != nil {
		slog.Warn("record a failed detection notification", "detection", d.ID, "err", uerr)
	}
	return nil
}
