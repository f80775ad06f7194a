package logstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Event is one stored event as searches answer it.
type Event struct {
	Day        string         `json:"day"`
	ID         string         `json:"id"`
	AgencyID   int64          `json:"agency_id"`
	SystemID   int64          `json:"system_id,omitempty"`
	Receiver   string         `json:"receiver"`
	Sender     string         `json:"sender,omitempty"`
	Source     string         `json:"source"`
	Received   time.Time      `json:"received"`
	Time       *time.Time     `json:"time,omitempty"`
	Product    string         `json:"product,omitempty"`
	Categories []string       `json:"categories,omitempty"`
	Services   []string       `json:"services,omitempty"`
	Fields     map[string]any `json:"fields"`
	Original   string         `json:"original"`
}

// Record gives the event back as the stream carried it.
func (e Event) Record() logstream.Record {
	r := logstream.Record{ID: e.ID, AgencyID: e.AgencyID, SystemID: e.SystemID, Receiver: e.Receiver, Sender: e.Sender,
		Received: e.Received, Source: e.Source, Product: e.Product, Categories: e.Categories, Services: e.Services,
		Fields: e.Fields, Original: e.Original}
	if e.Time != nil {
		r.Time = *e.Time
	}
	return r
}

// Result is one page of a search.
type Result struct {
	Events []Event   `json:"events"`
	Page   int       `json:"page"`
	Limit  int       `json:"limit"`
	More   bool      `json:"more"` // a next page has events
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	// Days are the days the range covers (only those are read).
	Days []string `json:"days"`
}

// Search answers one page of events matching q in actor's scope, newest
// first. Only the days of q's range are read.
func (s *Service) Search(ctx context.Context, actor access.Actor, q Query) (Result, error) {
	res := Result{Page: max(q.Page, 1), Limit: q.Limit, From: q.From, To: q.To, Events: []Event{}}
	if res.Limit <= 0 || res.Limit > MaxPageSize {
		res.Limit = PageSize
	}
	if !q.From.Before(q.To) || q.To.Sub(q.From) > MaxRange {
		return res, fieldError("from", "the range is empty or longer than 31 days", "khoảng thời gian trống hoặc dài quá 31 ngày")
	}
	res.Days = daysBetween(q.From, q.To)
	scope, err := s.scope(ctx, actor, q.AgencyID)
	if err != nil {
		return res, err
	}
	offset := (res.Page - 1) * res.Limit
	need := offset + res.Limit + 1
	got, err := s.find(ctx, newMatcher(q, scope, ""), res.Days, need)
	if err != nil {
		return res, wrap("search", err)
	}
	if len(got) > offset {
		got = got[offset:]
		res.More = len(got) > res.Limit
		res.Events = got[:min(len(got), res.Limit)]
	}
	return res, nil
}

// daysBetween lists the days of [from, to), newest first.
func daysBetween(from, to time.Time) []string {
	var out []string
	last := to.Add(-time.Nanosecond).UTC().Truncate(24 * time.Hour)
	for d := last; !d.Before(from.UTC().Truncate(24 * time.Hour)); d = d.AddDate(0, 0, -1) {
		out = append(out, d.Format(dayLayout))
	}
	return out
}

// Event returns one stored event of day in actor's scope; another
// agency's event, or one that does not exist, is ErrNotFound.
func (s *Service) Event(ctx context.Context, actor access.Actor, day, id string) (Event, error) {
	if _, ok := parseDay(day); !ok {
		return Event{}, fieldError("day", "is not a day (YYYY-MM-DD)", "không phải một ngày (năm-tháng-ngày)")
	}
	scope, err := s.scope(ctx, actor, 0)
	if err != nil {
		return Event{}, err
	}
	t, _ := parseDay(day)
	m := newMatcher(Query{From: t, To: t.Add(24 * time.Hour)}, scope, id)
	evs, err := s.find(ctx, m, []string{day}, 1)
	if err != nil {
		return Event{}, wrap("event", err)
	}
	if len(evs) == 0 {
		return Event{}, fmt.Errorf("logstore: event %s of %s: %w", id, day, store.ErrNotFound)
	}
	return evs[0], nil
}

// Recent returns up to limit events received in the last within (at most
// MaxRange, newest first) in actor's scope, as the stream carried them:
// for a rule test over "the last hour of stored events".
func (s *Service) Recent(ctx context.Context, actor access.Actor, within time.Duration, limit int) ([]logstream.Record, error) {
	if within <= 0 || within > MaxRange {
		within = time.Hour
	}
	limit = min(max(limit, 1), MaxDepth)
	now := s.now()
	q := Query{From: now.Add(-within), To: now.Add(time.Second), Page: 1, Limit: limit}
	scope, err := s.scope(ctx, actor, 0)
	if err != nil {
		return nil, err
	}
	evs, err := s.find(ctx, newMatcher(q, scope, ""), daysBetween(q.From, q.To), limit)
	if err != nil {
		return nil, wrap("recent events", err)
	}
	out := make([]logstream.Record, len(evs))
	for i, e := range evs {
		out[i] = e.Record()
	}
	return out, nil
}

// agencyScope is the agencies a search may see: all, or those listed.
type agencyScope struct {
	all bool
	ids []int64
}

func (a agencyScope) list() string {
	if len(a.ids) == 0 {
		return "NULL"
	}
	parts := make([]string, len(a.ids))
	for i, id := range a.ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// scope resolves actor's agency scope, narrowed to agency's subtree when
// agency is not 0 (an agency outside the scope is a field error, the same
// as one that does not exist).
func (s *Service) scope(ctx context.Context, actor access.Actor, agency int64) (agencyScope, error) {
	if !actor.Authenticated() {
		return agencyScope{}, nil
	}
	if agency == 0 && !actor.Scoped() {
		return agencyScope{all: true}, nil
	}
	var w store.Where
	w.Cond(actor.PathFilter("a.path"))
	if agency != 0 {
		var path string
		err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT a.path FROM agencies a WHERE a.id = $`+strconv.Itoa(w.Next())+` AND `+w.SQL(),
			append(w.Args(), agency)...).Scan(&path)
		if errors.Is(err, sql.ErrNoRows) {
			return agencyScope{}, fieldError("agency", "choose an agency from the list", "hãy chọn một cơ quan, đơn vị trong danh sách")
		}
		if err != nil {
			return agencyScope{}, wrap("agency scope", err)
		}
		w.Cond(access.SubtreeCondition("a.path", path))
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT a.id FROM agencies a WHERE `+w.SQL()+` ORDER BY a.id`, w.Args()...)
	if err != nil {
		return agencyScope{}, wrap("agency scope", err)
	}
	defer rows.Close()
	var sc agencyScope
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return agencyScope{}, err
		}
		sc.ids = append(sc.ids, id)
	}
	return sc, rows.Err()
}

func fieldError(field, en, vi string) error {
	var e valid.Errors
	e.Add(field, en, vi)
	return e
}
