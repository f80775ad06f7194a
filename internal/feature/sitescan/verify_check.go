package sitescan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/hostrate"
	"github.com/khien-project/khien/internal/platform/store"
)

// proofTimeout bounds one verification check (DNS, then the file).
const proofTimeout = 10 * time.Second

// VerifyNow checks at once whether the agency of a pending site in
// actor's scope has published its token (its officers, admins and
// analysts). On success every pending site of that agency on the host is
// verified. It answers the site as it stands after the check; a failed
// check is no error (the site stays pending, with the reason).
func (s *Service) VerifyNow(ctx context.Context, actor access.Actor, siteID int64) (Site, error) {
	if !actor.Scoped() && !actor.CanWriteSecurity() {
		return Site{}, fmt.Errorf("sitescan: verify a site: %w", store.ErrForbidden)
	}
	site, err := s.Site(ctx, actor, siteID)
	if err != nil || site.Verification != Pending {
		return site, err
	}
	host := webscan.HostOf(site.URL)
	if err := s.startAssessment(ctx, host, 0); err != nil {
		var busy *hostrate.BusyError
		if errors.As(err, &busy) {
			return site, &ThrottledError{wait: busy.Wait()}
		}
		return site, err
	}
	if _, err := s.checkHost(ctx, actor, site.AgencyID, host); err != nil {
		return site, err
	}
	return s.Site(ctx, actor, siteID)
}

// RecheckDue checks again, at most limit, the hosts whose agencies have
// pending sites and whose next check is due (the job, every few
// minutes). A host with no pending site left is checked no more until
// one comes back.
func (s *Service) RecheckDue(ctx context.Context, now time.Time, limit int) (checked, verified int, err error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT agency_id, host FROM host_verifications WHERE verified_at = '' AND next_check_at <= $1
		ORDER BY next_check_at, id LIMIT $2`, store.FormatTime(now), limit)
	if err != nil {
		return 0, 0, fmt.Errorf("sitescan: due verifications: %w", err)
	}
	var due []agencyHost
	for rows.Next() {
		var k agencyHost
		if err := rows.Scan(&k.agency, &k.host); err != nil {
			rows.Close()
			return 0, 0, err
		}
		due = append(due, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	for _, k := range due {
		if err := s.startAssessment(ctx, k.host, 0); err != nil {
			if errors.Is(err, hostrate.ErrBusy) {
				continue // next round
			}
			return checked, verified, err
		}
		ok, err := s.checkHost(ctx, access.System, k.agency, k.host)
		if err != nil {
			return checked, verified, err
		}
		checked++
		if ok {
			verified++
		}
	}
	return checked, verified, nil
}

// pendingOn lists the active pending sites of agency on host.
func (s *Service) pendingOn(ctx context.Context, agency int64, host string) ([]Site, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+siteColumns+SiteJoin+`WHERE s.agency_id = $1 AND x.verification = 'pending' AND x.active = 1 ORDER BY x.id`, agency)
	if err != nil {
		return nil, fmt.Errorf("sitescan: pending sites: %w", err)
	}
	defer rows.Close()
	var out []Site
	for rows.Next() {
		x, err := scanSite(rows)
		if err != nil {
			return nil, err
		}
		if webscan.HostOf(x.URL) == host {
			out = append(out, x)
		}
	}
	return out, rows.Err()
}

// checkHost looks for agency's token for host and records the outcome:
// verified (with every pending site of the agency on the host, audited
// for actor) or the reason and the next check, backing off.
func (s *Service) checkHost(ctx context.Context, actor access.Actor, agency int64, host string) (bool, error) {
	sites, err := s.pendingOn(ctx, agency, host)
	if err != nil {
		return false, err
	}
	now := time.Now()
	if len(sites) == 0 {
		_, err := s.db.Writer().ExecContext(ctx, `UPDATE host_verifications SET next_check_at = $1 WHERE agency_id = $2 AND host = $3`,
			store.FormatTime(now.Add(lastRecheck)), agency, host)
		return false, err
	}
	var token string
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT token FROM host_verifications WHERE agency_id = $1 AND host = $2`, agency, host).Scan(&token); err != nil {
		return false, fmt.Errorf("sitescan: token of %s: %w", host, err)
	}
	var origins []string
	for _, x := range sites {
		origins = append(origins, originOf(x.URL))
	}
	origins = append(origins, "https://"+host, "http://"+host)
	opts := s.cfg.Target
	opts.Timeout, opts.Pace = proofTimeout, s.pace
	var method string
	var proofErr error
	if r, off := s.cfg.Names.Offline(host); off {
		proofErr = errors.New(r.EN) // a name that does not exist is not looked up
	} else {
		method, proofErr = webscan.ProveOwnership(ctx, host, token, origins, opts)
	}
	if proofErr != nil && ctx.Err() != nil {
		return false, ctx.Err()
	}
	at := store.FormatTime(now)
	err = s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if proofErr != nil {
			var attempts int
			if err := tx.QueryRowContext(ctx, `UPDATE host_verifications SET checked_at = $1, attempts = attempts + 1, last_error = $2
				WHERE agency_id = $3 AND host = $4 RETURNING attempts`, at, proofErr.Error(), agency, host).Scan(&attempts); err != nil {
				return fmt.Errorf("sitescan: record the check of %s: %w", host, err)
			}
			_, err := tx.ExecContext(ctx, `UPDATE host_verifications SET next_check_at = $1 WHERE agency_id = $2 AND host = $3`,
				store.FormatTime(now.Add(recheckAfter(attempts))), agency, host)
			return err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `UPDATE host_verifications SET verified_at = $1, method = $2, checked_at = $1, attempts = attempts + 1, last_error = ''
			WHERE agency_id = $3 AND host = $4 RETURNING id`, at, method, agency, host).Scan(&id); err != nil {
			return fmt.Errorf("sitescan: record the check of %s: %w", host, err)
		}
		ids := make([]int64, len(sites))
		for i, x := range sites {
			ids[i] = x.ID
		}
		if err := setVerification(ctx, tx, ids, Verified); err != nil {
			return err
		}
		return s.audit.Record(ctx, actor, "site.verify", "host-verification", id, nil,
			map[string]any{"agency_id": agency, "host": host, "method": method, "sites": ids})
	})
	if err != nil {
		return false, err
	}
	if proofErr == nil {
		slog.Info("host verified", "host", host, "agency", agency, "method", method, "sites", len(sites))
	}
	return proofErr == nil, nil
}

