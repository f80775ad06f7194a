package trust

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// SetState suspends or revokes a label by hand (admins only), with a
// reason.
func (s *Service) SetState(ctx context.Context, actor access.Actor, publicID, state, reason string) (Label, error) {
	if !actor.CanGrantLabels() {
		return Label{}, fmt.Errorf("trust: change a label: %w", store.ErrForbidden)
	}
	var e valid.Errors
	e.OneOf("state", state, true, Suspended, Revoked)
	e.Text("reason", reason, true, 500, false)
	if err := e.Err(); err != nil {
		return Label{}, err
	}
	var out Label
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		l, err := s.Label(ctx, actor, publicID)
		if err != nil {
			return err
		}
		if l.State == Revoked {
			return fmt.Errorf("trust: label %s is revoked; grant it again instead: %w", publicID, store.ErrConflict)
		}
		if err := s.setState(ctx, tx, l.rowID, state, reason, reason, actor.Username); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, actor, "label."+strings.TrimSuffix(state, "ed"), "label", publicID, map[string]any{"state": l.State}, map[string]any{"state": state, "reason": reason}); err != nil {
			return err
		}
		out, err = s.Label(ctx, actor, publicID)
		return err
	})
	return out, err
}

func (s *Service) setState(ctx context.Context, tx *store.Tx, rowID int64, state, reason, reasonEN, actor string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE labels SET state = $1, reason = $2, reason_en = $3, updated_at = $4 WHERE id = $5`, state, reason, reasonEN, store.Now(), rowID); err != nil {
		return fmt.Errorf("trust: set label state: %w", err)
	}
	return addEvent(ctx, tx, rowID, state, reason, reasonEN, actor)
}

// The reasons the platform itself writes, in both languages.
const (
	expiredVI = "Hết thời hạn hiệu lực của nhãn"
	expiredEN = "the label's validity period ended"
)

// Verify re-checks a site's granted label against what was just observed
// (a scan report, or a monitoring probe's critical findings): a failing
// critical check or a grade below the policy suspends the label at once;
// otherwise the label's verification time moves on. It returns the label's
// state afterwards ("" when the site has no label).
func (s *Service) Verify(ctx context.Context, siteID int64, rep *webscan.Report, failing map[string]string) (string, error) {
	var state string
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var rowID, policyID int64
		var expires string
		err := tx.QueryRowContext(ctx, `SELECT id, policy_id, state, expires_at FROM labels WHERE site_id = $1`, siteID).Scan(&rowID, &policyID, &state, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if state != Granted {
			return nil
		}
		if expires != "" && time.Now().After(store.ParseTime(expires)) {
			state = Expired
			return s.setState(ctx, tx, rowID, Expired, expiredVI, expiredEN, access.System.Username)
		}
		p, err := s.policy(ctx, policyID)
		if err != nil {
			return err
		}
		var vi, en []string
		for _, id := range p.CriticalChecks {
			if why, ok := failing[id]; ok {
				vi, en = append(vi, id+" không đạt"), append(en, id+": "+why)
			}
		}
		if rep != nil {
			for _, c := range rep.Checks {
				if c.Result == webscan.Fail && slices.Contains(p.CriticalChecks, c.ID) {
					vi, en = append(vi, c.ID+": "+c.Detail), append(en, c.ID+": "+c.DetailEN)
				}
			}
			if webscan.GradeRank(rep.Grade) > webscan.GradeRank(p.MinGrade) {
				vi = append(vi, fmt.Sprintf("hạng %s thấp hơn mức yêu cầu %s", rep.Grade, p.MinGrade))
				en = append(en, fmt.Sprintf("grade %s is below the required %s", rep.Grade, p.MinGrade))
			}
		}
		if len(en) > 0 {
			state = Suspended
			return s.setState(ctx, tx, rowID, Suspended, "Tự động tạm đình chỉ: "+strings.Join(vi, "; "), "suspended automatically: "+strings.Join(en, "; "), access.System.Username)
		}
		_, err = tx.ExecContext(ctx, `UPDATE labels SET verified_at = $1 WHERE id = $2`, store.Now(), rowID)
		return err
	})
	return state, err
}

// ExpireDue marks every granted label past its date as expired.
func (s *Service) ExpireDue(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM labels WHERE state = 'granted' AND expires_at <> '' AND expires_at < $1`, store.FormatTime(now))
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		for _, id := range ids {
			if err := s.setState(ctx, tx, id, Expired, expiredVI, expiredEN, access.System.Username); err != nil {
				return err
			}
		}
		n = len(ids)
		return rows.Err()
	})
	return n, err
}
