// Package monitor watches every registered site between full scans: each
// site is probed every few minutes for availability, status, latency,
// certificate expiry, change of its content against a baseline,
// defacement and leaked .git/.env files; alerts are raised (down after k
// failures, recovered, certificate expiring, content changed, defacement,
// injected links, exposed files), muted during maintenance windows, and sent by e-mail and webhook. A
// critical failure suspends the site's trust label within the same cycle.
package monitor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/feature/trust"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
)

// Config tunes the monitor.
type Config struct {
	FailThreshold int // consecutive failed probes before "down" (default 3)
	CertWarnDays  int // alert when the certificate has fewer days left (default 14)
	Probe         webscan.Options
	Notify        Notifier
}

// Service runs the probes.
type Service struct {
	db    *store.DB
	audit *audit.Log
	sites *sitescan.Service
	trust *trust.Service
	cfg   Config
}

// New builds the service.
func New(db *store.DB, log *audit.Log, sites *sitescan.Service, tr *trust.Service, cfg Config) *Service {
	if cfg.FailThreshold <= 0 {
		cfg.FailThreshold = 3
	}
	if cfg.CertWarnDays <= 0 {
		cfg.CertWarnDays = 14
	}
	if cfg.Probe.Timeout <= 0 {
		cfg.Probe.Timeout = 15 * time.Second
	}
	return &Service{db: db, audit: log, sites: sites, trust: tr, cfg: cfg}
}

// Alert kinds.
const (
	KindDown          = "down"
	KindRecovered     = "recovered"
	KindCertExpiring  = "cert-expiring"
	KindContentChange = "content-changed"
	KindDefacement    = "defacement"
	KindInjectedLinks = "injected-links"
	KindExposedFiles  = "exposed-files"
)

