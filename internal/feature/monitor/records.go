package monitor

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Alert is one thing the monitor saw that people must know.
type Alert struct {
	ID         int64     `json:"id"`
	SiteID     int64     `json:"site_id"`
	URL        string    `json:"url"`
	AgencyName string    `json:"agency_name"`
	Kind       string    `json:"kind"`
	Severity   string    `json:"severity"`
	Message    string    `json:"message"`
	MessageEN  string    `json:"message_en"`
	Muted      bool      `json:"muted"` // raised during a maintenance window: not sent
	CreatedAt  time.Time `json:"created_at"`
	Notified   *string   `json:"notified_at"`
	NotifyErr  string    `json:"notify_error"`
}

const siteScope = ` JOIN sites x ON x.id = t.site_id JOIN systems s ON s.id = x.system_id JOIN agencies a ON a.id = s.agency_id `

// AlertFilter selects alerts.
type AlertFilter struct {
	SiteID int64
	Kind   string
	Limit  int
	Offset int
}

// Alerts lists alerts on sites in actor's scope, newest first.
func (s *Service) Alerts(ctx context.Context, actor access.Actor, f AlertFilter) ([]Alert, int, error) {
	var w store.Where
	w.Cond(actor.PathFilter("s.agency_path"))
	if f.SiteID != 0 {
		w.Add("t.site_id = ?", f.SiteID)
	}
	if f.Kind != "" {
		w.Add("t.kind = ?", f.Kind)
	}
	var total int
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM alerts t`+siteScope+`WHERE `+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("monitor: count alerts: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT t.id, t.site_id, x.url, a.name, t.kind, t.severity, t.message, t.message_en, t.muted, t.created_at, t.notified_at, t.notify_error
		FROM alerts t`+siteScope+`WHERE `+w.SQL()+fmt.Sprintf(` ORDER BY t.id DESC LIMIT %d OFFSET %d`, limit, max(f.Offset, 0)), w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("monitor: list alerts: %w", err)
	}
	defer rows.Close()
	out := []Alert{}
	for rows.Next() {
		var a Alert
		var muted int
		var created, notified string
		if err := rows.Scan(&a.ID, &a.SiteID, &a.URL, &a.AgencyName, &a.Kind, &a.Severity, &a.Message, &a.MessageEN, &muted, &created, &notified, &a.NotifyErr); err != nil {
			return nil, 0, err
		}
		a.Muted, a.CreatedAt = muted == 1, store.ParseTime(created)
		if notified != "" {
			a.Notified = &notified
		}
		out = append(out, a)
	}
	return out, total, rows.Err()
}

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
func (s *Service) AddWindow(ctx context.Context, actor access.Actor, in WindowInput) (Window, error) {
	if !actor.CanWriteSecurity() || (in.SiteID == nil && !actor.CanManageUsers()) {
		return Window{}, fmt.Errorf("monitor: maintenance window: %w", store.ErrForbidden)
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
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if in.SiteID != nil {
			if _, err := s.sites.Site(ctx, actor, *in.SiteID); err != nil {
				return err
			}
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO maintenance_windows (site_id, starts_at, ends_at, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			in.SiteID, store.FormatTime(in.StartsAt), store.FormatTime(in.EndsAt), in.Reason, actor.Username, store.Now()).Scan(&id)
		if err != nil {
			return fmt.Errorf("monitor: add window: %w", err)
		}
		out = Window{ID: id, SiteID: in.SiteID, StartsAt: in.StartsAt.UTC(), EndsAt: in.EndsAt.UTC(), Reason: in.Reason, CreatedBy: actor.Username}
		return s.audit.Record(ctx, actor, "maintenance.add", "maintenance_window", id, nil, out)
	})
	return out, err
}

