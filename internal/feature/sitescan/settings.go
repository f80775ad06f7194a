package sitescan

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/lease"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// SiteSettings are the per-site overrides; nil fields stay as they are.
type SiteSettings struct {
	ScanEveryHours    *int     `json:"scan_every_hours"`
	CheckEveryMinutes *int     `json:"check_every_minutes"`
	MonitorEnabled    *bool    `json:"monitor_enabled"`
	IgnoreRule        *string  `json:"ignore_rule"`
	ChangeThreshold   *float64 `json:"change_threshold"`
	// ResetBaseline makes the page's next fetch the new baseline.
	ResetBaseline bool `json:"reset_baseline"`
}

// UpdateSettings changes a site's schedule and monitoring rules (admins
// and analysts).
func (s *Service) UpdateSettings(ctx context.Context, actor access.Actor, id int64, in SiteSettings) (Site, error) {
	if !actor.CanWriteSecurity() {
		return Site{}, fmt.Errorf("sitescan: change site settings: %w", store.ErrForbidden)
	}
	var e valid.Errors
	if in.ScanEveryHours != nil && (*in.ScanEveryHours < 0 || *in.ScanEveryHours > 24*31) {
		e.Add("scan_every_hours", "must be 0 (the default) to 744 hours", "phải từ 0 (mặc định) đến 744 giờ")
	}
	if in.CheckEveryMinutes != nil && (*in.CheckEveryMinutes < 0 || *in.CheckEveryMinutes > 24*60) {
		e.Add("check_every_minutes", "must be 0 (the default) to 1440 minutes", "phải từ 0 (mặc định) đến 1440 phút")
	}
	if in.ChangeThreshold != nil && (*in.ChangeThreshold <= 0 || *in.ChangeThreshold > 1) {
		e.Add("change_threshold", "must be above 0 and at most 1", "phải lớn hơn 0 và không quá 1")
	}
	if in.IgnoreRule != nil {
		if _, err := webscan.ParseIgnoreRule(*in.IgnoreRule); err != nil {
			e.Add("ignore_rule", err.Error(), "quy tắc bỏ qua không hợp lệ: "+err.Error())
		}
	}
	if err := e.Err(); err != nil {
		return Site{}, err
	}
	var out Site
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		before, err := s.Site(ctx, actor, id)
		if err != nil {
			return err
		}
		if !before.Active {
			return archivedSite(before)
		}
		after := before
		if in.ScanEveryHours != nil {
			after.ScanEveryHours = *in.ScanEveryHours
		}
		if in.CheckEveryMinutes != nil {
			after.CheckEveryMinutes = *in.CheckEveryMinutes
		}
		if in.MonitorEnabled != nil {
			after.MonitorEnabled = *in.MonitorEnabled
		}
		if in.IgnoreRule != nil {
			after.IgnoreRule = *in.IgnoreRule
		}
		if in.ChangeThreshold != nil {
			after.ChangeThreshold = *in.ChangeThreshold
		}
		baseline, baselineAt := "baseline", "baseline_at"
		if in.ResetBaseline || (in.IgnoreRule != nil && *in.IgnoreRule != before.IgnoreRule) {
			baseline, baselineAt = "''", "''" // a new rule needs a new baseline
			after.BaselineAt = nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE sites SET scan_every_hours = $1, check_every_minutes = $2, monitor_enabled = $3, ignore_rule = $4,
			change_threshold = $5, baseline = `+baseline+`, baseline_at = `+baselineAt+` WHERE id = $6`,
			after.ScanEveryHours, after.CheckEveryMinutes, store.Flag(after.MonitorEnabled), after.IgnoreRule, after.ChangeThreshold, id)
		if err != nil {
			return fmt.Errorf("sitescan: update site %d: %w", id, err)
		}
		out = after
		return s.audit.Record(ctx, actor, "site.update", "site", id, settingsView(before), settingsView(after))
	})
	return out, err
}

func settingsView(x Site) map[string]any {
	return map[string]any{"url": x.URL, "scan_every_hours": x.ScanEveryHours, "check_every_minutes": x.CheckEveryMinutes,
		"monitor_enabled": x.MonitorEnabled, "ignore_rule": x.IgnoreRule, "change_threshold": x.ChangeThreshold, "baseline_at": x.BaselineAt}
}

// ScanInterval is how often site x is scanned.
func (s *Service) ScanInterval(x Site) time.Duration {
	if x.ScanEveryHours > 0 {
		return time.Duration(x.ScanEveryHours) * time.Hour
	}
	return s.cfg.ScanEvery
}

// CheckInterval is how often site x is probed by the monitor.
func (s *Service) CheckInterval(x Site) time.Duration {
	if x.CheckEveryMinutes > 0 {
		return time.Duration(x.CheckEveryMinutes) * time.Minute
	}
	return s.cfg.CheckEvery
}

// Jitter spreads d by up to a tenth, so that sites added together do not
// stay in step.
func Jitter(d time.Duration) time.Duration {
	return d + time.Duration(rand.Int64N(int64(d/10)+1))
}

// holdHost waits until no other scan of host runs in any process sharing
// the database, then returns the host's lease (renewed by the scan's
// heartbeat; release it when done): one site is never assessed twice at
// once, and a host with many sites gets them one after another.
func (s *Service) holdHost(ctx context.Context, host string) (*lease.Lease, error) {
	return s.leases.Acquire(ctx, "scan-host:"+host, staleRun, 100*time.Millisecond)
}
