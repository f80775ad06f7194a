package logstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// Words are runs of letters and digits, lower case, without diacritics;
// everything else separates them.
func TestWords(t *testing.T) {
	for in, want := range map[string]string{
		"Failed password for root from 203.0.113.9 port 22": "failed password for root from 203 0 113 9 port 22",
		"Đăng nhập THẤT BẠI: người dùng Nguyễn":             "dang nhap that bai nguoi dung nguyen",
		"Tiếng Việt tổ hợp: Vie\u0302\u0323t":               "tieng viet to hop viet",
		"C:\\Windows\\System32\\certutil.exe -urlcache":     "c windows system32 certutil exe urlcache",
		"":                  "",
		"---":               "",
		"a\xffb":            "a b",
		"ÅNGSTRÖM straße Σ": "angstrom straße σ",
	} {
		if got := strings.Join(words(in), " "); got != want {
			t.Errorf("words(%q) = %q, want %q", in, got, want)
		}
	}
}

// A filter holds every term put in it, and says no to most others.
func TestBloomHoldsWhatWasAddedAndRejectsMostElse(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	f, filter := newBloom(1000)
	var added []uint64
	for i := 0; i < 1000*termsPerEvent; i++ {
		term := fmt.Sprint("term", rng.Uint64())
		f.add(0, term)
		added = append(added, fnv64(0, term))
	}
	for _, h := range added {
		if !mayHold(filter, []uint64{h}) {
			t.Fatal("a term added is not held")
		}
	}
	fp := 0
	for i := 0; i < 100000; i++ {
		if mayHold(filter, []uint64{fnv64(0, fmt.Sprint("other", i))}) {
			fp++
		}
	}
	if fp > 2000 { // 2 %: the design is about 0.4 % at this fill
		t.Fatalf("%d of 100000 absent terms held", fp)
	}
	for _, bad := range [][]byte{nil, {1}, {9, 0xff, 0xff}, {1, 1, 2, 3}} {
		if !mayHold(bad, []uint64{1}) {
			t.Errorf("a filter it cannot read (%v) must let the block be checked", bad)
		}
	}
}

func FuzzWords(f *testing.F) {
	for _, s := range []string{"Đăng nhập", "a\xffb", "Vie\u0302\u0323t", "203.0.113.9", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, w := range words(s) {
			if w == "" || !utf8.ValidString(w) || strings.ToLower(w) != w {
				t.Fatalf("word %q of %q", w, s)
			}
		}
		_ = mayHold([]byte(s), []uint64{fnv64(0, s)})
	})
}

// Over many blocks of several agencies, received out of order across
// blocks, every page is what sorting all the matching events would give,
// and a word that is part of another does not match it.
func TestPagesOverManyBlocksAreTheSortedEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
		rng := rand.New(rand.NewPCG(5, 6))
		var all []logstream.Record
		for i := 0; i < 4500; i++ {
			agency := []int64{w.a, w.a1, w.b}[rng.IntN(3)]
			word := []string{"password", "pass", "Mật khẩu sai"}[i%3]
			r := rec(fmt.Sprintf("e%04d", i), agency, at.Add(time.Duration(rng.IntN(3600000))*time.Millisecond),
				map[string]any{"n": i, "host.name": fmt.Sprint("web", i%7)}, fmt.Sprintf("login %s for user%d", word, i))
			all = append(all, r)
		}
		for i := 0; i < len(all); i += 700 { // writes of several agencies, out of time order
			if _, err := w.s.Store(ctx, all[i:min(i+700, len(all))]); err != nil {
				t.Fatal(err)
			}
		}
		want := func(keep func(*logstream.Record) bool) []string {
			var out []logstream.Record
			for i := range all {
				if keep(&all[i]) {
					out = append(out, all[i])
				}
			}
			sort.Slice(out, func(i, j int) bool {
				if !out[i].Received.Equal(out[j].Received) {
					return out[i].Received.After(out[j].Received)
				}
				return out[i].ID > out[j].ID
			})
			ids := make([]string, len(out))
			for i := range out {
				ids[i] = out[i].ID
			}
			return ids
		}
		check := func(name string, actor access.Actor, q Query, keep func(*logstream.Record) bool) {
			t.Helper()
			exp := want(keep)
			q.From, q.To, q.Limit = at, at.Add(time.Hour), 100
			for page := 1; page <= 5; page++ {
				q.Page = page
				res := w.search(actor, q)
				var got []string
				for _, e := range res.Events {
					got = append(got, e.ID)
				}
				lo, hi := min((page-1)*100, len(exp)), min(page*100, len(exp))
				if strings.Join(got, " ") != strings.Join(exp[lo:hi], " ") || res.More != (len(exp) > hi) {
					t.Fatalf("%s, page %d: got %d events %v…, want %d %v…", name, page, len(got), got[:min(3, len(got))], hi-lo, exp[lo:min(lo+3, hi)])
				}
			}
		}
		check("all", access.System, Query{}, func(*logstream.Record) bool { return true })
		check("officer B", w.offB, Query{}, func(r *logstream.Record) bool { return r.AgencyID == w.b })
		check("word pass, not password", access.System, Query{Text: "pass"}, func(r *logstream.Record) bool { return strings.Contains(r.Original, "pass for") })
		check("Vietnamese without accents", access.System, Query{Text: "mat khau"}, func(r *logstream.Record) bool { return strings.Contains(r.Original, "Mật") })
		check("field", w.officerA, Query{Fields: []FieldCondition{{"host.name", "web3"}}}, func(r *logstream.Record) bool {
			return r.AgencyID != w.b && r.Fields["host.name"] == "web3"
		})
		if e, err := w.s.Event(ctx, access.System, "2026-11-30", "e4321"); err != nil || e.ID != "e4321" || e.Fields["n"] != int64(4321) {
			t.Fatalf("one event by id: %+v, %v", e, err)
		}
		// The same events again store nothing; the counts stay.
		if n, err := w.s.Store(ctx, all[1000:3000]); err != nil || n != 0 {
			t.Fatalf("stored again: %d, %v", n, err)
		}
		if n := w.count(); n != len(all) {
			t.Fatalf("%d events stored, want %d", n, len(all))
		}
	})
}

