// Archiving, restoring and purging systems: security history is never
// erased by deleting a system. "Delete" archives; only an admin purges.

package registry

import (
	"context"
	"fmt"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Audit actions of the archive.
const (
	actionArchive = "archive"
	actionRestore = "restore"
	actionPurge   = "purge"
)

// ArchivedError says a system is archived, hence read-only (409).
func ArchivedError(s System) error {
	var e valid.Errors
	e.Add("id", fmt.Sprintf("system %d is archived and read-only; an admin can restore it", s.ID),
		fmt.Sprintf("hệ thống %d đã được lưu trữ, chỉ xem được; quản trị viên có thể khôi phục", s.ID))
	return fmt.Errorf("%w (%w)", e, store.ErrConflict)
}

// DeleteSystem is what deleting a system does in the API and the UI: it
// archives it (see ArchiveSystem).
func (r *Registry) DeleteSystem(ctx context.Context, actor access.Actor, id int64) error {
	_, err := r.ArchiveSystem(ctx, actor, id)
	return err
}

// ArchiveSystem archives a live system within actor's scope (admins and
// agency officers): it leaves the live lists and counts and becomes
// read-only; its sites are archived with it (sitescan reacts to
// SystemsChanged), so they are no longer scanned or probed and their
// labels are suspended; every scan, finding, label and alert stays
// readable. Recorded as "archive" with the system before and after.
func (r *Registry) ArchiveSystem(ctx context.Context, actor access.Actor, id int64) (out System, err error) {
	if !actor.CanWriteRegistry() {
		return System{}, fmt.Errorf("registry: archive system: %w", store.ErrForbidden)
	}
	err = r.writeSystems(ctx, actor, func() []int64 { return []int64{id} }, func(ctx context.Context, tx *store.Tx) error {
		before, err := r.System(ctx, actor, id)
		if err != nil {
			return err
		}
		if before.Archived() {
			return ArchivedError(before)
		}
		now := store.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE systems SET archived_at = $1, archived_by = $2, updated_at = $1 WHERE id = $3`, now, actor.Username, id); err != nil {
			return fmt.Errorf("registry: archive system %d: %w", id, err)
		}
		if out, err = r.System(ctx, access.System, id); err != nil {
			return err
		}
		return r.audit.Record(ctx, actor, actionArchive, "system", id, before, out)
	})
	return out, err
}

// RestoreSystem brings an archived system back to the live registry
// (admins only); its sites whose URLs it still lists become live again
// with their history. Labels suspended by the archive stay suspended until
// an admin grants them again.
func (r *Registry) RestoreSystem(ctx context.Context, actor access.Actor, id int64) (out System, err error) {
	if !actor.CanPurgeSystems() {
		return System{}, fmt.Errorf("registry: restore system: %w", store.ErrForbidden)
	}
	err = r.writeSystems(ctx, actor, func() []int64 { return []int64{id} }, func(ctx context.Context, tx *store.Tx) error {
		before, err := r.System(ctx, actor, id)
		if err != nil {
			return err
		}
		if !before.Archived() {
			return fmt.Errorf("registry: system %d is not archived: %w", id, store.ErrConflict)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE systems SET archived_at = '', archived_by = '', updated_at = $1 WHERE id = $2`, store.Now(), id); err != nil {
			return fmt.Errorf("registry: restore system %d: %w", id, err)
		}
		if out, err = r.System(ctx, access.System, id); err != nil {
			return err
		}
		return r.audit.Record(ctx, actor, actionRestore, "system", id, before, out)
	})
	return out, err
}

// Purge says what purging a system removed, by kind of row.
type Purge struct {
	SystemID int64        `json:"system_id"`
	Removed  events.Tally `json:"removed"`
}

// PurgeSystem deletes an archived system and everything recorded about it
// (admins only), in one transaction: every feature deletes its own rows
// of it, reacting to events.SystemPurge, and counts them; the audit entry
// "purge" keeps the system as it was and the counts.
func (r *Registry) PurgeSystem(ctx context.Context, actor access.Actor, id int64) (Purge, error) {
	if !actor.CanPurgeSystems() {
		return Purge{}, fmt.Errorf("registry: purge system: %w", store.ErrForbidden)
	}
	out := Purge{SystemID: id, Removed: events.Tally{}}
	err := r.write(ctx, func(ctx context.Context, tx *store.Tx) error {
		before, err := r.System(ctx, actor, id)
		if err != nil {
			return err
		}
		if !before.Archived() {
			return fmt.Errorf("registry: system %d is live; archive it before purging it: %w", id, store.ErrConflict)
		}
		if err := r.events.Publish(ctx, events.SystemPurge{SystemID: id, By: actor, Removed: out.Removed}); err != nil {
			return err
		}
		for _, q := range []struct{ kind, sql string }{
			{"system_assets", `DELETE FROM system_assets WHERE system_id = $1`},
			{"system_software", `DELETE FROM system_software WHERE system_id = $1`},
			{"systems", `DELETE FROM systems WHERE id = $1`},
		} {
			res, err := tx.ExecContext(ctx, q.sql, id)
			if err != nil {
				return fmt.Errorf("registry: purge system %d: %w", id, err)
			}
			n, _ := res.RowsAffected()
			out.Removed.Add(q.kind, n)
		}
		return r.audit.Record(ctx, actor, actionPurge, "system", id, before, map[string]any{"removed": out.Removed})
	})
	return out, err
}