// Approve lets a site be scanned and probed without a proof (admins and
// analysts); Reject stops it being scanned and probed. Both are audited.
func (s *Service) Approve(ctx context.Context, actor access.Actor, siteID int64) (Site, error) {
	return s.decide(ctx, actor, siteID, Approved, "site.approve")
}

// Reject marks a site rejected: it is never scanned nor probed (admins
// and analysts; an approval undoes it).
func (s *Service) Reject(ctx context.Context, actor access.Actor, siteID int64) (Site, error) {
	return s.decide(ctx, actor, siteID, Rejected, "site.reject")
}

func (s *Service) decide(ctx context.Context, actor access.Actor, siteID int64, to, action string) (Site, error) {
	if !actor.CanWriteSecurity() {
		return Site{}, fmt.Errorf("sitescan: %s: %w", action, store.ErrForbidden)
	}
	var out Site
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		before, err := s.Site(ctx, actor, siteID)
		if err != nil {
			return err
		}
		out = before
		if before.Verification == to {
			return nil
		}
		if err := setVerification(ctx, tx, []int64{siteID}, to); err != nil {
			return err
		}
		out.Verification, out.Proof = to, nil
		return s.audit.Record(ctx, actor, action, "site", siteID, map[string]any{"url": before.URL, "verification": before.Verification},
			map[string]any{"url": before.URL, "verification": to})
	})
	return out, err
}

// pace waits for host's next request slot (Options.Pace).
func (s *Service) pace(ctx context.Context, host string) error {
	if s.cfg.Rates == nil {
		return nil
	}
	return s.cfg.Rates.Request(ctx, host)
}

// startAssessment waits, at most maxWait, for host's next assessment slot.
func (s *Service) startAssessment(ctx context.Context, host string, maxWait time.Duration) error {
	if s.cfg.Rates == nil {
		return nil
	}
	return s.cfg.Rates.Assessment(ctx, host, maxWait)
}
