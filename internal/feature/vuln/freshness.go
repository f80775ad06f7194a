// How fresh each feed is: records held, last import, newest record.

package vuln

import (
	"context"
	"fmt"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
)

// StaleAfterDays is how old a feed's last import may be before it is
// flagged stale (the default of Service.StaleDays).
const StaleAfterDays = 7

// FeedStatus is the freshness of one source.
type FeedStatus struct {
	Source         string     `json:"source"` // nvd, cve5, osv, kev, epss
	Records        int        `json:"records"`
	Imports        int        `json:"imports"`
	LastImportAt   *time.Time `json:"last_import_at"`
	NewestModified string     `json:"newest_modified"`
	Stale          bool       `json:"stale"`
}

// Sources lists the feed sources in display order.
var Sources = []string{"nvd", "cve5", "osv", "kev", "epss"}

// Feeds reports each source's freshness (any logged-in user).
func (s *Service) Feeds(ctx context.Context, actor access.Actor) ([]FeedStatus, error) {
	if !actor.CanRead() {
		return nil, fmt.Errorf("vuln: feeds: %w", store.ErrForbidden)
	}
	q := s.db.Q(ctx)
	out := make([]FeedStatus, 0, len(Sources))
	for _, src := range Sources {
		f := FeedStatus{Source: src}
		var count string
		switch src {
		case "kev":
			count = `SELECT COUNT(*), COALESCE(MAX(date_added), '') FROM vuln_kev`
		case "epss":
			count = `SELECT COUNT(*), COALESCE(MAX(model), '') FROM vuln_epss`
		default:
			count = `SELECT COUNT(*), COALESCE(MAX(modified), '') FROM vuln_records WHERE source = $1`
		}
		args := []any{}
		if src != "kev" && src != "epss" {
			args = append(args, src)
		}
		if err := q.QueryRowContext(ctx, count, args...).Scan(&f.Records, &f.NewestModified); err != nil {
			return nil, fmt.Errorf("vuln: feed %s: %w", src, err)
		}
		var last string
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(at), '') FROM vuln_imports WHERE source = $1`, src).Scan(&f.Imports, &last); err != nil {
			return nil, fmt.Errorf("vuln: feed %s: %w", src, err)
		}
		f.LastImportAt = store.TimePtr(last)
		f.Stale = f.LastImportAt == nil || time.Since(*f.LastImportAt) > time.Duration(s.staleDays())*24*time.Hour
		out = append(out, f)
	}
	return out, nil
}

func (s *Service) staleDays() int {
	if s.StaleDays > 0 {
		return s.StaleDays
	}
	return StaleAfterDays
}