// Windows lists the windows that have not ended, for sites in scope (and
// the province-wide ones).
func (s *Service) Windows(ctx context.Context, actor access.Actor) ([]Window, error) {
	var w store.Where
	cond, args := actor.PathFilter("s.agency_path")
	w.Add("m.ends_at >= ?", store.Now())
	w.Add("(m.site_id IS NULL OR ("+cond+"))", args...)
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT m.id, m.site_id, m.starts_at, m.ends_at, m.reason, m.created_by FROM maintenance_windows m
		LEFT JOIN sites x ON x.id = m.site_id LEFT JOIN systems s ON s.id = x.system_id WHERE `+w.SQL()+` ORDER BY m.starts_at`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("monitor: windows: %w", err)
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
func (s *Service) DeleteWindow(ctx context.Context, actor access.Actor, id int64) error {
	if !actor.CanWriteSecurity() {
		return fmt.Errorf("monitor: maintenance window: %w", store.ErrForbidden)
	}
	return s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var site sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT site_id FROM maintenance_windows WHERE id = $1`, id).Scan(&site)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("monitor: window %d: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if site.Valid {
			if _, err := s.sites.Site(ctx, actor, site.Int64); err != nil {
				return err
			}
		} else if !actor.CanManageUsers() {
			return fmt.Errorf("monitor: window %d: %w", id, store.ErrForbidden)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM maintenance_windows WHERE id = $1`, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, actor, "maintenance.delete", "maintenance_window", id, nil, nil)
	})
}

func (s *Service) inMaintenance(ctx context.Context, tx *store.Tx, siteID int64, at time.Time) (bool, error) {
	var n int
	t := store.FormatTime(at)
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM maintenance_windows WHERE (site_id IS NULL OR site_id = $1) AND starts_at <= $2 AND ends_at > $2`, siteID, t).Scan(&n)
	return n > 0, err
}

// Stats sums a site's probes since a time.
type Stats struct {
	Samples       int      `json:"samples"`
	UptimePercent float64  `json:"uptime_percent"`
	AvgLatencyMS  int      `json:"avg_latency_ms"`
	P95LatencyMS  int      `json:"p95_latency_ms"`
	Since         string   `json:"since"`
	Series        []Sample `json:"series"`
}

// SiteStats returns the site's uptime and latency since since (the site
// must be in actor's scope), with the samples for charts (at most 2,000,
// the most recent).
func (s *Service) SiteStats(ctx context.Context, actor access.Actor, siteID int64, since time.Time) (Stats, error) {
	if _, err := s.sites.Site(ctx, actor, siteID); err != nil {
		return Stats{}, err
	}
	st := Stats{Since: store.FormatTime(since), Series: []Sample{}}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT at, ok, status, latency_ms, change, error FROM monitor_samples WHERE site_id = $1 AND at >= $2 ORDER BY at DESC LIMIT 2000`,
		siteID, store.FormatTime(since))
	if err != nil {
		return st, fmt.Errorf("monitor: samples: %w", err)
	}
	defer rows.Close()
	var up, sum int
	var lat []int
	for rows.Next() {
		var m Sample
		var at string
		var ok int
		if err := rows.Scan(&at, &ok, &m.Status, &m.LatencyMS, &m.Change, &m.Error); err != nil {
			return st, err
		}
		m.At, m.OK = store.ParseTime(at), ok == 1
		st.Series = append(st.Series, m)
		if m.OK {
			up++
			sum += m.LatencyMS
			lat = append(lat, m.LatencyMS)
		}
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	// Oldest first for charts.
	for i, j := 0, len(st.Series)-1; i < j; i, j = i+1, j-1 {
		st.Series[i], st.Series[j] = st.Series[j], st.Series[i]
	}
	st.Samples = len(st.Series)
	if st.Samples > 0 {
		st.UptimePercent = float64(up) * 100 / float64(st.Samples)
	}
	if len(lat) > 0 {
		st.AvgLatencyMS = sum / len(lat)
		slices.Sort(lat)
		st.P95LatencyMS = lat[(len(lat)*95+99)/100-1] // nearest rank
	}
	return st, nil
}

// PurgeSamples deletes probe samples older than keep.
func (s *Service) PurgeSamples(ctx context.Context, keep time.Duration) error {
	_, err := s.db.Writer().ExecContext(ctx, `DELETE FROM monitor_samples WHERE at < $1`, store.FormatTime(time.Now().Add(-keep)))
	return err
}
