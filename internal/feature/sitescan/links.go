package sitescan

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
)

// RegisterLinks makes sitescan's findings and scans addressable by
// reference ("site-finding/12", "site-scan/40"), for the features that
// link to them without importing sitescan.
func (s *Service) RegisterLinks(d *events.Directory) {
	d.Register(events.RefSiteFinding, s.linkFinding)
	d.Register(events.RefSiteScan, s.linkScan)
}

func (s *Service) linkFinding(ctx context.Context, actor access.Actor, id int64) (events.Linked, error) {
	var w store.Where
	w.Add("f.id = ?", id)
	w.Cond(actor.PathFilter(store.ScopePath))
	var l events.Linked
	var siteID int64
	var url string
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT f.title, f.title_en, f.severity, f.site_id, x.url FROM findings f`+store.JoinSite("f")+`WHERE `+w.SQL(), w.Args()...).
		Scan(&l.Title, &l.TitleEN, &l.Severity, &siteID, &url)
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("sitescan: finding %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return l, fmt.Errorf("sitescan: finding %d: %w", id, err)
	}
	l.Title, l.TitleEN = l.Title+" — "+url, l.TitleEN+" — "+url
	l.Path = fmt.Sprintf("/findings?site_id=%d", siteID)
	return l, nil
}

func (s *Service) linkScan(ctx context.Context, actor access.Actor, id int64) (events.Linked, error) {
	c, err := s.Scan(ctx, actor, id)
	if err != nil {
		return events.Linked{}, err
	}
	return events.Linked{Title: fmt.Sprintf("Đánh giá #%d %s (hạng %s)", c.ID, c.URL, c.Grade), TitleEN: fmt.Sprintf("Scan #%d of %s (grade %s)", c.ID, c.URL, c.Grade),
		Path: fmt.Sprintf("/scans/%d", c.ID)}, nil
}
