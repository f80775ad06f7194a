package sitescan

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
)

// subscribe registers what sitescan does when other features report:
// sites follow the registry's systems (archived with them, deleted with a
// purge), and a monitoring probe's outcome is
// kept on the site's record (its state, and its first clean page as the
// baseline). All run inside the publisher's transaction.
func (s *Service) subscribe(bus *events.Bus) {
	events.Subscribe(bus, "sitescan-systems", events.Inline, func(ctx context.Context, e events.SystemsChanged) error {
		_, err := s.syncSystems(ctx, e.By, e.By.Role, e.SystemIDs)
		return err
	})
	events.Subscribe(bus, "sitescan-purge", events.Inline, s.purgeSystem)
	events.Subscribe(bus, "sitescan-probe", events.Inline, s.recordProbe)
}

// recordProbe keeps a probe's outcome on the site's record. A probe over
// plain HTTP keeps the certificate date seen before; a baseline is taken
// only where none is set.
func (s *Service) recordProbe(ctx context.Context, e events.ProbeFinished) error {
	return s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		cert := "cert_expires_at"
		args := []any{e.State, e.Failures, store.FormatTime(e.At), e.Status, e.LatencyMS, e.Error, e.Change, strings.Join(e.Raised, " "), e.SiteID, e.ErrorVI, e.ErrorEN}
		if e.CertNotAfter != nil {
			cert = "$12"
			args = append(args, store.FormatTime(*e.CertNotAfter))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sites SET state = $1, failures = $2, last_checked_at = $3, last_status = $4, last_latency_ms = $5, last_error = $6,
			last_change = $7, raised = $8, last_error_vi = $10, last_error_en = $11, cert_expires_at = `+cert+` WHERE id = $9`, args...); err != nil {
			return fmt.Errorf("sitescan: record probe of site %d: %w", e.SiteID, err)
		}
		if e.NewBaseline == "" {
			return nil
		}
		return setBaselineIfEmpty(ctx, tx, e.SiteID, e.NewBaseline, store.FormatTime(e.At))
	})
}

// setBaselineIfEmpty keeps a page fingerprint as the site's baseline
// unless it has one (a scan's or a probe's first clean page; a reset
// empties it).
func setBaselineIfEmpty(ctx context.Context, tx *store.Tx, siteID int64, fingerprint, at string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE sites SET baseline = $1, baseline_at = $2 WHERE id = $3 AND baseline = ''`, fingerprint, at, siteID); err != nil {
		return fmt.Errorf("sitescan: baseline of site %d: %w", siteID, err)
	}
	return nil
}

// DueProbes picks the sites whose monitoring probe is due (at most limit),
// moves their next probe time on by their interval plus jitter, and
// returns their ids for the job queue, leaving out the sites whose name
// does not exist (Config.Names).
func (s *Service) DueProbes(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, check_every_minutes, url FROM sites WHERE active = 1 AND monitor_enabled = 1 AND next_check_at <= $1
			AND verification IN ('approved', 'verified')
			ORDER BY next_check_at, id LIMIT $2`, store.FormatTime(now), limit)
		if err != nil {
			return fmt.Errorf("sitescan: due probes: %w", err)
		}
		type due struct {
			id    int64
			every int
			url   string
		}
		var list []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.every, &d.url); err != nil {
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
			next := now.Add(Jitter(s.CheckInterval(Site{CheckEveryMinutes: d.every})))
			if _, err := tx.ExecContext(ctx, `UPDATE sites SET next_check_at = $1 WHERE id = $2`, store.FormatTime(next), d.id); err != nil {
				return fmt.Errorf("sitescan: reschedule probe of site %d: %w", d.id, err)
			}
			if s.offline(d.url) != nil {
				continue // a name that does not exist: no probe, no sample, no error
			}
			ids = append(ids, d.id)
		}
		return nil
	})
	return ids, err
}
