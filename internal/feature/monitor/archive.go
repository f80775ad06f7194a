// Monitoring records of purged systems.

package monitor

import (
	"context"
	"fmt"

	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
)

// purgeSites deletes the monitor's rows of the sites of a system being
// purged (alerts and probe samples), and counts them.
func (s *Service) purgeSites(ctx context.Context, e events.SitesPurge) error {
	return s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		const ofSystem = `(SELECT id FROM sites WHERE system_id = $1)`
		for _, q := range []struct{ kind, sql string }{
			{"alerts", `DELETE FROM alerts WHERE site_id IN ` + ofSystem},
			{"monitor_samples", `DELETE FROM monitor_samples WHERE site_id IN ` + ofSystem},
			{"monitor_summary", `DELETE FROM monitor_summary WHERE site_id IN ` + ofSystem},
		} {
			res, err := tx.ExecContext(ctx, q.sql, e.SystemID)
			if err != nil {
				return fmt.Errorf("monitor: purge %s of system %d: %w", q.kind, e.SystemID, err)
			}
			n, _ := res.RowsAffected()
			e.Removed.Add(q.kind, n)
		}
		return nil
	})
}
