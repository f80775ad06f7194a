package monitor

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
)

// PastProbe is one probe made earlier, for RecordHistory: what it saw.
type PastProbe struct {
	At        time.Time
	OK        bool
	Status    int
	LatencyMS int
	// Error is the technical reason of a failure, ErrorVI and ErrorEN
	// its sentence for people.
	Error, ErrorVI, ErrorEN string
	// CertNotAfter is the end of the certificate seen (nil: plain HTTP).
	CertNotAfter *time.Time
}

// RecordHistory stores probes made earlier (the demo's recorded history,
// or an import from another monitor) for a site in actor's scope, oldest
// first (admins, analysts). Each goes through the alert state machine as
// a live probe would (down after the failure threshold, recovered, the
// certificate expiring), an alert raised in a maintenance window is
// muted, and the samples and alerts keep their own times. One
// transaction, audited once; nothing is sent (old alerts are history,
// not news), and the site's state becomes the newest probe's
// (ProbeFinished, published once). It returns the alerts raised.
func (s *Service) RecordHistory(ctx context.Context, actor access.Actor, siteID int64, probes []PastProbe) ([]Alert, error) {
	if !actor.CanProbeSites() {
		return nil, fmt.Errorf("monitor: record probes: %w", store.ErrForbidden)
	}
	if len(probes) == 0 {
		return nil, nil
	}
	probes = slices.Clone(probes)
	slices.SortStableFunc(probes, func(a, b PastProbe) int { return a.At.Compare(b.At) })
	var alerts []Alert
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		t, err := s.target(ctx, actor, siteID)
		if err != nil {
			return err
		}
		samples := make([]Sample, 0, len(probes))
		var st step
		for _, p := range probes {
			v := verdict{OK: p.OK, Status: p.Status, LatencyMS: p.LatencyMS, Error: p.Error, ErrorVI: p.ErrorVI, ErrorEN: p.ErrorEN,
				CertNotAfter: p.CertNotAfter, Failing: map[string]string{}}
			st = advance(t, v, s.cfg, p.At.UTC())
			t.State, t.Failures, t.Raised = st.state, st.failures, st.raised
			samples = append(samples, st.sample)
			for _, a := range st.alerts {
				if s.cfg.Notify != nil {
					if a.Muted, err = s.cfg.Notify.InMaintenance(ctx, t.ID, a.CreatedAt); err != nil {
						return fmt.Errorf("monitor: maintenance: %w", err)
					}
				}
				// An unmuted alert is recorded as notified at its time: an
				// old alert is never sent now.
				at, notified := store.FormatTime(a.CreatedAt), ""
				if !a.Muted {
					notified = at
				}
				if err := tx.QueryRowContext(ctx, `INSERT INTO alerts (site_id, kind, severity, message, message_en, muted, created_at, notified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
					t.ID, a.Kind, a.Severity, a.Message, a.MessageEN, store.Flag(a.Muted), at, notified).Scan(&a.ID); err != nil {
					return fmt.Errorf("monitor: alert: %w", err)
				}
				alerts = append(alerts, a)
			}
		}
		if err := insertSamples(ctx, tx, t.ID, samples); err != nil {
			return err
		}
		if err := refreshSummary(ctx, tx, t.ID, time.Now()); err != nil {
			return err
		}
		last := probes[len(probes)-1]
		if err := s.audit.Record(ctx, actor, "monitor.import", "site", t.ID, nil, map[string]any{"samples": len(samples), "alerts": len(alerts), "since": probes[0].At}); err != nil {
			return err
		}
		smp := st.sample
		return s.events.Publish(ctx, events.ProbeFinished{SiteID: t.ID, At: smp.At, OK: smp.OK, Status: smp.Status, LatencyMS: smp.LatencyMS,
			Error: smp.Error, ErrorVI: smp.ErrorVI, ErrorEN: smp.ErrorEN, CertNotAfter: last.CertNotAfter, State: st.state, Failures: st.failures,
			Raised: st.raised, Failing: map[string]string{}})
	})
	if err != nil {
		return nil, err
	}
	return alerts, nil
}

// sampleBatch is how many samples one INSERT writes (9 values each):
// SQLite binds a few fastest (its cost grows with the square of the
// values), PostgreSQL gains from fewer round trips.
func sampleBatch(e store.Engine) int {
	if e == store.Postgres {
		return 500
	}
	return 10
}

// insertSamples writes samples in batches of multi-row INSERTs, the
// statement of a full batch prepared once.
func insertSamples(ctx context.Context, tx *store.Tx, siteID int64, samples []Sample) error {
	query := func(rows int) string {
		var q strings.Builder
		q.WriteString(`INSERT INTO monitor_samples (site_id, at, ok, status, latency_ms, change, error, error_vi, error_en) VALUES `)
		for i := range rows {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(" + store.Placeholders(i*9+1, 9) + ")")
		}
		return q.String()
	}
	batch := sampleBatch(tx.Engine)
	var full *sql.Stmt
	if len(samples) >= batch {
		var err error
		if full, err = tx.PrepareContext(ctx, query(batch)); err != nil {
			return fmt.Errorf("monitor: samples of site %d: %w", siteID, err)
		}
		defer full.Close()
	}
	for chunk := range slices.Chunk(samples, batch) {
		args := make([]any, 0, len(chunk)*9)
		for _, m := range chunk {
			args = append(args, siteID, store.FormatTime(m.At), store.Flag(m.OK), m.Status, m.LatencyMS, m.Change, m.Error, m.ErrorVI, m.ErrorEN)
		}
		var err error
		if len(chunk) == batch {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, query(len(chunk)), args...)
		}
		if err != nil {
			return fmt.Errorf("monitor: samples of site %d: %w", siteID, err)
		}
	}
	return nil
}

// Day is one calendar day (UTC) of a site's probes.
type Day struct {
	Date    string `json:"date"` // 2006-01-02
	Samples int    `json:"samples"`
	Up      int    `json:"up"`
	// UptimePercent is null on a day without probes ("no data", not 0 %).
	UptimePercent *float64 `json:"uptime_percent"`
	AvgLatencyMS  int      `json:"avg_latency_ms"` // of the probes that answered
}

// DailyUptime returns one entry per day for the days days up to now's
// (UTC), oldest first, for a site in actor's scope: the uptime bars.
func (s *Service) DailyUptime(ctx context.Context, actor access.Actor, siteID int64, days int, now time.Time) ([]Day, error) {
	if _, err := s.target(ctx, actor, siteID); err != nil {
		return nil, err
	}
	days = min(max(days, 1), 366)
	today := now.UTC().Truncate(24 * time.Hour)
	first := today.AddDate(0, 0, -(days - 1))
	out := make([]Day, days)
	index := map[string]int{}
	for i := range out {
		out[i].Date = first.AddDate(0, 0, i).Format(time.DateOnly)
		index[out[i].Date] = i
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT SUBSTR(at, 1, 10), COUNT(*), SUM(ok), SUM(CASE WHEN ok = 1 THEN latency_ms ELSE 0 END)
		FROM monitor_samples WHERE site_id = $1 AND at >= $2 GROUP BY SUBSTR(at, 1, 10)`, siteID, store.FormatTime(first))
	if err != nil {
		return nil, fmt.Errorf("monitor: daily uptime of site %d: %w", siteID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var date string
		var n, up, latency int64
		if err := rows.Scan(&date, &n, &up, &latency); err != nil {
			return nil, err
		}
		i, ok := index[date]
		if !ok || n == 0 {
			continue
		}
		pct := float64(up) * 100 / float64(n)
		out[i].Samples, out[i].Up, out[i].UptimePercent = int(n), int(up), &pct
		if up > 0 {
			out[i].AvgLatencyMS = int(latency / up)
		}
	}
	return out, rows.Err()
}
