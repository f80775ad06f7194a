package monitor

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
)

// RegisterLinks makes the monitor's alerts addressable by reference
// ("monitor-alert/7").
func (s *Service) RegisterLinks(d *events.Directory) {
	d.Register(events.RefMonitorAlert, s.linkAlert)
}

func (s *Service) linkAlert(ctx context.Context, actor access.Actor, id int64) (events.Linked, error) {
	var w store.Where
	w.Add("t.id = ?", id)
	w.Cond(actor.PathFilter(store.ScopePath))
	var l events.Linked
	var siteID int64
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT t.message, t.message_en, t.severity, t.site_id FROM alerts t`+siteScope+`WHERE `+w.SQL(), w.Args()...).
		Scan(&l.Title, &l.TitleEN, &l.Severity, &siteID)
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("monitor: alert %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return l, fmt.Errorf("monitor: alert %d: %w", id, err)
	}
	l.Path = fmt.Sprintf("/sites/%d", siteID)
	return l, nil
}
