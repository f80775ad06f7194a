package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Window is a maintenance window: alerts raised inside it are recorded
// but muted. A window without a site covers every site.
type Window struct {
	ID        int64     `json:"id"`
	SiteID    *int64    `json:"site_id"`
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	Reason    string    `json:"reason"`
	CreatedBy string    `json:"created_by"`
}

// WindowInput creates a window.
type WindowInput struct {
	SiteID   *int64    `json:"site_id"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	Reason   string    `json:"reason"`
}

// AddWindow records a maintenance window (admins and analysts; a window
// for every site needs an admin).
func (d *Service) AddWindow(ctx context.Context, actor access.Actor, in WindowInput) (Window, error) {
	if !actor.CanWriteSecurity() || (in.SiteID == nil && !actor.CanMuteProvince()) {
		return Window{}, fmt.Errorf("notify: maintenance window: %w", store.ErrForbidden)
	}
	var e valid.Errors
	if in.StartsAt.IsZero() || in.EndsAt.IsZero() {
		e.Add("starts_at", "starts_at and ends_at are required (RFC 3339)", "cần starts_at và ends_at (RFC 3339)")
	} else if !in.EndsAt.After(in.StartsAt) {
		e.Add("ends_at", "must be after starts_at", "phải sau starts_at")
	} else if in.EndsAt.Sub(in.StartsAt) > 31*24*time.Hour {
		e.Add("ends_at", "a window lasts at most 31 days", "một đợt bảo trì tối đa 31 ngày")
	}
	e.Text("reason", in.Reason, false, 500, false)
	if err := e.Err(); err != nil {
		return Window{}, err
	}
	var out Window
	err := d.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if in.SiteID != nil {
			if err := d.siteInScope(ctx, actor, *in.SiteID); err != nil {
				return err
			}
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO maintenance_windows (site_id, starts_at, ends_at, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			in.SiteID, store.FormatTime(in.StartsAt), store.FormatTime(in.EndsAt), in.Reason, actor.Username, store.Now()).Scan(&id)
		if err != nil {
			return fmt.Errorf("notify: add window: %w", err)
		}
		out = Window{ID: id, SiteID: in.SiteID, StartsAt: in.StartsAt.UTC(), EndsAt: in.EndsAt.UTC(), Reason: in.Reason, CreatedBy: actor.Username}
		return d.audit.Record(ctx, actor, "maintenance.add", "maintenance_window", id, nil, out)
	})
	return out, err
}

// Windows lists the windows that have not ended, for sites in scope (and
// the province-wide ones).
func (d *Service) Windows(ctx context.Context, actor access.Actor) ([]Window, error) {
	var w store.Where
	cond, args := actor.PathFilter(store.ScopePath)
	w.Add("m.ends_at >= ?", store.Now())
	w.Add("(m.site_id IS NULL OR ("+cond+"))", args...)
	rows, err := d.db.Q(ctx).QueryContext(ctx, `SELECT m.id, m.site_id, m.starts_at, m.ends_at, m.reason, m.created_by FROM maintenance_windows m
		LEFT JOIN sites x ON x.id = m.site_id LEFT JOIN systems s ON s.id = x.system_id WHERE `+w.SQL()+` ORDER BY m.starts_at`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("notify: windows: %w", err)
	}
	defer rows.Close()
	out := []Window{}
	for rows.Next() {
		var m Window
		var site sql.NullInt64
		var from, to string
		if err := rows.Scan(&m.ID, &site, &from, &to, &m.Reason, &m.CreatedBy); err != nil {
			return nil, err
		}
		if site.Valid {
			m.SiteID = &site.Int64
		}
		m.StartsAt, m.EndsAt = store.ParseTime(from), store.ParseTime(to)
		out = append(out, m)
	}
	return out, rows.Err()
}

// DeleteWindow ends a window early (admins and analysts).
func (d *Service) DeleteWindow(ctx context.Context, actor access.Actor, id int64) error {
	if !actor.CanWriteSecurity() {
		return fmt.Errorf("notify: maintenance window: %w", store.ErrForbidden)
	}
	return d.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var site sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT site_id FROM maintenance_windows WHERE id = $1`, id).Scan(&site)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("notify: window %d: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if site.Valid {
			if err := d.siteInScope(ctx, actor, site.Int64); err != nil {
				return err
			}
		} else if !actor.CanMuteProvince() {
			return fmt.Errorf("notify: window %d: %w", id, store.ErrForbidden)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM maintenance_windows WHERE id = $1`, id); err != nil {
			return err
		}
		return d.audit.Record(ctx, actor, "maintenance.delete", "maintenance_window", id, nil, nil)
	})
}

// InMaintenance reports whether a window covers the site at a time.
func (d *Service) InMaintenance(ctx context.Context, siteID int64, at time.Time) (bool, error) {
	var n int
	t := store.FormatTime(at)
	err := d.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM maintenance_windows WHERE (site_id IS NULL OR site_id = $1) AND starts_at <= $2 AND ends_at > $2`, siteID, t).Scan(&n)
	return n > 0, err
}

// siteInScope answers store.ErrNotFound unless the site lies in actor's
// scope.
func (d *Service) siteInScope(ctx context.Context, actor access.Actor, siteID int64) error {
	var w store.Where
	w.Add("x.id = ?", siteID)
	w.Cond(actor.PathFilter(store.ScopePath))
	var n int
	if err := d.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM sites x`+store.JoinSystemAgency+`WHERE `+w.SQL(), w.Args()...).Scan(&n); err != nil {
		return fmt.Errorf("notify: site %d: %w", siteID, err)
	}
	if n == 0 {
		return fmt.Errorf("notify: site %d: %w", siteID, store.ErrNotFound)
	}
	return nil
}
