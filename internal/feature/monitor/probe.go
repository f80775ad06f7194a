package monitor

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/hostrate"
	"github.com/khien-project/khien/internal/platform/notify"
	"github.com/khien-project/khien/internal/platform/reach"
	"github.com/khien-project/khien/internal/platform/store"
)

// target is what a probe needs to know of a site. The site's record
// belongs to sitescan; the monitor only reads it here, and sitescan
// updates it when the monitor publishes ProbeFinished.
type target struct {
	ID              int64
	URL             string
	AgencyName      string
	Active, Enabled bool
	Verification    string // probed only when approved or verified
	State           string
	Failures        int
	Raised          []string
	Baseline        string
	IgnoreRule      string
	ChangeThreshold float64
}

func (s *Service) target(ctx context.Context, actor access.Actor, siteID int64) (target, error) {
	var w store.Where
	w.Add("x.id = ?", siteID)
	w.Cond(actor.PathFilter(store.ScopePath))
	var t target
	var active, enabled int
	var raised string
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT x.id, x.url, a.name, x.active, x.monitor_enabled, x.state, x.failures, x.raised, x.baseline, x.ignore_rule, x.change_threshold, x.verification
		FROM sites x`+store.JoinSystemAgency+`WHERE `+w.SQL(), w.Args()...).
		Scan(&t.ID, &t.URL, &t.AgencyName, &active, &enabled, &t.State, &t.Failures, &raised, &t.Baseline, &t.IgnoreRule, &t.ChangeThreshold, &t.Verification)
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("monitor: site %d: %w", siteID, store.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("monitor: site %d: %w", siteID, err)
	}
	t.Active, t.Enabled, t.Raised = active == 1, enabled == 1, strings.Fields(raised)
	return t, nil
}

// persist writes the sample and the alerts, and publishes ProbeFinished
// and one AlertRaised per alert, in one transaction.
func (s *Service) persist(ctx context.Context, t target, st *step) error {
	now := st.sample.At
	return s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		muted := false
		if s.cfg.Notify != nil && len(st.alerts) > 0 {
			var err error
			if muted, err = s.cfg.Notify.InMaintenance(ctx, t.ID, now); err != nil {
				return fmt.Errorf("monitor: maintenance: %w", err)
			}
		}
		for i := range st.alerts {
			a := &st.alerts[i]
			a.Muted = muted
			if err := tx.QueryRowContext(ctx, `INSERT INTO alerts (site_id, kind, severity, message, message_en, muted, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
				t.ID, a.Kind, a.Severity, a.Message, a.MessageEN, store.Flag(muted), store.FormatTime(now)).Scan(&a.ID); err != nil {
				return fmt.Errorf("monitor: alert: %w", err)
			}
		}
		smp := st.sample
		if _, err := tx.ExecContext(ctx, `INSERT INTO monitor_samples (site_id, at, ok, status, latency_ms, change, error, error_vi, error_en) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			t.ID, store.FormatTime(now), store.Flag(smp.OK), smp.Status, smp.LatencyMS, smp.Change, smp.Error, smp.ErrorVI, smp.ErrorEN); err != nil {
			return fmt.Errorf("monitor: sample: %w", err)
		}
		if err := refreshSummary(ctx, tx, t.ID, now); err != nil {
			return err
		}
		v := st.v
		err := s.events.Publish(ctx, events.ProbeFinished{SiteID: t.ID, At: now, OK: smp.OK, Status: smp.Status, LatencyMS: smp.LatencyMS, Error: smp.Error, ErrorVI: smp.ErrorVI, ErrorEN: smp.ErrorEN,
			CertNotAfter: v.CertNotAfter, Change: smp.Change, State: st.state, Failures: st.failures, Raised: st.raised, NewBaseline: v.NewBaseline,
			Checks: v.Checks, Failing: v.Failing})
		if err != nil {
			return err
		}
		for _, a := range st.alerts {
			err := s.events.Publish(ctx, events.AlertRaised{Alert: events.Ref{Kind: events.RefMonitorAlert, ID: a.ID}, SiteID: a.SiteID, URL: a.URL, AgencyName: a.AgencyName,
				Kind: a.Kind, Severity: a.Severity, Message: a.Message, MessageEN: a.MessageEN, Muted: a.Muted, At: a.CreatedAt})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// sendAlert is the monitor's durable subscriber to its own alerts: it
// sends an unmuted alert to every notification target and records the
// outcome on the alert. The alert is claimed first (notified_at set where
// it was empty), so a redelivered event never sends it twice; a failed
// delivery is recorded on the alert, not retried (the targets that got it
// must not get it again).
func (s *Service) sendAlert(ctx context.Context, e events.AlertRaised) error {
	if e.Muted || s.cfg.Notify == nil {
		return nil
	}
	res, err := s.db.Writer().ExecContext(ctx, `UPDATE alerts SET notified_at = $1 WHERE id = $2 AND notified_at = ''`, store.Now(), e.Alert.ID)
	if err != nil {
		return fmt.Errorf("monitor: claim alert %d for sending: %w", e.Alert.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // sent already (or gone)
	}
	a := Alert{ID: e.Alert.ID, SiteID: e.SiteID, URL: e.URL, AgencyName: e.AgencyName, Kind: e.Kind, Severity: e.Severity,
		Message: e.Message, MessageEN: e.MessageEN, Muted: e.Muted, CreatedAt: e.At}
	err = s.cfg.Notify.Send(ctx, notify.Notice{Event: "alert", Subject: a.Kind + ": " + a.URL, Text: a.Message, TextEN: a.MessageEN,
		Severity: a.Severity, At: a.CreatedAt, Payload: a})
	if err == nil {
		return nil
	}
	slog.Warn("alert notification failed", "alert", a.ID, "err", err)
	if _, uerr := s.db.Writer().ExecContext(ctx, `UPDATE alerts SET notify_error = $1 WHERE id = $2`, err.Error(), a.ID); uerr != nil {
		slog.Warn("record a failed alert notification", "alert", a.ID, "err", uerr)
	}
	return nil
}

// evaluate is the probe and its judgement: the network step (the page
// and, when it answered, the look for leaked secrets) and the engine's own
// check code over what it saw. The monitor adds no check logic of its own.
func evaluate(ctx context.Context, t target, opts webscan.Options, now time.Time) (verdict, error) {
	obs, err := webscan.ProbeSite(ctx, t.URL, opts)
	if err != nil {
		if ctx.Err() != nil {
			return verdict{}, ctx.Err() // shutting down: the job is redelivered
		}
		if errors.Is(err, hostrate.ErrBusy) {
			return verdict{}, err // the host's pace, not the site's failure
		}
		f := reach.ExplainProbe(err)
		slog.Debug("probe failed", "url", t.URL, "err", err) // the raw error, for the log
		return verdict{Error: f.Detail, ErrorVI: f.VI, ErrorEN: f.EN, Failing: map[string]string{}}, nil
	}
	pv := webscan.EvaluateProbe(*obs, t.Baseline, t.IgnoreRule, now)
	v := verdict{OK: obs.Answered(), Status: obs.Status, LatencyMS: int(obs.Latency.Milliseconds()),
		Defacement: pv.Defacement, HiddenLinks: pv.HiddenLinks, Secrets: pv.Secrets, HasBaseline: pv.HasBaseline, Change: pv.Change,
		NewBaseline: pv.NewBaseline, Checks: pv.Checks, Failing: pv.Failing()}
	if !v.OK {
		v.Error = fmt.Sprintf("HTTP status %d", obs.Status)
		v.ErrorVI = fmt.Sprintf("Trang trả lời với mã lỗi HTTP %d", obs.Status)
		v.ErrorEN = fmt.Sprintf("The site answered with HTTP error status %d", obs.Status)
	}
	if !pv.CertNotAfter.IsZero() {
		v.CertNotAfter = &pv.CertNotAfter
	}
	return v, nil
}
