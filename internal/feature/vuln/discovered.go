// Components discovered by the web scanner from what a site discloses
// (Server and X-Powered-By headers, the generator meta tag): kept apart as
// proposals until an officer confirms (then they are matched like the
// registry's software) or rejects them.

package vuln

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Discovered statuses.
const (
	Proposed  = "proposed"
	Confirmed = "confirmed"
	Rejected  = "rejected"
	// Gone: a later scan of the site no longer disclosed it.
	Gone = "gone"
)

// Discovered is a component a scan saw on one of a system's sites.
type Discovered struct {
	ID         int64     `json:"id"`
	SystemID   int64     `json:"system_id"`
	SystemName string    `json:"system_name"`
	SiteID     int64     `json:"site_id"`
	Name       string    `json:"name"`
	Version    string    `json:"version"`
	Evidence   string    `json:"evidence"`
	Status     string    `json:"status"`
	DecidedBy  string    `json:"decided_by"`
	SeenAt     time.Time `json:"seen_at"`
}

// bannerVersion reads "product/1.2.3" or "Product 1.2.3" from a disclosed value.
var bannerVersion = regexp.MustCompile(`([A-Za-z][A-Za-z0-9_.!-]*)[/ ]v?(\d+(?:\.\d+)+[A-Za-z0-9.+~-]*)`)

// bannerNames maps a product as sites name it to the inventory name the
// alias table knows.
var bannerNames = map[string]string{"microsoft-iis": "iis", "joomla!": "joomla"}

// ParseDisclosed reads the components in a leak.server-version evidence
// (one disclosure per line, e.g. "X-Powered-By: PHP/5.6.40").
func ParseDisclosed(evidence string) [][2]string {
	var out [][2]string
	seen := map[string]bool{}
	for _, line := range strings.Split(evidence, "\n") {
		if _, v, ok := strings.Cut(line, ": "); ok && !strings.HasPrefix(line, "<") {
			line = v
		}
		for _, m := range bannerVersion.FindAllStringSubmatch(line, 4) {
			name := strings.ToLower(m[1])
			if n, ok := bannerNames[name]; ok {
				name = n
			}
			if name == "content" || name == "name" || seen[name+"@"+m[2]] {
				continue
			}
			seen[name+"@"+m[2]] = true
			out = append(out, [2]string{name, m[2]})
		}
	}
	return out
}

// discoverFromScan proposes the components a finished scan disclosed on a
// site of a live system (once per system, name and version). A component
// the site disclosed before and no longer does is marked gone (its
// findings close at the match that follows); disclosed again, it is
// proposed again. A scan without the leak check changes nothing.
func (s *Service) discoverFromScan(ctx context.Context, e events.ScanFinished) error {
	if e.Report == nil {
		return nil
	}
	var comps [][2]string
	var evidence string
	checked := false
	for _, c := range e.Report.Checks {
		if c.ID == string(webscan.LeakServerVersion) {
			checked, comps, evidence = true, ParseDisclosed(c.Evidence), c.Evidence
		}
	}
	if !checked {
		return nil
	}
	return s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := lockFeeds(ctx, tx, false); err != nil {
			return err
		}
		var systemID int64
		err := tx.QueryRowContext(ctx, `SELECT x.system_id FROM sites x JOIN systems s ON s.id = x.system_id WHERE x.id = $1 AND s.archived_at = ''`, e.SiteID).Scan(&systemID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("vuln: site %d: %w", e.SiteID, err)
		}
		now := store.Now()
		seen := map[string]bool{}
		for _, c := range comps {
			seen[c[0]+"@"+c[1]] = true
			if err := s.propose(ctx, tx, systemID, e.SiteID, c[0], c[1], evidence, now); err != nil {
				return err
			}
		}
		gone, err := s.markGone(ctx, tx, systemID, e.SiteID, seen)
		if err != nil || !gone {
			return err
		}
		_, err = s.match(ctx, tx, []int64{systemID}, nil, nil)
		return err
	})
}

