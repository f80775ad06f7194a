package alert

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Exception silences a rule for the events of an agency and of its
// sub-agencies (its whole subtree, as the tree is when the event is
// checked), optionally only those whose field has a value (compared
// without regard to case).
type Exception struct {
	ID         int64     `json:"id"`
	RuleUID    string    `json:"rule_uid"`
	AgencyID   int64     `json:"agency_id"`
	AgencyName string    `json:"agency_name"`
	Field      string    `json:"field"`
	Value      string    `json:"value"`
	Reason     string    `json:"reason"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// ExceptionInput creates an exception.
type ExceptionInput struct {
	RuleUID  string `json:"rule_uid"`
	AgencyID int64  `json:"agency_id"`
	Field    string `json:"field"`
	Value    string `json:"value"`
	Reason   string `json:"reason"`
}

// AddException records an exception (admins and analysts).
func (s *Service) AddException(ctx context.Context, actor access.Actor, in ExceptionInput) (Exception, error) {
	if !actor.CanWriteSecurity() {
		return Exception{}, fmt.Errorf("alert: exception: %w", store.ErrForbidden)
	}
	in.RuleUID, in.Field, in.Reason = strings.TrimSpace(in.RuleUID), strings.TrimSpace(in.Field), strings.TrimSpace(in.Reason)
	var e valid.Errors
	if in.Reason == "" || len(in.Reason) > 1000 {
		e.Add("reason", "say why (at most 1000 characters)", "hãy nêu lý do (tối đa 1000 ký tự)")
	}
	if (in.Field == "") != (in.Value == "") {
		e.Add("field", "give both the field and its value, or neither", "hãy nhập cả trường và giá trị, hoặc bỏ trống cả hai")
	}
	var n int
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM detection_rules WHERE uid = $1`, in.RuleUID).Scan(&n); err != nil {
		return Exception{}, err
	}
	if n == 0 {
		e.Add("rule_uid", "is not an imported rule", "không phải một quy tắc đã nhập")
	}
	var name string
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT name FROM agencies WHERE id = $1`, in.AgencyID).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		e.Add("agency_id", "is not an agency", "không phải một cơ quan")
	} else if err != nil {
		return Exception{}, err
	}
	if err := e.Err(); err != nil {
		return Exception{}, err
	}
	x := Exception{RuleUID: in.RuleUID, AgencyID: in.AgencyID, AgencyName: name, Field: in.Field, Value: in.Value, Reason: in.Reason, CreatedBy: actor.Username}
	err = s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		now := store.Now()
		x.CreatedAt = store.ParseTime(now)
		if err := tx.QueryRowContext(ctx, `INSERT INTO detection_exceptions (rule_uid, agency_id, field, value, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			x.RuleUID, x.AgencyID, x.Field, x.Value, x.Reason, x.CreatedBy, now).Scan(&x.ID); err != nil {
			return fmt.Errorf("alert: add exception: %w", err)
		}
		if err := bumpVersion(ctx, tx); err != nil {
			return err
		}
		return s.audit.Record(ctx, actor, "rules.exception-add", "detection_exception", x.ID, nil, in)
	})
	return x, err
}

// Exceptions lists the exceptions of a rule ("" for all); an agency
// officer sees those that apply to their agencies: made for one of them
// or for an agency above.
func (s *Service) Exceptions(ctx context.Context, actor access.Actor, ruleUID string) ([]Exception, error) {
	if !actor.CanRead() {
		return nil, fmt.Errorf("alert: exceptions: %w", store.ErrForbidden)
	}
	var w store.Where
	if ruleUID != "" {
		w.Add("e.rule_uid = ?", ruleUID)
	}
	if actor.Scoped() {
		// the officer's subtree, and the agencies above it, whose
		// exceptions apply to the officer's agency too
		cond, args := access.SubtreeCondition("a.path", actor.AgencyPath)
		w.Add("(("+cond+") OR substr(?, 1, length(a.path)) = a.path)", append(args, actor.AgencyPath)...)
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT e.id, e.rule_uid, e.agency_id, COALESCE(a.name, ''), e.field, e.value, e.reason, e.created_by, e.created_at
		FROM detection_exceptions e LEFT JOIN agencies a ON a.id = e.agency_id WHERE `+w.SQL()+` ORDER BY e.id`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("alert: exceptions: %w", err)
	}
	defer rows.Close()
	out := []Exception{}
	for rows.Next() {
		var x Exception
		var at string
		if err := rows.Scan(&x.ID, &x.RuleUID, &x.AgencyID, &x.AgencyName, &x.Field, &x.Value, &x.Reason, &x.CreatedBy, &at); err != nil {
			return nil, err
		}
		x.CreatedAt = store.ParseTime(at)
		out = append(out, x)
	}
	return out, rows.Err()
}

// DeleteException removes an exception (admins and analysts).
func (s *Service) DeleteException(ctx context.Context, actor access.Actor, id int64) error {
	if !actor.CanWriteSecurity() {
		return fmt.Errorf("alert: exception: %w", store.ErrForbidden)
	}
	return s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM detection_exceptions WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("alert: exception %d: %w", id, store.ErrNotFound)
		}
		if err := bumpVersion(ctx, tx); err != nil {
			return err
		}
		return s.audit.Record(ctx, actor, "rules.exception-delete", "detection_exception", id, nil, nil)
	})
}
