package monitor

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
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

// WebhookBody is what a webhook receives for an alert.
type WebhookBody struct {
	Event string `json:"event"` // "alert"
	Alert Alert  `json:"alert"`
}

var siteScope = store.JoinSite("t")

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
	w.Cond(actor.PathFilter(store.ScopePath))
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
	page := w.Limit(store.Page{Limit: f.Limit, Offset: f.Offset}.Clamped(50))
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT t.id, t.site_id, x.url, a.name, t.kind, t.severity, t.message, t.message_en, t.muted, t.created_at, t.notified_at, t.notify_error
		FROM alerts t`+siteScope+`WHERE `+w.SQL()+` ORDER BY t.id DESC`+page, w.Args()...)
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
	if _, err := s.target(ctx, actor, siteID); err != nil {
		return Stats{}, err
	}
	st := Stats{Since: store.FormatTime(since), Series: []Sample{}}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT at, ok, status, latency_ms, change, error, error_vi, error_en FROM monitor_samples WHERE site_id = $1 AND at >= $2 ORDER BY at DESC LIMIT 2000`,
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
		if err := rows.Scan(&at, &ok, &m.Status, &m.LatencyMS, &m.Change, &m.Error, &m.ErrorVI, &m.ErrorEN); err != nil {
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
