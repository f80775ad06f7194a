package logstore

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

func seedSearch(t *testing.T, w *world) time.Time {
	t.Helper()
	at := testNow.Add(-2 * time.Hour)
	recs := []logstream.Record{
		rec("ssh-fail", w.a1, at, map[string]any{"host.name": "web01", "user.name": "root", "source.ip": "203.0.113.9", "event.outcome": "failure", "process.name": "sshd"},
			"Failed password for root from 203.0.113.9 port 22 ssh2"),
		rec("ssh-ok", w.a1, at.Add(time.Minute), map[string]any{"host.name": "web01", "user.name": "deploy", "source.ip": "10.1.1.1", "event.outcome": "success", "process.name": "sshd"},
			"Accepted publickey for deploy from 10.1.1.1 port 50000 ssh2"),
		rec("win", w.a, at.Add(2*time.Minute), map[string]any{"Computer": "DC01.alpha.local", "EventID": 4625, "TargetUserName": "Administrator"},
			`<Event><System><EventID>4625</EventID></System></Event>`),
		rec("beta-web", w.b, at.Add(3*time.Minute), map[string]any{"host.name": "beta-web", "url.path": "/admin%_x", "http.response.status_code": 404},
			`203.0.113.9 - - "GET /admin%_x HTTP/1.1" 404 0 secretbeta`),
	}
	recs[3].Source = "nginx"
	if _, err := w.s.Store(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	return at
}

// Filters narrow the events; the agency scope holds below HTTP: an
// officer of B sees none of A's events and gets A's by id as not found.
func TestSearchFiltersAndScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		at := seedSearch(t, w)
		base := Query{From: at.Add(-time.Hour), To: at.Add(time.Hour)}
		with := func(f func(q *Query)) Query { q := base; f(&q); return q }
		for _, c := range []struct {
			name  string
			actor access.Actor
			q     Query
			want  string
		}{
			{"everything", access.System, base, "beta-web ssh-fail ssh-ok win"},
			{"officer A: own subtree", w.officerA, base, "ssh-fail ssh-ok win"},
			{"officer B: own agency only", w.offB, base, "beta-web"},
			{"agency A1", access.System, with(func(q *Query) { q.AgencyID = w.a1 }), "ssh-fail ssh-ok"},
			{"agency A includes A1", access.System, with(func(q *Query) { q.AgencyID = w.a }), "ssh-fail ssh-ok win"},
			{"system", access.System, with(func(q *Query) { q.SystemID = w.b * 100 }), "beta-web"},
			{"source", access.System, with(func(q *Query) { q.Source = "nginx" }), "beta-web"},
			{"indexed field", access.System, with(func(q *Query) { q.Fields = []FieldCondition{{"user.name", "root"}} }), "ssh-fail"},
			{"indexed field, Windows name", access.System, with(func(q *Query) { q.Fields = []FieldCondition{{"event.code", "4625"}} }), "win"},
			{"other field", access.System, with(func(q *Query) { q.Fields = []FieldCondition{{"event.outcome", "success"}} }), "ssh-ok"},
			{"number field", access.System, with(func(q *Query) { q.Fields = []FieldCondition{{"http.response.status_code", "404"}} }), "beta-web"},
			{"equality is exact", access.System, with(func(q *Query) { q.Fields = []FieldCondition{{"user.name", "ROOT"}} }), ""},
			{"wildcard", access.System, with(func(q *Query) { q.Fields = []FieldCondition{{"host.name", "WEB*"}} }), "ssh-fail ssh-ok"},
			{"wildcard: present", access.System, with(func(q *Query) { q.Fields = []FieldCondition{{"process.name", "*"}} }), "ssh-fail ssh-ok"},
			{"wildcard: LIKE's own signs are literal", access.System, with(func(q *Query) { q.Fields = []FieldCondition{{"url.path", "/admin%_*"}} }), "beta-web"},
			{"wildcard: % is not one", access.System, with(func(q *Query) { q.Fields = []FieldCondition{{"url.path", "%dmin*"}} }), ""},
			{"two fields", access.System, with(func(q *Query) {
				q.Fields = []FieldCondition{{"host.name", "web01"}, {"event.outcome", "failure"}}
			}), "ssh-fail"},
			{"full text", access.System, with(func(q *Query) { q.Text = "password root" }), "ssh-fail"},
			{"full text: an address", access.System, with(func(q *Query) { q.Text = "203.0.113.9" }), "beta-web ssh-fail"},
			{"full text: FTS syntax is text", access.System, with(func(q *Query) { q.Text = `root OR "deploy` }), ""},
			{"full text, scoped", w.officerA, with(func(q *Query) { q.Text = "203.0.113.9" }), "ssh-fail"},
			{"time range", access.System, with(func(q *Query) { q.From, q.To = at.Add(time.Minute), at.Add(2*time.Minute) }), "ssh-ok"},
			{"anonymous", access.Actor{}, base, ""},
		} {
			res := w.search(c.actor, c.q)
			var got []string
			for id := range ids(res.Events) {
				got = append(got, id)
			}
			if strings.Join(sorted(got), " ") != c.want {
				t.Errorf("%s: got %q, want %q", c.name, strings.Join(sorted(got), " "), c.want)
			}
		}
		// Newest first, in pages.
		p1 := w.search(access.System, Query{From: base.From, To: base.To, Limit: 3, Page: 1})
		p2 := w.search(access.System, Query{From: base.From, To: base.To, Limit: 3, Page: 2})
		if len(p1.Events) != 3 || !p1.More || p1.Events[0].ID != "beta-web" || len(p2.Events) != 1 || p2.More || p2.Events[0].ID != "ssh-fail" {
			t.Fatalf("pages: %+v / %+v", p1, p2)
		}
		day := at.Format("2006-01-02")
		if _, err := w.s.Event(ctx, w.offB, day, "ssh-fail"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("officer B reading A1's event: %v, want not found", err)
		}
		if e, err := w.s.Event(ctx, w.officerA, day, "ssh-fail"); err != nil || e.AgencyID != w.a1 {
			t.Fatalf("officer A reading A1's event: %+v, %v", e, err)
		}
		if _, err := w.s.Search(ctx, w.offB, Query{From: base.From, To: base.To, AgencyID: w.a, Page: 1, Limit: 10}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("officer B filtering on agency A: %v, want a field error", err)
		}
		if _, err := w.s.Event(ctx, access.System, "2026-13-01", "x"); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("bad day: %v", err)
		}
		recent, err := w.s.Recent(ctx, w.officerA, 3*time.Hour, 100)
		if err != nil || len(recent) != 3 || recent[0].ID != "win" || recent[0].Original == "" {
			t.Fatalf("recent: %+v, %v", recent, err)
		}
		u, err := w.s.Storage(ctx, w.offB)
		if err != nil || u.Events != 1 || len(u.Agencies) != 1 || u.Agencies[0].AgencyID != w.b || u.DiskBytes != 0 {
			t.Fatalf("officer B's storage: %+v, %v", u, err)
		}
	})
}

