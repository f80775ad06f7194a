package trust

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
)

// Label is one site's trust label.
type Label struct {
	ID         string     `json:"id"` // the public, unguessable id
	SiteID     int64      `json:"site_id"`
	URL        string     `json:"url"`
	SystemName string     `json:"system_name"`
	AgencyID   int64      `json:"agency_id"`
	AgencyName string     `json:"agency_name"`
	PolicyID   int64      `json:"policy_id"`
	State      string     `json:"state"`
	Reason     string     `json:"reason"`
	ReasonEN   string     `json:"reason_en"`
	PrivacyURL string     `json:"privacy_url"`
	Contact    string     `json:"contact"`
	GrantedBy  string     `json:"granted_by"`
	GrantedAt  *time.Time `json:"granted_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	VerifiedAt *time.Time `json:"verified_at"`
	Grade      string     `json:"grade"`
	UpdatedAt  time.Time  `json:"updated_at"`
	Events     []Event    `json:"events,omitempty"`
	rowID      int64
	agencyPath string
}

// Event is one change of a label's state.
type Event struct {
	State    string    `json:"state"`
	Reason   string    `json:"reason"`
	ReasonEN string    `json:"reason_en"`
	Actor    string    `json:"actor"`
	At       time.Time `json:"at"`
}

const labelColumns = `l.id, l.public_id, l.site_id, x.url, s.name, s.agency_id, a.name, l.policy_id, l.state, l.reason, l.reason_en, l.privacy_url, l.contact,
	l.granted_by, l.granted_at, l.expires_at, l.verified_at, x.last_grade, l.updated_at, s.agency_path`

var labelJoin = ` FROM labels l` + store.JoinSite("l")

func scanLabel(r interface{ Scan(...any) error }) (Label, error) {
	var l Label
	var granted, expires, verified, updated string
	err := r.Scan(&l.rowID, &l.ID, &l.SiteID, &l.URL, &l.SystemName, &l.AgencyID, &l.AgencyName, &l.PolicyID, &l.State, &l.Reason, &l.ReasonEN, &l.PrivacyURL, &l.Contact,
		&l.GrantedBy, &granted, &expires, &verified, &l.Grade, &updated, &l.agencyPath)
	if err != nil {
		return l, err
	}
	l.GrantedAt, l.ExpiresAt, l.VerifiedAt = store.TimePtr(granted), store.TimePtr(expires), store.TimePtr(verified)
	l.UpdatedAt = store.ParseTime(updated)
	// A label past its date is expired even before the sweep marks it.
	if l.State == Granted && l.ExpiresAt != nil && time.Now().After(*l.ExpiresAt) {
		l.State, l.Reason, l.ReasonEN = Expired, expiredVI, expiredEN
	}
	return l, nil
}

// LabelFilter selects labels.
type LabelFilter struct {
	State  string
	SiteID int64
	Limit  int
	Offset int
}

// Labels lists labels of sites in actor's scope.
func (s *Service) Labels(ctx context.Context, actor access.Actor, f LabelFilter) ([]Label, int, error) {
	var w store.Where
	w.Cond(actor.PathFilter(store.ScopePath))
	if f.State != "" {
		w.Add("l.state = ?", f.State)
	}
	if f.SiteID != 0 {
		w.Add("l.site_id = ?", f.SiteID)
	}
	var total int
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*)`+labelJoin+`WHERE `+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("trust: count labels: %w", err)
	}
	page := w.Limit(store.Page{Limit: f.Limit, Offset: f.Offset}.Clamped(100))
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+labelColumns+labelJoin+`WHERE `+w.SQL()+` ORDER BY l.id DESC`+page, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("trust: list labels: %w", err)
	}
	defer rows.Close()
	out := []Label{}
	for rows.Next() {
		l, err := scanLabel(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, l)
	}
	return out, total, rows.Err()
}

// Label returns one label in actor's scope, with its history.
func (s *Service) Label(ctx context.Context, actor access.Actor, publicID string) (Label, error) {
	var w store.Where
	w.Add("l.public_id = ?", publicID)
	w.Cond(actor.PathFilter(store.ScopePath))
	l, err := scanLabel(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+labelColumns+labelJoin+`WHERE `+w.SQL(), w.Args()...))
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("trust: label %q: %w", publicID, store.ErrNotFound)
	}
	if err != nil {
		return l, fmt.Errorf("trust: label: %w", err)
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT state, reason, reason_en, actor, at FROM label_events WHERE label_id = $1 ORDER BY id`, l.rowID)
	if err != nil {
		return l, err
	}
	defer rows.Close()
	for rows.Next() {
		var e Event
		var at string
		if err := rows.Scan(&e.State, &e.Reason, &e.ReasonEN, &e.Actor, &at); err != nil {
			return l, err
		}
		e.At = store.ParseTime(at)
		l.Events = append(l.Events, e)
	}
	return l, rows.Err()
}

// GrantInput asks for a label for a site.
type GrantInput struct {
	SiteID     int64  `json:"site_id"`
	PolicyID   int64  `json:"policy_id"` // 0: the first policy
	PrivacyURL string `json:"privacy_url"`
	Contact    string `json:"contact"`
}