// Due picks the sites whose probe time has come (at most limit), moves
// their next time on, and returns their ids for the job queue.
func (s *Service) Due(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, check_every_minutes FROM sites WHERE active = 1 AND monitor_enabled = 1 AND next_check_at <= $1
			ORDER BY next_check_at, id LIMIT `+fmt.Sprint(limit), store.FormatTime(now))
		if err != nil {
			return fmt.Errorf("monitor: due sites: %w", err)
		}
		type due struct {
			id    int64
			every int
		}
		var list []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.every); err != nil {
				rows.Close()
				return err
			}
			list = append(list, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, d := range list {
			next := now.Add(sitescan.Jitter(s.sites.CheckInterval(sitescan.Site{CheckEveryMinutes: d.every})))
			if _, err := tx.ExecContext(ctx, `UPDATE sites SET next_check_at = $1 WHERE id = $2`, store.FormatTime(next), d.id); err != nil {
				return err
			}
			ids = append(ids, d.id)
		}
		return nil
	})
	return ids, err
}

// Sample is one probe's outcome.
type Sample struct {
	At        time.Time `json:"at"`
	OK        bool      `json:"ok"`
	Status    int       `json:"status"`
	LatencyMS int       `json:"latency_ms"`
	Change    float64   `json:"change"`
	Error     string    `json:"error,omitempty"`
}

// Outcome is what one check did, for tests and logs.
type Outcome struct {
	Sample     Sample
	Alerts     []Alert
	LabelState string
}

// Check probes one site now, records the sample, raises and sends alerts,
// and re-verifies the site's trust label.
func (s *Service) Check(ctx context.Context, siteID int64) (*Outcome, error) {
	site, err := s.sites.Site(ctx, access.System, siteID)
	if err != nil {
		return nil, err
	}
	if !site.Active || !site.MonitorEnabled {
		return &Outcome{}, nil
	}
	now := time.Now().UTC()
	res, probeErr := webscan.Probe(ctx, site.URL, s.cfg.Probe)
	if probeErr != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	smp := Sample{At: now}
	out := &Outcome{}
	raised := map[string]bool{}
	for _, k := range strings.Fields(site.Raised) {
		raised[k] = true
	}
	var alerts []Alert
	alert := func(kind, severity, vi, en string) {
		alerts = append(alerts, Alert{SiteID: site.ID, URL: site.URL, AgencyName: site.AgencyName, Kind: kind, Severity: severity, Message: vi, MessageEN: en, CreatedAt: now})
	}
	// Alerts that stay raised until the condition clears are sent once.
	once := func(on bool, kind, severity, vi, en string) {
		switch {
		case on && !raised[kind]:
			raised[kind] = true
			alert(kind, severity, vi, en)
		case !on:
			delete(raised, kind)
		}
	}
	failing := map[string]string{} // critical checks for the trust label
	var newBaseline string
	certExpires := ""
	if probeErr != nil {
		smp.Error = probeErr.Error()
	} else {
		smp.Status, smp.LatencyMS = res.Status, int(res.Latency.Milliseconds())
		smp.OK = res.Status < 400
		if !smp.OK {
			smp.Error = fmt.Sprintf("HTTP status %d", res.Status)
		}
		if strings.HasPrefix(res.URL, "https://") {
			if !res.CertNotAfter.IsZero() {
				certExpires = store.FormatTime(res.CertNotAfter)
				left := time.Until(res.CertNotAfter)
				days := int(left.Hours() / 24)
				once(left < time.Duration(s.cfg.CertWarnDays)*24*time.Hour, KindCertExpiring, "high",
					fmt.Sprintf("Chứng thư số của %s còn %d ngày (hết hạn %s).", site.URL, days, res.CertNotAfter.Format("2006-01-02")),
					fmt.Sprintf("The certificate of %s has %d days left (expires %s).", site.URL, days, res.CertNotAfter.Format("2006-01-02")))
				if left < 0 {
					failing["tls.certificate.expiry"] = "the certificate has expired"
				}
			}
			if !res.Verified {
				failing["https.available"] = "the certificate is not trusted or does not match the host"
			}
		}
		if smp.OK {
			sig, hidden := webscan.PageAlarms(res.Body)
			once(sig != "", KindDefacement, "critical",
				fmt.Sprintf("Trang %s có dấu hiệu bị thay đổi giao diện: “%s”.", site.URL, sig),
				fmt.Sprintf("%s shows a defacement signature: “%s”.", site.URL, sig))
			once(len(hidden) > 0, KindInjectedLinks, "critical",
				fmt.Sprintf("Trang %s có liên kết cờ bạc bị ẩn: %s", site.URL, strings.Join(hidden, "; ")),
				fmt.Sprintf("%s carries hidden gambling links: %s", site.URL, strings.Join(hidden, "; ")))
			if sig != "" {
				failing["content.defacement"] = "defacement signature “" + sig + "”"
			}
			secrets := webscan.SecretProbe(ctx, res.URL, s.cfg.Probe)
			once(len(secrets) > 0, KindExposedFiles, "critical",
				fmt.Sprintf("Trang %s để lộ tệp bí mật: %s", site.URL, strings.Join(secrets, ", ")),
				fmt.Sprintf("%s exposes secret files: %s", site.URL, strings.Join(secrets, ", ")))
			if len(secrets) > 0 {
				failing["exposed.files"] = "exposed " + strings.Join(secrets, ", ")
			}
			if len(hidden) > 0 {
				failing["content.injected-links"] = "hidden gambling links"
			}
			rule, _ := webscan.ParseIgnoreRule(site.IgnoreRule)
			fp := webscan.PageFingerprint(res.Body, rule)
			if base, err := webscan.ParseFingerprint(site.Baseline); err == nil {
				smp.Change = webscan.Change(base, fp)
				th := site.ChangeThreshold
				once(smp.Change > th, KindContentChange, "high",
					fmt.Sprintf("Nội dung %s đã thay đổi %.0f%% so với bản gốc (ngưỡng %.0f%%).", site.URL, smp.Change*100, th*100),
					fmt.Sprintf("The content of %s changed %.0f%% from its baseline (threshold %.0f%%).", site.URL, smp.Change*100, th*100))
			} else if sig == "" && len(hidden) == 0 {
				newBaseline = fp.String() // the first clean page is the baseline
			}
		}
	}
	failures := site.Failures
	state := site.State
	if smp.OK {
		if state == "down" {
			alert(KindRecovered, "info", fmt.Sprintf("%s đã hoạt động trở lại sau %d lần kiểm tra lỗi.", site.URL, failures),
				fmt.Sprintf("%s is back up after %d failed checks.", site.URL, failures))
		}
		failures, state = 0, "up"
	} else {
		failures++
		if failures >= s.cfg.FailThreshold && state != "down" {
			state = "down"
			alert(KindDown, "critical", fmt.Sprintf("%s không truy cập được (%d lần liên tiếp): %s", site.URL, failures, smp.Error),
				fmt.Sprintf("%s is down (%d checks in a row): %s", site.URL, failures, smp.Error))
		}
	}
	err = s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		muted, err := s.inMaintenance(ctx, tx, site.ID, now)
		if err != nil {
			return err
		}
		for i := range alerts {
			alerts[i].Muted = muted
			if err := tx.QueryRowContext(ctx, `INSERT INTO alerts (site_id, kind, severity, message, message_en, muted, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
				site.ID, alerts[i].Kind, alerts[i].Severity, alerts[i].Message, alerts[i].MessageEN, store.Flag(muted), store.FormatTime(now)).Scan(&alerts[i].ID); err != nil {
				return fmt.Errorf("monitor: alert: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO monitor_samples (site_id, at, ok, status, latency_ms, change, error) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			site.ID, store.FormatTime(now), store.Flag(smp.OK), smp.Status, smp.LatencyMS, smp.Change, smp.Error); err != nil {
			return fmt.Errorf("monitor: sample: %w", err)
		}
		keys := make([]string, 0, len(raised))
		for k := range raised {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if certExpires == "" {
			certExpires = formatPtr(site.CertExpiresAt)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sites SET state = $1, failures = $2, last_checked_at = $3, last_status = $4, last_latency_ms = $5, last_error = $6,
			cert_expires_at = $7, last_change = $8, raised = $9 WHERE id = $10`,
			state, failures, store.FormatTime(now), smp.Status, smp.LatencyMS, smp.Error, certExpires, smp.Change, strings.Join(keys, " "), site.ID); err != nil {
			return fmt.Errorf("monitor: update site: %w", err)
		}
		if newBaseline != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE sites SET baseline = $1, baseline_at = $2 WHERE id = $3 AND baseline = ''`, newBaseline, store.FormatTime(now), site.ID); err != nil {
				return err
			}
		}
		out.LabelState, err = s.trust.Verify(ctx, site.ID, nil, failing)
		return err
	})
	if err != nil {
		return nil, err
	}
	out.Sample, out.Alerts = smp, alerts
	s.send(ctx, alerts)
	return out, nil
}

func formatPtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return store.FormatTime(*t)
}

// send delivers unmuted alerts to every enabled target and records the
// outcome on each alert. A failed delivery is logged, never fatal.
func (s *Service) send(ctx context.Context, alerts []Alert) {
	if s.cfg.Notify == nil {
		return
	}
	for _, a := range alerts {
		if a.Muted {
			continue
		}
		err := s.cfg.Notify.Notify(ctx, a)
		errText := ""
		if err != nil {
			errText = err.Error()
			slog.Warn("alert notification failed", "alert", a.ID, "err", err)
		}
		if _, uerr := s.db.Writer().ExecContext(ctx, `UPDATE alerts SET notified_at = $1, notify_error = $2 WHERE id = $3`, store.Now(), errText, a.ID); uerr != nil {
			slog.Warn("record notification", "alert", a.ID, "err", uerr)
		}
	}
}

// ErrNoNotifier means notifications are not configured.
var ErrNoNotifier = errors.New("no notifier")