func sorted(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

// Bad search input is a field error naming the parameter; ordinary input
// passes.
func TestParseQuery(t *testing.T) {
	now := testNow
	for _, c := range []struct {
		query string
		field string // "" = valid
	}{
		{"", ""},
		{"from=2026-11-30&to=2026-12-01", ""},
		{"from=2026-11-30T08:00&to=2026-11-30T09:00:00Z&agency=3&system=4&source=nginx&q=root&field.host.name=web*&field.EventID=4625&page=2&limit=100", ""},
		{"from=2026-11-30T08:00:00%2B07:00", ""},
		{"from=yesterday", "from"},
		{"to=2026-02-30", "to"},
		{"from=2026-12-01&to=2026-11-01", "to"},
		{"from=2026-01-01&to=2026-12-01", "from"},
		{"from=1900-01-01", "from"},
		{"agency=abc", "agency"},
		{"system=-1", "system"},
		{"page=0", "page"},
		{"page=9999", "page"},
		{"limit=100000", "limit"},
		{"hosts=web01", "hosts"},
		{"field.host%20name=x", "field.host name"},
		{"field.=x", "field."},
		{"q=" + strings.Repeat("w ", 11), "q"},
	} {
		v, err := url.ParseQuery(c.query)
		if err != nil {
			t.Fatal(err)
		}
		q, err := ParseQuery(v, now)
		if c.field == "" {
			if err != nil {
				t.Errorf("%q: %v", c.query, err)
			}
			if !q.From.Before(q.To) {
				t.Errorf("%q: range %v .. %v", c.query, q.From, q.To)
			}
			continue
		}
		if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%q: %v, want a field error on %s", c.query, err, c.field)
		}
	}
	q, _ := ParseQuery(url.Values{}, now)
	if !q.To.Equal(now) || q.To.Sub(q.From) != DefaultWindow {
		t.Errorf("default range %v .. %v", q.From, q.To)
	}
	q, _ = ParseQuery(url.Values{"to": {"2026-11-30"}}, now)
	if !q.To.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("a bare 'to' date should include its day: %v", q.To)
	}
}
