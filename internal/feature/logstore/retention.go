package logstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
)

// ActionPurgeDays is the audit action of a retention run that dropped
// days (object "log-days", after: the days and the retention).
const ActionPurgeDays = "logs.purge_days"

// purgeRecord is what the audit entry of a retention run says.
type purgeRecord struct {
	Days          []string `json:"days"`
	RetentionDays int      `json:"retention_days"`
}

// days lists the stored days, oldest first.
func (s *Service) days(ctx context.Context) ([]string, error) {
	if s.files != nil {
		return s.files.days()
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT c.relname FROM pg_inherits i
		JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
		WHERE p.relname IN ('log_blocks', 'log_events') ORDER BY c.relname`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	seen := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		if day, ok := dayOfPartition(name); ok && !seen[day] {
			seen[day] = true
			out = append(out, day)
		}
	}
	sort.Strings(out)
	return out, rows.Err()
}

// PurgeDays drops, whole, every day older than the retention at now (the
// job logs-retention runs it hourly) and returns the days dropped. A run
// that drops something is audited, as the system.
func (s *Service) PurgeDays(ctx context.Context, now time.Time) ([]string, error) {
	all, err := s.days(ctx)
	if err != nil {
		return nil, wrap("list days", err)
	}
	oldest := s.oldestKept(now)
	var old []string
	for _, d := range all {
		if d < oldest {
			old = append(old, d)
		}
	}
	if len(old) == 0 {
		return nil, nil
	}
	var dropped []string
	var dropErr error
	if s.files != nil {
		for _, d := range old {
			if err := s.files.remove(d); err != nil {
				dropErr = fmt.Errorf("remove day %s: %w", d, err)
				break
			}
			dropped = append(dropped, d)
		}
		if len(dropped) > 0 {
			err := s.audit.Record(ctx, access.System, ActionPurgeDays, "log-days", dropped[0]+".."+dropped[len(dropped)-1], nil,
				purgeRecord{Days: dropped, RetentionDays: s.cfg.RetentionDays})
			dropErr = errors.Join(dropErr, err)
		}
	} else {
		dropErr = s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
			for _, d := range old {
				// The name comes from a parsed day, never from input.
				for _, table := range []string{partitionName(d), oldPartition(d)} {
					if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS `+table); err != nil {
						return fmt.Errorf("drop day %s: %w", d, err)
					}
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM log_day_stats WHERE day = $1::date`, d); err != nil {
					return err
				}
				s.parts.Delete(d)
			}
			return s.audit.Record(ctx, access.System, ActionPurgeDays, "log-days", old[0]+".."+old[len(old)-1], nil,
				purgeRecord{Days: old, RetentionDays: s.cfg.RetentionDays})
		})
		if dropErr == nil {
			dropped = old
		}
	}
	if len(dropped) > 0 {
		slog.Info("log days past the retention dropped", "days", len(dropped), "first", dropped[0], "last", dropped[len(dropped)-1], "retention_days", s.cfg.RetentionDays)
	}
	return dropped, wrap("retention", dropErr)
}
