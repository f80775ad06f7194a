package logstore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
)

// world is a province of four agencies, P (root), A under P, A1 under A
// and B under P, over one database, with a store whose clock is fixed.
type world struct {
	t              testing.TB
	db             *store.DB
	s              *Service
	p, a, a1, b    int64
	officerA, offB access.Actor
	now            time.Time
}

var testNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func newWorld(t testing.TB, db *store.DB) *world {
	t.Helper()
	w := &world{t: t, db: db, p: 1, a: 2, a1: 3, b: 4, now: testNow}
	ctx := context.Background()
	for _, ag := range []struct {
		id     int64
		parent any
		path   string
	}{{1, nil, "/1/"}, {2, int64(1), "/1/2/"}, {3, int64(2), "/1/2/3/"}, {4, int64(1), "/1/4/"}} {
		if _, err := db.Writer().ExecContext(ctx, `INSERT INTO agencies (id, code, name, parent_id, path, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
			ag.id, fmt.Sprint("C", ag.id), fmt.Sprint("Agency ", ag.id), ag.parent, ag.path, store.Now()); err != nil {
			t.Fatal(err)
		}
	}
	w.officerA = access.Actor{UserID: 10, Username: "officerA", Role: access.Agency, AgencyID: 2, AgencyPath: "/1/2/"}
	w.offB = access.Actor{UserID: 11, Username: "officerB", Role: access.Agency, AgencyID: 4, AgencyPath: "/1/4/"}
	w.s = w.open()
	return w
}

// open returns a new Service over the world's database and folder, as a
// restarted process would.
func (w *world) open() *Service {
	s := New(w.db, audit.New(w.db), Config{Dir: filepath.Join(filepath.Dir(w.db.Location()), "events")})
	s.now = func() time.Time { return w.now }
	w.t.Cleanup(func() { s.Close() })
	return s
}

// rec makes a record of agency received at t.
func rec(id string, agency int64, t time.Time, fields map[string]any, original string) logstream.Record {
	return logstream.Record{ID: id, AgencyID: agency, SystemID: agency * 100, Receiver: logstream.ReceiverHTTP, Sender: "10.0.0.1",
		Received: t, Time: t.Add(-time.Second), Source: "json", Fields: fields, Original: original}
}

// records makes n records of agency, received one millisecond apart from t.
func records(prefix string, n int, agency int64, t time.Time) []logstream.Record {
	out := make([]logstream.Record, n)
	for i := range out {
		out[i] = rec(fmt.Sprintf("%s-%d", prefix, i), agency, t.Add(time.Duration(i)*time.Millisecond),
			map[string]any{"host.name": fmt.Sprintf("web%d", i%3), "event.action": "login", "n": i},
			fmt.Sprintf("user login from host web%d number %d", i%3, i))
	}
	return out
}

// count is how many events are stored in every day, by reading each day
// (not the counters).
func (w *world) count() int {
	w.t.Helper()
	ctx := context.Background()
	days, err := w.s.days(ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	total := 0
	for _, day := range days {
		var n int
		if w.s.files != nil {
			d, _, err := w.s.files.get(ctx, day, false)
			if err != nil {
				w.t.Fatal(err)
			}
			err = d.read.QueryRowContext(ctx, `SELECT coalesce(sum(events), 0) FROM log_blocks`).Scan(&n)
			if err != nil {
				w.t.Fatal(err)
			}
		} else if err := w.db.Reader().QueryRowContext(ctx, `SELECT coalesce(sum(events), 0) FROM log_blocks WHERE day = $1::date`, day).Scan(&n); err != nil {
			w.t.Fatal(err)
		}
		total += n
	}
	return total
}

func (w *world) search(actor access.Actor, q Query) Result {
	w.t.Helper()
	if q.Limit == 0 {
		q.Limit = MaxPageSize
	}
	if q.Page == 0 {
		q.Page = 1
	}
	res, err := w.s.Search(context.Background(), actor, q)
	if err != nil {
		w.t.Fatalf("search %+v: %v", q, err)
	}
	return res
}

func ids(evs []Event) map[string]bool {
	out := map[string]bool{}
	for _, e := range evs {
		out[e.ID] = true
	}
	return out
}
