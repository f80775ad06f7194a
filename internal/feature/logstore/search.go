package logstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

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

// selectCols are the columns an Event is read from (after the day).
const selectCols = `id, agency_id, system_id, receiver, sender, source, received, event_time, product, categories, services, fields, original`

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
	var got []Event
	if s.files != nil {
		got, err = s.searchSQLite(ctx, q, scope, res.Days, need)
	} else {
		got, err = s.searchPostgres(ctx, q, scope, res.Days, need)
	}
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

// conditions builds the filters common to both engines; fts is how the
// engine matches a full-text search, jsonField how it reads a field.
func conditions(w *store.Where, q Query, scope agencyScope, engine store.Engine) {
	w.Add("received >= ?", store.FormatTime(q.From))
	w.Add("received < ?", store.FormatTime(q.To))
	if !scope.all {
		w.Add("agency_id IN (" + scope.list() + ")")
	}
	if q.SystemID > 0 {
		w.Add("system_id = ?", q.SystemID)
	}
	if q.Source != "" {
		w.Add("source = ?", q.Source)
	}
	for _, f := range q.Fields {
		expr := ""
		for _, ix := range indexedFields {
			if ix.Fields[0] == f.Name {
				expr = ix.Column
			}
		}
		var arg any = f.Name
		if expr == "" && engine == store.SQLite {
			expr, arg = "CAST(json_extract(fields, ?) AS TEXT)", `$."`+f.Name+`"`
		} else if expr == "" {
			expr = "(fields->>(?::text))"
		}
		op, val := " = ?", f.Value
		if f.Wildcard() {
			op, val = " LIKE ? ESCAPE '\\'", likePattern(f.Value)
			if engine == store.Postgres {
				op = " ILIKE ? ESCAPE '\\'"
			}
		}
		if strings.HasPrefix(expr, "(fields") || strings.HasPrefix(expr, "CAST") {
			w.Add(expr+op, arg, val)
		} else {
			w.Add(expr+op, val)
		}
	}
	if q.Text != "" {
		if engine == store.SQLite {
			w.Add("seq IN (SELECT rowid FROM log_events_fts WHERE log_events_fts MATCH ?)", ftsQuery(q.Text))
		} else {
			// Without an index, parsing every original is slow (27 s over
			// a million events here): a cheap substring test of each run
			// of letters and digits of the words, which every match
			// passes, is written first and spares most rows the parse.
			for _, run := range alnumRuns(q.Text) {
				w.Add("original ILIKE ? ESCAPE '\\'", store.LikeContains(run))
			}
			w.Add("to_tsvector('simple', original) @@ plainto_tsquery('simple', ?)", q.Text)
		}
	}
}

// alnumRuns are the runs of letters and digits of text.
func alnumRuns(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// likePattern turns a value with '*' wildcards into a LIKE pattern, with
// LIKE's own wildcards escaped.
func likePattern(v string) string {
	var b strings.Builder
	for _, c := range v {
		switch c {
		case '%', '_', '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case '*':
			b.WriteByte('%')
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// ftsQuery makes an FTS5 query of words: each a quoted string (so that
// no FTS5 syntax of the input applies), all required.
func ftsQuery(text string) string {
	words := strings.Fields(text)
	for i, w := range words {
		words[i] = `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
	}
	return strings.Join(words, " AND ")
}

func (s *Service) searchSQLite(ctx context.Context, q Query, scope agencyScope, days []string, need int) ([]Event, error) {
	var out []Event
	for _, day := range days {
		if len(out) >= need {
			break
		}
		d, ok, err := s.files.get(ctx, day, false)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		var w store.Where
		conditions(&w, q, scope, store.SQLite)
		query := `SELECT '` + day + `', ` + selectCols + ` FROM log_events WHERE ` + w.SQL() + ` ORDER BY received DESC, seq DESC` + w.Limit(store.Page{Limit: need - len(out)})
		evs, err := readEvents(ctx, d.read, query, w.Args())
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
	}
	return out, nil
}

func (s *Service) searchPostgres(ctx context.Context, q Query, scope agencyScope, days []string, need int) ([]Event, error) {
	var w store.Where
	w.Add("day >= ?::date", days[len(days)-1])
	w.Add("day <= ?::date", days[0])
	conditions(&w, q, scope, store.Postgres)
	query := `SELECT to_char(day, 'YYYY-MM-DD'), ` + selectCols + ` FROM log_events WHERE ` + w.SQL() + ` ORDER BY received DESC, id DESC` + w.Limit(store.Page{Limit: need})
	// Newest first, a page at a time: walk the (received, id) index
	// backwards and stop at the page's end. Left to itself the planner
	// often guesses a filter rare (a full-text word, a field) and reads
	// and sorts the whole day instead: 13 s rather than 0.1 s for a common
	// word over a million events. At worst the walk reads the range once.
	tx, err := s.db.Reader().BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	if _, err := tx.ExecContext(ctx, `SET LOCAL enable_sort = off`); err != nil {
		return nil, err
	}
	return readEvents(ctx, tx, query, w.Args())
}

func readEvents(ctx context.Context, db store.Querier, query string, args []any) ([]Event, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var received, evTime, cats, svcs, fields string
		if err := rows.Scan(&e.Day, &e.ID, &e.AgencyID, &e.SystemID, &e.Receiver, &e.Sender, &e.Source, &received, &evTime,
			&e.Product, &cats, &svcs, &fields, &e.Original); err != nil {
			return nil, err
		}
		e.Received, e.Time = store.ParseTime(received), store.TimePtr(evTime)
		if cats != "" {
			e.Categories = strings.Split(cats, ",")
		}
		if svcs != "" {
			e.Services = strings.Split(svcs, ",")
		}
		if err := json.Unmarshal([]byte(fields), &e.Fields); err != nil {
			return nil, fmt.Errorf("event %s: fields: %w", e.ID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
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
	var w store.Where
	w.Add("id = ?", id)
	if !scope.all {
		w.Add("agency_id IN (" + scope.list() + ")")
	}
	var evs []Event
	if s.files != nil {
		d, ok, err := s.files.get(ctx, day, false)
		if err != nil {
			return Event{}, wrap("event", err)
		}
		if ok {
			evs, err = readEvents(ctx, d.read, `SELECT '`+day+`', `+selectCols+` FROM log_events WHERE `+w.SQL(), w.Args())
		}
		if err != nil {
			return Event{}, wrap("event", err)
		}
	} else {
		w.Add("day = ?::date", day)
		if evs, err = readEvents(ctx, s.db.Reader(), `SELECT to_char(day, 'YYYY-MM-DD'), `+selectCols+` FROM log_events WHERE `+w.SQL(), w.Args()); err != nil {
			return Event{}, wrap("event", err)
		}
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
	days := daysBetween(q.From, q.To)
	var evs []Event
	if s.files != nil {
		evs, err = s.searchSQLite(ctx, q, scope, days, limit)
	} else {
		evs, err = s.searchPostgres(ctx, q, scope, days, limit)
	}
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
