package notify

import (
	"context"
	"fmt"

	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
)

// Subscribe registers what notifications keep in step with the features:
// the maintenance windows of a purged system's sites are deleted with it
// (inline, in the purge's transaction, counted).
func (s *Service) Subscribe(bus *events.Bus) {
	events.Subscribe(bus, "notify-purge", events.Inline, s.purgeSites)
}

func (s *Service) purgeSites(ctx context.Context, e events.SitesPurge) error {
	return s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM maintenance_windows WHERE site_id IN (SELECT id FROM sites WHERE system_id = $1)`, e.SystemID)
		if err != nil {
			return fmt.Errorf("notify: purge maintenance windows of system %d: %w", e.SystemID, err)
		}
		n, _ := res.RowsAffected()
		e.Removed.Add("maintenance_windows", n)
		return nil
	})
}