// Days stored one row per event (before blocks) are read into blocks:
// every event is found and counted once, and the rows are gone.
func TestRowPerEventDaysAreReadIntoBlocks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		day := "2026-11-30"
		at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
		insert := func(q store.Querier, table string, args func(i int) []any) {
			for i := 0; i < 6000; i++ {
				if _, err := q.ExecContext(ctx, `INSERT INTO `+table+` (id, agency_id, system_id, receiver, sender, source, received, event_time,
					host_name, user_name, source_ip, event_code, product, categories, services, fields, original, size`+
					map[bool]string{true: ", day", false: ""}[db.Engine == store.Postgres]+`) VALUES ($1, $2, 0, 'syslog-tcp', '10.0.0.1', 'sshd', $3, '', 'web1', '', '', '', 'linux', 'authentication', 'sshd', $4, $5, 10`+
					map[bool]string{true: ", '" + day + "'", false: ""}[db.Engine == store.Postgres]+`)`, args(i)...); err != nil {
					t.Fatal(err)
				}
			}
		}
		rowArgs := func(i int) []any {
			return []any{fmt.Sprintf("old-%d", i), []int64{w.a, w.b}[i%2], store.FormatTime(at.Add(time.Duration(i) * time.Second / 10)),
				fmt.Sprintf(`{"host.name":"web1","n":%d}`, i), fmt.Sprintf("Failed password for user%d", i)}
		}
		if db.Engine == store.SQLite {
			path := filepath.Join(w.s.cfg.Dir, day+".db")
			if err := os.MkdirAll(w.s.cfg.Dir, 0o700); err != nil {
				t.Fatal(err)
			}
			old, err := sql.Open("sqlite", dayDSN(path, false))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := old.ExecContext(ctx, oldDaySchema); err != nil {
				t.Fatal(err)
			}
			tx, _ := old.BeginTx(ctx, nil)
			insert(tx, "log_events", rowArgs)
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			old.Close()
		} else {
			if _, err := db.Writer().ExecContext(ctx, `CREATE TABLE log_events_20261130 PARTITION OF log_events FOR VALUES FROM ('2026-11-30') TO ('2026-12-01')`); err != nil {
				t.Fatal(err)
			}
			err := db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
				insert(tx, "log_events", rowArgs)
				_, err := tx.ExecContext(ctx, `INSERT INTO log_day_stats (day, agency_id, events, bytes) VALUES ('2026-11-30', $1, 3000, 1), ('2026-11-30', $2, 3000, 1)`, w.a, w.b)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.s.upgradeDays(ctx); err != nil {
				t.Fatal(err)
			}
		}
		res := w.search(w.offB, Query{From: at, To: at.Add(time.Hour), Text: "user4243", Page: 1, Limit: 10})
		if len(res.Events) != 1 || res.Events[0].ID != "old-4243" || res.Events[0].Fields["n"] != float64(4243) {
			t.Fatalf("an old event searched: %+v", res.Events)
		}
		if n := w.count(); n != 6000 {
			t.Fatalf("%d events in blocks, want 6000", n)
		}
		u, err := w.s.Storage(ctx, access.System)
		if err != nil || u.Events != 6000 || len(u.Agencies) != 2 {
			t.Fatalf("storage after the upgrade: %+v, %v", u, err)
		}
		if days, err := w.s.days(ctx); err != nil || len(days) != 1 || days[0] != day {
			t.Fatalf("days %v, %v", days, err)
		}
		if db.Engine == store.Postgres {
			var reg sql.NullString
			if err := db.Reader().QueryRowContext(ctx, `SELECT to_regclass('log_events_20261130')::text`).Scan(&reg); err != nil || reg.Valid {
				t.Fatalf("the old partition is still there: %v %v", reg, err)
			}
		}
	})
}

