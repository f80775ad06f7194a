package alert

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/detect"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
)

// maxKeptEvents bounds the events whose fields and original are kept
// with one alert; later ones are counted and keyed (for duplicates) only.
const maxKeptEvents = 20

// hit is one rule that fired on one record.
type hit struct {
	rule  *detect.Rule
	group []string // correlation group values
	rec   *logstream.Record
}

// record writes the hits of a batch in one transaction: each (rule,
// record) once, grouped into open alerts. It answers how many were new.
func (s *Service) record(ctx context.Context, hits []hit) (int, error) {
	if len(hits) == 0 {
		return 0, nil
	}
	added := 0
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		added = 0
		for _, h := range hits {
			ok, err := s.recordHit(ctx, tx, h)
			if err != nil {
				return err
			}
			if ok {
				added++
			}
		}
		return nil
	})
	return added, err
}

func ruleUID(r *detect.Rule) string { return r.Ref() }

func (s *Service) recordHit(ctx context.Context, tx *store.Tx, h hit) (bool, error) {
	uid := ruleUID(h.rule)
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM detection_events WHERE rule_uid = $1 AND record_id = $2`, uid, h.rec.ID).Scan(&one)
	if err == nil {
		return false, nil // a redelivered record
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("alert: find event: %w", err)
	}
	at := h.rec.Received
	if at.IsZero() {
		at = time.Now()
	}
	id, kept, err := s.openDetection(ctx, tx, h, uid, at)
	if err != nil {
		return false, err
	}
	var fields []byte
	original := ""
	if kept < maxKeptEvents {
		if fields, err = json.Marshal(h.rec.Fields); err != nil {
			return false, fmt.Errorf("alert: event fields: %w", err)
		}
		original = h.rec.Original
	}
	when := h.rec.Time
	if when.IsZero() {
		when = at
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO detection_events (detection_id, rule_uid, record_id, day, at, fields, original) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		id, uid, h.rec.ID, when.UTC().Format("2006-01-02"), store.FormatTime(when), string(fields), original); err != nil {
		return false, fmt.Errorf("alert: store event: %w", err)
	}
	return true, nil
}

// openKey names the alert that takes repeats.
func openKey(uid string, agency, system int64, group []string) string {
	return uid + "|" + strconv.FormatInt(agency, 10) + "|" + strconv.FormatInt(system, 10) + "|" + strings.Join(group, "\x1f")
}

// openDetection adds one to the open alert of the hit's group, or raises
// a new one when there is none within the window; it answers the alert
// and how many events it held before.
func (s *Service) openDetection(ctx context.Context, tx *store.Tx, h hit, uid string, at time.Time) (int64, int64, error) {
	key := openKey(uid, h.rec.AgencyID, h.rec.SystemID, h.group)
	now, seen := store.Now(), store.FormatTime(at)
	if _, err := tx.ExecContext(ctx, `UPDATE detections SET open_key = NULL WHERE open_key = $1 AND last_seen < $2`, key, store.FormatTime(at.Add(-s.cfg.Window))); err != nil {
		return 0, 0, fmt.Errorf("alert: close group: %w", err)
	}
	var id, count int64
	err := tx.QueryRowContext(ctx, `SELECT id, count FROM detections WHERE open_key = $1`, key).Scan(&id, &count)
	if err == nil {
		_, err = tx.ExecContext(ctx, `UPDATE detections SET count = count + 1, last_seen = CASE WHEN last_seen < $1 THEN $1 ELSE last_seen END, updated_at = $2 WHERE id = $3`, seen, now, id)
		return id, count, err
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, 0, fmt.Errorf("alert: find group: %w", err)
	}
	level := strings.ToLower(h.rule.Level)
	muted, err := s.inMaintenance(ctx, tx, h.rec.SystemID, at)
	if err != nil {
		return 0, 0, err
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO detections (rule_uid, rule_title, level, tags, agency_id, system_id, group_key, open_key, status, count, first_seen, last_seen, muted, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'new', 1, $9, $9, $10, $11, $11) RETURNING id`,
		uid, h.rule.Title, level, strings.Join(h.rule.Tags, ","), h.rec.AgencyID, h.rec.SystemID, strings.Join(h.group, ", "), key, seen, store.Flag(muted), now).Scan(&id); err != nil {
		return 0, 0, fmt.Errorf("alert: raise: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO detection_history (detection_id, at, actor, action, to_status) VALUES ($1, $2, 'system', 'raised', 'new')`, id, now); err != nil {
		return 0, 0, err
	}
	err = s.events.Publish(ctx, events.DetectionRaised{Detection: events.Ref{Kind: RefKind, ID: id}, RuleUID: uid, RuleTitle: h.rule.Title,
		Level: level, AgencyID: h.rec.AgencyID, SystemID: h.rec.SystemID, Muted: muted, At: at.UTC()})
	return id, 0, err
}

// inMaintenance says whether a maintenance window covers the system (a
// window on one of its sites, or one on every site) at a time.
func (s *Service) inMaintenance(ctx context.Context, tx *store.Tx, system int64, at time.Time) (bool, error) {
	var n int
	t := store.FormatTime(at)
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM maintenance_windows w WHERE w.starts_at <= $1 AND w.ends_at > $1
		AND (w.site_id IS NULL OR w.site_id IN (SELECT id FROM sites WHERE system_id = $2))`, t, system).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("alert: maintenance: %w", err)
	}
	return n > 0, nil
}