// propose records one disclosed component: new, seen again, or back after
// it was gone.
func (s *Service) propose(ctx context.Context, tx *store.Tx, systemID, siteID int64, name, version, evidence, now string) error {
	res, err := tx.ExecContext(ctx, `UPDATE vuln_discovered SET seen_at = $1, evidence = $2, site_id = $3, status = CASE WHEN status = 'gone' THEN 'proposed' ELSE status END WHERE system_id = $4 AND name = $5 AND version = $6`,
		now, evidence, siteID, systemID, name, version)
	if err != nil {
		return fmt.Errorf("vuln: discovered component: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO vuln_discovered (system_id, site_id, name, version, evidence, seen_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		systemID, siteID, name, version, evidence, now).Scan(&id); err != nil {
		return fmt.Errorf("vuln: discovered component: %w", err)
	}
	return s.audit.Record(ctx, matcherActor, audit.Create, "vuln-discovered", id, nil, map[string]any{"system_id": systemID, "name": name, "version": version, "site_id": siteID})
}

// markGone marks gone the components this site disclosed before and not
// now; it reports whether a confirmed one went (the system's findings
// must follow).
func (s *Service) markGone(ctx context.Context, tx *store.Tx, systemID, siteID int64, seen map[string]bool) (bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, name, version, status FROM vuln_discovered WHERE system_id = $1 AND site_id = $2 AND status IN ('proposed', 'confirmed')`, systemID, siteID)
	if err != nil {
		return false, fmt.Errorf("vuln: discovered components: %w", err)
	}
	type row struct {
		id                    int64
		name, version, status string
	}
	var gone []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.name, &r.version, &r.status); err != nil {
			rows.Close()
			return false, err
		}
		if !seen[r.name+"@"+r.version] {
			gone = append(gone, r)
		}
	}
	rows.Close()
	confirmed := false
	for _, r := range gone {
		if _, err := tx.ExecContext(ctx, `UPDATE vuln_discovered SET status = 'gone' WHERE id = $1`, r.id); err != nil {
			return false, fmt.Errorf("vuln: discovered component: %w", err)
		}
		if err := s.audit.Record(ctx, matcherActor, audit.Update, "vuln-discovered", r.id, map[string]string{"status": r.status}, map[string]string{"status": Gone}); err != nil {
			return false, err
		}
		confirmed = confirmed || r.status == Confirmed
	}
	return confirmed, nil
}

// DiscoveredComponents lists the discovered components of systems in
// actor's scope (status "" for all).
func (s *Service) DiscoveredComponents(ctx context.Context, actor access.Actor, systemID int64, status string) ([]Discovered, error) {
	var w store.Where
	w.Cond(actor.PathFilter(store.ScopePath))
	if systemID != 0 {
		w.Add("d.system_id = ?", systemID)
	}
	if status != "" {
		w.Add("d.status = ?", status)
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT d.id, d.system_id, s.name, d.site_id, d.name, d.version, d.evidence, d.status, d.decided_by, d.seen_at
		FROM vuln_discovered d JOIN systems s ON s.id = d.system_id WHERE `+w.SQL()+` ORDER BY d.id LIMIT 1000`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("vuln: list discovered: %w", err)
	}
	defer rows.Close()
	out := []Discovered{}
	for rows.Next() {
		var d Discovered
		var seen string
		if err := rows.Scan(&d.ID, &d.SystemID, &d.SystemName, &d.SiteID, &d.Name, &d.Version, &d.Evidence, &d.Status, &d.DecidedBy, &seen); err != nil {
			return nil, err
		}
		d.SeenAt = store.ParseTime(seen)
		out = append(out, d)
	}
	return out, rows.Err()
}

// DecideDiscovered confirms or rejects a proposed component of a system in
// actor's scope; a confirmed one is matched at once.
func (s *Service) DecideDiscovered(ctx context.Context, actor access.Actor, id int64, status string) (Discovered, error) {
	if !CanWork(actor) {
		return Discovered{}, fmt.Errorf("vuln: decide discovered: %w", store.ErrForbidden)
	}
	if status != Confirmed && status != Rejected {
		var e valid.Errors
		e.Add("status", "must be confirmed or rejected", "phải là confirmed hoặc rejected")
		return Discovered{}, e
	}
	var out Discovered
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := lockFeeds(ctx, tx, false); err != nil {
			return err
		}
		var w store.Where
		w.Add("d.id = ?", id)
		w.Cond(actor.PathFilter(store.ScopePath))
		var systemID int64
		var before string
		err := tx.QueryRowContext(ctx, `SELECT d.system_id, d.status FROM vuln_discovered d JOIN systems s ON s.id = d.system_id WHERE `+w.SQL(), w.Args()...).Scan(&systemID, &before)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("vuln: discovered %d: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE vuln_discovered SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4`, status, actor.Username, store.Now(), id); err != nil {
			return fmt.Errorf("vuln: decide discovered: %w", err)
		}
		if err := s.audit.Record(ctx, actor, audit.Update, "vuln-discovered", id, map[string]string{"status": before}, map[string]string{"status": status}); err != nil {
			return err
		}
		if _, err := s.match(ctx, tx, []int64{systemID}, nil, nil); err != nil {
			return err
		}
		list, err := s.DiscoveredComponents(ctx, actor, systemID, "")
		for _, d := range list {
			if d.ID == id {
				out = d
			}
		}
		return err
	})
	return out, err
}