// oldDaySchema is the day file schema of version 1 (a row per event).
const oldDaySchema = `
CREATE TABLE log_events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, agency_id INTEGER NOT NULL, system_id INTEGER NOT NULL DEFAULT 0,
	receiver TEXT NOT NULL DEFAULT '', sender TEXT NOT NULL DEFAULT '', source TEXT NOT NULL DEFAULT '', received TEXT NOT NULL,
	event_time TEXT NOT NULL DEFAULT '', host_name TEXT NOT NULL DEFAULT '', user_name TEXT NOT NULL DEFAULT '', source_ip TEXT NOT NULL DEFAULT '',
	event_code TEXT NOT NULL DEFAULT '', product TEXT NOT NULL DEFAULT '', categories TEXT NOT NULL DEFAULT '', services TEXT NOT NULL DEFAULT '',
	fields TEXT NOT NULL, original TEXT NOT NULL, size INTEGER NOT NULL);
CREATE INDEX log_events_received ON log_events (received);
CREATE VIRTUAL TABLE log_events_fts USING fts5(original, content='log_events', content_rowid='seq');
CREATE TABLE log_agency_stats (agency_id INTEGER PRIMARY KEY, events INTEGER NOT NULL, bytes INTEGER NOT NULL);
CREATE TRIGGER log_events_added AFTER INSERT ON log_events BEGIN
	INSERT INTO log_events_fts (rowid, original) VALUES (new.seq, new.original);
	INSERT INTO log_agency_stats (agency_id, events, bytes) VALUES (new.agency_id, 1, new.size)
		ON CONFLICT (agency_id) DO UPDATE SET events = events + 1, bytes = bytes + excluded.bytes;
END;
PRAGMA user_version = 1;
`

// The terms hashed a piece at a time are the terms a search asks for.
func TestEventTermsAreTheSearchedTerms(t *testing.T) {
	r := logstream.Record{ID: "x1", Source: "sshd", SystemID: 42, Original: "Đăng nhập từ 10.0.0.1",
		Fields: map[string]any{"s": "v", "i": int64(-7), "n": 3, "f": 2.5, "whole": float64(4625), "b": true, "l": []any{"a", 1.0}, "nil": nil, "Computer": "DC01"}}
	f, filter := newBloom(1)
	addEventTerms(f, &r)
	for _, term := range []struct {
		kind byte
		s    string
	}{
		{termID, "x1"}, {termSource, "sshd"}, {termSystem, "42"},
		{termField, "s=v"}, {termField, "i=-7"}, {termField, "n=3"}, {termField, "f=2.5"}, {termField, "whole=4625"},
		{termField, "b=true"}, {termField, `l=["a",1]`}, {termField, "Computer=DC01"}, {termField, "host.name=DC01"},
		{0, "dang"}, {0, "nhap"}, {0, "tu"}, {0, "10"}, {0, "1"},
	} {
		if !mayHold(filter, []uint64{fnv64(term.kind, term.s)}) {
			t.Errorf("term %d %q not held", term.kind, term.s)
		}
	}
}

// Blocks are kept compressed when that is shorter, and read back as they
// were either way.
func TestBlocksCompressAndReadBack(t *testing.T) {
	recs := records("z", 300, 2, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	m, err := encodeBlock(recs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(m.data, zMagic) || len(m.data)*2 > m.bytes {
		t.Fatalf("a block of log lines kept in %d bytes for %d: not compressed", len(m.data), m.bytes)
	}
	back, err := decompress(m.data)
	if err != nil {
		t.Fatal(err)
	}
	got, bad := logstream.Decode(back)
	if bad != 0 || len(got) != len(recs) || got[299].ID != recs[299].ID || got[299].Original != recs[299].Original {
		t.Fatalf("read back %d records (%d bad)", len(got), bad)
	}
	tiny := []byte("KLR1\x01x")
	if !bytes.Equal(compress(tiny), tiny) {
		t.Error("data that does not shrink must be kept as it is")
	}
	if _, err := decompress(append(append([]byte(nil), zMagic...), 0xff, 0xff, 0xff)); err == nil {
		t.Error("a corrupt block read without an error")
	}
}
