// Archived sites: a site leaves the live registry with its system or its
// URL, keeps its history, and is deleted only by a purge of its archived
// system.

package sitescan

import (
	"context"
	"fmt"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// listed is the condition "the site's URL is listed by its system, and
// the system is live".
const listed = `EXISTS (SELECT 1 FROM system_assets v JOIN systems y ON y.id = v.system_id
	WHERE v.kind = 'url' AND v.system_id = sites.system_id AND v.value = sites.url AND y.archived_at = '')`

// archivedSite says a site is archived, hence read-only (409).
func archivedSite(x Site) error {
	var e valid.Errors
	e.Add("site_id", fmt.Sprintf("site %d (%s) is archived: it is no longer scanned or monitored", x.ID, x.URL),
		fmt.Sprintf("trang %d (%s) đã được lưu trữ: không còn được đánh giá hay giám sát", x.ID, x.URL))
	return fmt.Errorf("%w (%w)", e, store.ErrConflict)
}

// followArchive archives the live sites (among the systems of onlySites,
// whose arguments are args) that left the live registry, brings back the
// archived ones that returned to it, records both in the audit log as
// actor's, cancels the queued scans of archived sites, and publishes
// events.SitesArchived so that their labels are suspended.
func (s *Service) followArchive(ctx context.Context, tx *store.Tx, actor access.Actor, onlySites string, args []any) error {
	type change struct {
		id             int64
		url            string
		systemArchived bool
	}
	pick := func(cond string) ([]change, error) {
		rows, err := tx.QueryContext(ctx, `SELECT id, url, (SELECT archived_at FROM systems WHERE id = sites.system_id) <> '' FROM sites WHERE `+cond+onlySites+` ORDER BY id`, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []change
		for rows.Next() {
			var c change
			if err := rows.Scan(&c.id, &c.url, &c.systemArchived); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, rows.Err()
	}
	leaving, err := pick(`active = 1 AND NOT ` + listed)
	if err != nil {
		return fmt.Errorf("sitescan: sites leaving the registry: %w", err)
	}
	back, err := pick(`active = 0 AND ` + listed)
	if err != nil {
		return fmt.Errorf("sitescan: sites back in the registry: %w", err)
	}
	now := store.Now()
	var withSystem, byURL []int64
	for _, c := range leaving {
		if _, err := tx.ExecContext(ctx, `UPDATE sites SET active = 0, archived_at = $1, archived_by = $2 WHERE id = $3`, now, actor.Username, c.id); err != nil {
			return fmt.Errorf("sitescan: archive site %d: %w", c.id, err)
		}
		why := "url-removed"
		if c.systemArchived {
			why, withSystem = "system-archived", append(withSystem, c.id)
		} else {
			byURL = append(byURL, c.id)
		}
		if err := s.audit.Record(ctx, actor, "site.archive", "site", c.id, map[string]any{"url": c.url, "archived_at": nil},
			map[string]any{"url": c.url, "archived_at": now, "why": why}); err != nil {
			return err
		}
	}
	for _, c := range back {
		if _, err := tx.ExecContext(ctx, `UPDATE sites SET active = 1, archived_at = '', archived_by = '' WHERE id = $1`, c.id); err != nil {
			return fmt.Errorf("sitescan: restore site %d: %w", c.id, err)
		}
		if err := s.audit.Record(ctx, actor, "site.restore", "site", c.id, map[string]any{"url": c.url, "archived": true}, map[string]any{"url": c.url, "archived_at": nil}); err != nil {
			return err
		}
	}
	if len(leaving) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE scans SET status = 'error', finished_at = $1, error = $2, error_vi = $3, error_en = $4 WHERE status = 'queued' AND site_id IN (SELECT id FROM sites WHERE active = 0)`,
		now, "cancelled: the site was archived / đã huỷ: trang đã được lưu trữ", "Đã hủy: trang đã được lưu trữ", "Cancelled: the site was archived"); err != nil {
		return fmt.Errorf("sitescan: cancel scans of archived sites: %w", err)
	}
	for _, e := range []events.SitesArchived{{SiteIDs: withSystem, SystemArchived: true, By: actor}, {SiteIDs: byURL, By: actor}} {
		if len(e.SiteIDs) == 0 {
			continue
		}
		if err := s.events.Publish(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// purgeSystem deletes sitescan's rows of a system being purged (its
// sites, their scans and findings), after the features that keep rows of
// those sites deleted theirs (events.SitesPurge), and counts them.
func (s *Service) purgeSystem(ctx context.Context, e events.SystemPurge) error {
	return s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM sites WHERE system_id = $1 ORDER BY id`, e.SystemID)
		if err != nil {
			return fmt.Errorf("sitescan: purge system %d: %w", e.SystemID, err)
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
		if err := rows.Err(); err != nil {
			return err
		}
		if err := s.events.Publish(ctx, events.SitesPurge{SystemID: e.SystemID, SiteIDs: ids, By: e.By, Removed: e.Removed}); err != nil {
			return err
		}
		const ofSystem = `(SELECT id FROM sites WHERE system_id = $1)`
		for _, q := range []struct{ kind, sql string }{
			{"findings", `DELETE FROM findings WHERE site_id IN ` + ofSystem},
			{"scans", `DELETE FROM scans WHERE site_id IN ` + ofSystem},
			{"sites", `DELETE FROM sites WHERE system_id = $1`},
		} {
			res, err := tx.ExecContext(ctx, q.sql, e.SystemID)
			if err != nil {
				return fmt.Errorf("sitescan: purge %s of system %d: %w", q.kind, e.SystemID, err)
			}
			n, _ := res.RowsAffected()
			e.Removed.Add(q.kind, n)
		}
		return nil
	})
}
