// Labels of archived and purged sites.

package trust

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
)

// The reasons written when a labelled site is archived.
const (
	archivedSystemVI = "Tạm đình chỉ: hệ thống thông tin của trang đã được lưu trữ, trang không còn được đánh giá hay giám sát"
	archivedSystemEN = "suspended: the site's information system was archived; the site is no longer assessed or monitored"
	archivedURLVI    = "Tạm đình chỉ: địa chỉ trang đã bị gỡ khỏi hệ thống thông tin, trang không còn được đánh giá hay giám sát"
	archivedURLEN    = "suspended: the site's address was removed from its information system; the site is no longer assessed or monitored"
)

// suspendArchived suspends the granted labels of sites that were just
// archived (in the archive's transaction): an unmonitored site cannot keep
// a label that says it is verified. The label and its history stay; an
// admin grants it again once the site is live.
func (s *Service) suspendArchived(ctx context.Context, e events.SitesArchived) error {
	vi, en := archivedURLVI, archivedURLEN
	if e.SystemArchived {
		vi, en = archivedSystemVI, archivedSystemEN
	}
	return s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		for _, site := range e.SiteIDs {
			var rowID int64
			var publicID, state string
			err := tx.QueryRowContext(ctx, `SELECT id, public_id, state FROM labels WHERE site_id = $1`, site).Scan(&rowID, &publicID, &state)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return fmt.Errorf("trust: label of archived site %d: %w", site, err)
			}
			if state != Granted {
				continue // already not valid: its reason stays
			}
			if err := s.setState(ctx, tx, rowID, Suspended, vi, en, e.By.Username); err != nil {
				return err
			}
			if err := s.audit.Record(ctx, e.By, "label.suspend", "label", publicID, map[string]any{"state": state},
				map[string]any{"state": Suspended, "reason": en, "site_id": site}); err != nil {
				return err
			}
		}
		return nil
	})
}

// purgeSites deletes the labels (and their history) of the sites of a
// system being purged, and counts them.
func (s *Service) purgeSites(ctx context.Context, e events.SitesPurge) error {
	return s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		const ofSystem = `(SELECT l.id FROM labels l JOIN sites x ON x.id = l.site_id WHERE x.system_id = $1)`
		for _, q := range []struct{ kind, sql string }{
			{"label_events", `DELETE FROM label_events WHERE label_id IN ` + ofSystem},
			{"labels", `DELETE FROM labels WHERE id IN ` + ofSystem},
		} {
			res, err := tx.ExecContext(ctx, q.sql, e.SystemID)
			if err != nil {
				return fmt.Errorf("trust: purge %s of system %d: %w", q.kind, e.SystemID, err)
			}
			n, _ := res.RowsAffected()
			e.Removed.Add(q.kind, n)
		}
		return nil
	})
}
