package monitor

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
)

// The overview reads one summary row per site (monitor_summary), kept up
// to date when probes are recorded, so that thousands of sites cost one
// indexed read each rather than an aggregate over every probe sample.

// refreshSummary recomputes site's summary row from its samples of the
// last 30 days as of now, inside the caller's transaction (or not).
func refreshSummary(ctx context.Context, q store.Querier, siteID int64, now time.Time) error {
	day, month := store.FormatTime(now.Add(-24*time.Hour)), store.FormatTime(now.Add(-30*24*time.Hour))
	var s24, u24, s30, u30 int
	var lat float64
	var lastChange string
	err := q.QueryRowContext(ctx, `SELECT
			COALESCE(SUM(CASE WHEN at >= $2 THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN at >= $2 AND ok = 1 THEN 1 ELSE 0 END), 0),
			COUNT(*),
			COALESCE(SUM(ok), 0),
			COALESCE(AVG(CASE WHEN at >= $2 AND ok = 1 THEN latency_ms END), 0),
			COALESCE(MAX(CASE WHEN change > 0 THEN at END), '')
		FROM monitor_samples WHERE site_id = $1 AND at >= $3`, siteID, day, month).
		Scan(&s24, &u24, &s30, &u30, &lat, &lastChange)
	if err != nil {
		return fmt.Errorf("monitor: summary of site %d: %w", siteID, err)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO monitor_summary (site_id, samples_24h, up_24h, samples_30d, up_30d, uptime_24h, uptime_30d, avg_latency_24h, last_change_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (site_id) DO UPDATE SET samples_24h = excluded.samples_24h, up_24h = excluded.up_24h, samples_30d = excluded.samples_30d,
			up_30d = excluded.up_30d, uptime_24h = excluded.uptime_24h, uptime_30d = excluded.uptime_30d, avg_latency_24h = excluded.avg_latency_24h,
			last_change_at = excluded.last_change_at, updated_at = excluded.updated_at`,
		siteID, s24, u24, s30, u30, percent(u24, s24), percent(u30, s30), int(math.Round(lat)), lastChange, store.FormatTime(now))
	if err != nil {
		return fmt.Errorf("monitor: summary of site %d: %w", siteID, err)
	}
	return nil
}

// RefreshSummaries recomputes the summaries older than an hour, and makes
// the missing ones (sites no probe has reached since the summaries came
// in), so that the 24-hour window of a site no longer probed slides too.
// The recurring purge job calls it; it returns how many were refreshed.
func (s *Service) RefreshSummaries(ctx context.Context, now time.Time) (int, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT x.id FROM sites x LEFT JOIN monitor_summary m ON m.site_id = x.id
		WHERE m.site_id IS NULL OR m.updated_at < $1 ORDER BY x.id`, store.FormatTime(now.Add(-time.Hour)))
	if err != nil {
		return 0, fmt.Errorf("monitor: stale summaries: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := refreshSummary(ctx, s.db.Writer(), id, now); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// OverviewRow is one site of the monitoring overview.
type OverviewRow struct {
	SiteID     int64  `json:"site_id"`
	URL        string `json:"url"`
	AgencyID   int64  `json:"agency_id"`
	AgencyName string `json:"agency_name"`
	SystemName string `json:"system_name"`
	// State is up, down or unknown; Monitored is false when monitoring is
	// off for the site, or it is not approved for probes.
	State         string     `json:"state"`
	Monitored     bool       `json:"monitored"`
	LastCheckedAt *time.Time `json:"last_checked_at"`
	LastLatencyMS int        `json:"last_latency_ms"`
	// Uptime24h and Uptime30d are null without probes in the window ("no
	// data", not 0 %).
	Uptime24h       *float64 `json:"uptime_24h"`
	Uptime30d       *float64 `json:"uptime_30d"`
	Samples24h      int      `json:"samples_24h"`
	Samples30d      int      `json:"samples_30d"`
	AvgLatency24hMS int      `json:"avg_latency_24h_ms"`
	// CertDaysLeft is null over plain HTTP or before the first probe.
	CertDaysLeft *int       `json:"cert_days_left"`
	CertExpires  *time.Time `json:"cert_expires_at"`
	LastChangeAt *time.Time `json:"last_change_at"`
	Grade        string     `json:"grade"`
	// LabelState is the trust label's state (granted, suspended, revoked,
	// expired), empty without one.
	LabelState string `json:"label_state"`
}

// OverviewFilter narrows and orders the overview.
type OverviewFilter struct {
	Q string // part of the URL, system or agency name
	// AgencyPath keeps the sites of this agency and the ones below it
	// (the agency's path, "/1/5/"; empty: every agency in scope).
	AgencyPath string
	State      string // up, down or unknown
	// Sort is worst (default: down first, then the lowest 24-hour
	// uptime, then the fewest certificate days), url, agency, uptime_24h,
	// uptime_30d, latency, cert or checked; a leading "-" reverses it.
	Sort          string
	Limit, Offset int
}

// overviewSorts maps a sort key to its ORDER BY terms, ascending.
var overviewSorts = map[string][]string{
	"worst":      {`CASE x.state WHEN 'down' THEN 0 WHEN 'unknown' THEN 2 ELSE 1 END`, uptime24 + ` IS NULL`, uptime24, `x.cert_expires_at = ''`, `x.cert_expires_at`, `x.url`},
	"url":        {`x.url`},
	"agency":     {`a.name`, `x.url`},
	"uptime_24h": {uptime24 + ` IS NULL`, uptime24, `x.url`},
	"uptime_30d": {uptime30 + ` IS NULL`, uptime30, `x.url`},
	"latency":    {`x.last_latency_ms`, `x.url`},
	"cert":       {`x.cert_expires_at = ''`, `x.cert_expires_at`, `x.url`},
	"checked":    {`x.last_checked_at = ''`, `x.last_checked_at`, `x.url`},
}

const uptime24, uptime30 = `m.uptime_24h`, `m.uptime_30d`

// Overview lists the live sites in actor's scope with their monitoring
// figures, worst first by default, and the number of sites matching f.
func (s *Service) Overview(ctx context.Context, actor access.Actor, f OverviewFilter, now time.Time) ([]OverviewRow, int, error) {
	key, desc := strings.CutPrefix(f.Sort, "-")
	if key == "" {
		key = "worst"
	}
	terms, ok := overviewSorts[key]
	if !ok {
		return nil, 0, fmt.Errorf("monitor: sort %q: %w", f.Sort, store.ErrInvalid)
	}
	terms = slices.Clone(terms)
	if desc {
		for i, t := range terms {
			// "no data" stays last either way
			if !strings.HasSuffix(t, " IS NULL") && !strings.HasSuffix(t, " = ''") {
				terms[i] = t + " DESC"
			}
		}
	}
	order := strings.Join(terms, ", ")
	var w store.Where
	w.Add("x.active = 1")
	w.Cond(actor.PathFilter(store.ScopePath))
	if q := strings.TrimSpace(f.Q); q != "" {
		like := store.LikeContains(strings.ToLower(q))
		w.Add(`(LOWER(x.url) LIKE ? ESCAPE '\' OR LOWER(s.name) LIKE ? ESCAPE '\' OR LOWER(a.name) LIKE ? ESCAPE '\')`, like, like, like)
	}
	if f.AgencyPath != "" {
		w.Cond(access.SubtreeCondition(store.ScopePath, f.AgencyPath))
	}
	switch f.State {
	case "":
	case "up", "down", "unknown":
		w.Add("x.state = ?", f.State)
	default:
		return nil, 0, fmt.Errorf("monitor: state %q: %w", f.State, store.ErrInvalid)
	}
	where := ` FROM sites x` + store.JoinSystemAgency + `WHERE ` + w.SQL()
	var total int
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*)`+where, w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("monitor: overview: %w", err)
	}
	from := ` FROM sites x` + store.JoinSystemAgency + `LEFT JOIN monitor_summary m ON m.site_id = x.id LEFT JOIN labels l ON l.site_id = x.id WHERE ` + w.SQL()
	page := w.Limit(store.Page{Limit: f.Limit, Offset: f.Offset}.Clamped(100))
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT x.id, x.url, a.id, a.name, s.name, x.state, x.monitor_enabled, x.verification, x.last_checked_at, x.last_latency_ms,
			COALESCE(m.samples_24h, 0), COALESCE(m.up_24h, 0), COALESCE(m.samples_30d, 0), COALESCE(m.up_30d, 0), COALESCE(m.avg_latency_24h, 0),
			COALESCE(m.last_change_at, ''), x.cert_expires_at, x.last_grade, COALESCE(l.state, '')`+from+
		` ORDER BY `+order+`, x.id`+page, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("monitor: overview: %w", err)
	}
	defer rows.Close()
	var out []OverviewRow
	for rows.Next() {
		var r OverviewRow
		var enabled int
		var verification, checked, change, cert string
		var u24, u30 int
		if err := rows.Scan(&r.SiteID, &r.URL, &r.AgencyID, &r.AgencyName, &r.SystemName, &r.State, &enabled, &verification, &checked, &r.LastLatencyMS,
			&r.Samples24h, &u24, &r.Samples30d, &u30, &r.AvgLatency24hMS, &change, &cert, &r.Grade, &r.LabelState); err != nil {
			return nil, 0, fmt.Errorf("monitor: overview: %w", err)
		}
		r.Monitored = enabled == 1 && (verification == "approved" || verification == "verified")
		r.LastCheckedAt, r.LastChangeAt, r.CertExpires = store.TimePtr(checked), store.TimePtr(change), store.TimePtr(cert)
		r.Uptime24h, r.Uptime30d = percent(u24, r.Samples24h), percent(u30, r.Samples30d)
		if r.CertExpires != nil {
			d := int(math.Floor(r.CertExpires.Sub(now).Hours() / 24))
			r.CertDaysLeft = &d
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// percent is up of n as a percentage, nil without samples.
func percent(up, n int) *float64 {
	if n == 0 {
		return nil
	}
	p := 100 * float64(up) / float64(n)
	return &p
}
