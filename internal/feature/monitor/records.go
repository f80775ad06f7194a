package monitor

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
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
	// AcknowledgedAt and AcknowledgedBy say who marked the alert seen;
	// nil and empty while it waits.
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
	AcknowledgedBy string     `json:"acknowledged_by,omitempty"`
}

// WebhookBody is what a webhook receives for an alert.
type WebhookBody struct {
	Event string `json:"event"` // "alert"
	Alert Alert  `json:"alert"`
}

var siteScope = store.JoinSite("t")

// AlertFilter selects alerts. Values are checked by Valid.
type AlertFilter struct {
	SiteID int64
	Kind   string
	// State is "new" (not acknowledged), "acknowledged", or "" for both.
	State string
	// Severity keeps one severity ("critical", "high", …); "" all.
	Severity string
	// AgencyPath keeps the alerts of this agency's sites and those of
	// the agencies below it ("/1/5/"); "" every agency in scope.
	AgencyPath string
	// From and To bound the time the alert was raised (To excluded);
	// zero leaves that side open.
	From, To time.Time
	// Sort is "newest" (default), "oldest" or "severity" (worst first,
	// then newest).
	Sort   string
	Limit  int
	Offset int
}

// AlertStates, AlertSeverities and AlertSorts are the values AlertFilter
// accepts.
var (
	AlertStates     = []string{"new", "acknowledged"}
	AlertSeverities = []string{"critical", "high", "medium", "low", "info"}
	AlertSorts      = []string{"newest", "oldest", "severity"}
)

// Valid says which field of the filter is wrong, if one is.
func (f AlertFilter) Valid() error {
	bad := func(field, en, vi string) error {
		var e valid.Errors
		e.Add(field, en, vi)
		return e.Err()
	}
	switch {
	case f.State != "" && !slices.Contains(AlertStates, f.State):
		return bad("state", "is not new or acknowledged", "không phải mới hoặc đã xác nhận")
	case f.Severity != "" && !slices.Contains(AlertSeverities, f.Severity):
		return bad("severity", "is not a severity", "không phải một mức độ")
	case f.Sort != "" && !slices.Contains(AlertSorts, f.Sort):
		return bad("sort", "is not newest, oldest or severity", "không phải mới nhất, cũ nhất hoặc mức độ")
	case !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To):
		return bad("to", "is not after the start", "không sau ngày bắt đầu")
	case f.AgencyPath != "" && !strings.HasSuffix(f.AgencyPath, "/"):
		return bad("agency", "is not an agency", "không phải một cơ quan")
	}
	return nil
}

var alertOrder = map[string]string{
	"":         "t.id DESC",
	"newest":   "t.id DESC",
	"oldest":   "t.id ASC",
	"severity": "CASE t.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, t.id DESC",
}

// alertWhere is the condition of a filter within actor's scope.
func alertWhere(actor access.Actor, f AlertFilter) store.Where {
	var w store.Where
	w.Cond(actor.PathFilter(store.ScopePath))
	if f.SiteID != 0 {
		w.Add("t.site_id = ?", f.SiteID)
	}
	if f.Kind != "" {
		w.Add("t.kind = ?", f.Kind)
	}
	switch f.State {
	case "new":
		w.Add("t.acknowledged_at = ''")
	case "acknowledged":
		w.Add("t.acknowledged_at <> ''")
	}
	if f.Severity != "" {
		w.Add("t.severity = ?", f.Severity)
	}
	if f.AgencyPath != "" {
		w.Cond(access.SubtreeCondition(store.ScopePath, f.AgencyPath))
	}
	w.Between("t.created_at", f.From, f.To)
	return w
}

// Alerts lists alerts on sites in actor's scope, newest first unless the
// filter sorts otherwise.
func (s *Service) Alerts(ctx context.Context, actor access.Actor, f AlertFilter) ([]Alert, int, error) {
	if err := f.Valid(); err != nil {
		return nil, 0, fmt.Errorf("monitor: alerts: %w", err)
	}
	w := alertWhere(actor, f)
	var total int
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM alerts t`+siteScope+`WHERE `+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("monitor: count alerts: %w", err)
	}
	page := w.Limit(store.Page{Limit: f.Limit, Offset: f.Offset}.Clamped(50))
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT t.id, t.site_id, x.url, a.name, t.kind, t.severity, t.message, t.message_en, t.muted, t.created_at, t.notified_at, t.notify_error, t.acknowledged_at, t.acknowledged_by
		FROM alerts t`+siteScope+`WHERE `+w.SQL()+` ORDER BY `+alertOrder[f.Sort]+page, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("monitor: list alerts: %w", err)
	}
	defer rows.Close()
	out := []Alert{}
	for rows.Next() {
		var a Alert
		var muted int
		var created, notified, acked string
		if err := rows.Scan(&a.ID, &a.SiteID, &a.URL, &a.AgencyName, &a.Kind, &a.Severity, &a.Message, &a.MessageEN, &muted, &created, &notified, &a.NotifyErr, &acked, &a.AcknowledgedBy); err != nil {
			return nil, 0, err
		}
		a.Muted, a.CreatedAt = muted == 1, store.ParseTime(created)
		if acked != "" {
			t := store.ParseTime(acked)
			a.AcknowledgedAt = &t
		}
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

// MaxAcknowledge bounds one bulk acknowledgement.
const MaxAcknowledge = 500

// AcknowledgeAlerts marks the alerts seen by actor, all in one
// transaction: an id outside actor's scope (or unknown) refuses the whole
// request as not found, and nothing is written. Alerts acknowledged
// before keep their first acknowledgement. It returns how many changed;
// each is audited.
func (s *Service) AcknowledgeAlerts(ctx context.Context, actor access.Actor, ids []int64) (int, error) {
	if !actor.CanAcknowledgeAlerts() {
		return 0, fmt.Errorf("monitor: acknowledge alerts: %w", store.ErrForbidden)
	}
	if len(ids) == 0 {
		var e valid.Errors
		e.Add("ids", "tick at least one alert", "hãy chọn ít nhất một cảnh báo")
		return 0, e.Err()
	}
	if len(ids) > MaxAcknowledge {
		var e valid.Errors
		e.Add("ids", fmt.Sprintf("at most %d alerts at once", MaxAcknowledge), fmt.Sprintf("tối đa %d cảnh báo một lần", MaxAcknowledge))
		return 0, e.Err()
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	changed := 0
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		now := store.Now()
		for _, id := range ids {
			var w store.Where
			w.Add("t.id = ?", id)
			w.Cond(actor.PathFilter(store.ScopePath))
			var acked, url string
			err := tx.QueryRowContext(ctx, `SELECT t.acknowledged_at, x.url FROM alerts t`+store.JoinSiteSystem("t")+`WHERE `+w.SQL(), w.Args()...).Scan(&acked, &url)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("monitor: alert %d: %w", id, store.ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("monitor: alert %d: %w", id, err)
			}
			if acked != "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE alerts SET acknowledged_at = $1, acknowledged_by = $2 WHERE id = $3`, now, actor.Username, id); err != nil {
				return fmt.Errorf("monitor: acknowledge alert %d: %w", id, err)
			}
			if err := s.audit.Record(ctx, actor, "alert.acknowledge", "alert", id, map[string]any{"state": "new", "url": url}, map[string]any{"state": "acknowledged", "url": url}); err != nil {
				return err
			}
			changed++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return changed, nil
}
