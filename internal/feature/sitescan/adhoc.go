package sitescan

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// SiteIDByURL finds the site in actor's scope whose URL is exactly rawURL
// (an active one first).
func (s *Service) SiteIDByURL(ctx context.Context, actor access.Actor, rawURL string) (int64, error) {
	var w store.Where
	w.Cond(actor.PathFilter(store.ScopePath))
	w.Add("x.url = ?", rawURL)
	var id int64
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT x.id`+SiteJoin+`WHERE `+w.SQL()+` ORDER BY x.active DESC, x.id LIMIT 1`, w.Args()...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sitescan: no registered site has the URL %q: %w", rawURL, store.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("sitescan: find site: %w", err)
	}
	return id, nil
}

// RequestURL queues a scan of a URL: the registered site with exactly that
// URL when there is one in actor's scope (as RequestScan), else an ad-hoc
// scan of the URL, outside the registry (admins and analysts only: a
// suspicious site, or a portal before it is registered). Ad-hoc scans keep
// no site, baseline, findings or label; agency officers never see them.
func (s *Service) RequestURL(ctx context.Context, actor access.Actor, rawURL string) (Scan, bool, error) {
	var e valid.Errors
	target := e.URL("url", strings.TrimSpace(rawURL))
	if err := e.Err(); err != nil {
		return Scan{}, false, err
	}
	siteID, err := s.SiteIDByURL(ctx, actor, target)
	if err == nil {
		return s.RequestScan(ctx, actor, siteID)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return Scan{}, false, err
	}
	if !actor.CanWriteSecurity() {
		if actor.Scoped() {
			return Scan{}, false, fmt.Errorf("sitescan: no site of yours has the URL %q: %w", target, store.ErrNotFound)
		}
		return Scan{}, false, fmt.Errorf("sitescan: scan a URL: %w", store.ErrForbidden)
	}
	var out Scan
	var created bool
	err = s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		row := tx.QueryRowContext(ctx, `SELECT `+scanColumns+` FROM scans c WHERE c.site_id IS NULL AND c.url = $1 AND c.status IN ('queued', 'running') ORDER BY c.id LIMIT 1`, target)
		var err error
		if out, err = scanScan(row, false); err == nil {
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO scans (site_id, url, status, origin, requested_by, created_at) VALUES (NULL, $1, 'queued', 'manual', $2, $3) RETURNING id`,
			target, actor.Username, store.Now()).Scan(&id); err != nil {
			return fmt.Errorf("sitescan: queue scan of %s: %w", target, err)
		}
		created = true
		out = Scan{ID: id, URL: target, Status: Queued, Origin: "manual", RequestedBy: actor.Username, CreatedAt: time.Now().UTC()}
		if err := s.enqueue(ctx, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, actor, "scan.request", "scan", id, nil, map[string]any{"url": target})
	})
	return out, created, err
}

func failedChecks(rep webscan.Report) int {
	n := 0
	for _, ch := range rep.Checks {
		if ch.Result == webscan.Fail {
			n++
		}
	}
	return n
}
