package ingest

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/khien-project/khien/internal/engine/normalize"
)

// frames splits a stream as serveStream does, reading it in chunks of
// the given sizes into a buffer of the receiver's size.
func frames(data []byte, limit int, chunks []int) (out []string, oversized int) {
	fr := Framer{Max: limit}
	buf := make([]byte, 0, limit+maxCountDigits+2)
	eof := false
	for k := 0; ; k++ {
		if k > 4*len(data)+1000 {
			panic(fmt.Sprintf("no progress: %d bytes left, %d buffered", len(data), len(buf)))
		}
		off := 0
		for {
			adv, frame, res := fr.Next(buf[off:], eof)
			if adv < 0 || off+adv > len(buf) {
				panic(fmt.Sprintf("advance %d past the %d bytes", adv, len(buf)-off))
			}
			off += adv
			switch res {
			case Frame:
				out = append(out, string(frame))
			case Oversized:
				oversized++
			}
			if adv == 0 {
				break
			}
		}
		buf = buf[:copy(buf, buf[off:])]
		if eof {
			if len(buf) != 0 {
				panic("bytes left at the end of the stream")
			}
			return out, oversized
		}
		n := cap(buf) - len(buf)
		if len(chunks) > 0 {
			n = min(n, max(1, chunks[k%len(chunks)]))
		}
		n = min(n, len(data))
		buf = append(buf, data[:n]...)
		data = data[n:]
		if len(data) == 0 && n == 0 {
			eof = true
		}
	}
}

func TestFramer(t *testing.T) {
	cases := []struct {
		name, in  string
		want      []string
		oversized int
	}{
		{"newline", "<13>a\n<13>b\r\n", []string{"<13>a", "<13>b"}, 0},
		{"octet counting", "5 <13>a6 <13>bc", []string{"<13>a", "<13>bc"}, 0},
		{"mixed per frame", "5 <13>a\n<13>line\n6 <13>bc", []string{"<13>a", "<13>line", "<13>bc"}, 0},
		{"octet frame holding a newline", "9 <13>a\nb\nc<13>d\n", []string{"<13>a\nb\nc", "<13>d"}, 0},
		{"last line without LF", "<13>a\n<13>b", []string{"<13>a", "<13>b"}, 0},
		{"NUL ends a frame", "<13>a\x00<13>b\x00", []string{"<13>a", "<13>b"}, 0},
		{"digits but no space: a line", "123abc\n", []string{"123abc"}, 0},
		{"oversized line", "<13>" + string(bytes.Repeat([]byte("x"), 100)) + "\n<13>ok\n", []string{"<13>ok"}, 1},
		{"oversized octet frame", "104 <13>" + string(bytes.Repeat([]byte("x"), 100)) + "<13>ok\n", []string{"<13>ok"}, 1},
		{"absurd count", "99999999999 <13>x\n<13>ok\n", []string{"99999999999 <13>x", "<13>ok"}, 0},
		{"truncated octet frame at the end", "20 <13>short", []string{"<13>short"}, 0},
		{"blank lines between", "\n\n<13>a\n\r\n", []string{"<13>a"}, 0},
	}
	for _, c := range cases {
		for _, chunk := range []int{0, 1, 3, 7} {
			t.Run(fmt.Sprintf("%s/chunk%d", c.name, chunk), func(t *testing.T) {
				got, over := frames([]byte(c.in), 64, []int{chunk})
				if fmt.Sprint(got) != fmt.Sprint(c.want) || over != c.oversized {
					t.Errorf("got %q and %d oversized, want %q and %d", got, over, c.want, c.oversized)
				}
			})
		}
	}
}

// FuzzFramer: whatever the bytes and however they are cut by reads, the
// framer consumes the whole stream, never returns a frame past the
// limit, and finds the same frames as when the stream comes in one piece.
func FuzzFramer(f *testing.F) {
	for _, s := range []string{"<13>a\n", "5 <13>a", "9 <13>a\nb\nc", "99999999999 x", "0 x\n", "1", "12 <13>cut", "\x00\x00\n\r",
		"<13>1 2026-12-01T10:00:00Z h a - - - m\n", "3 abc4 defg<1>x\n"} {
		f.Add([]byte(s), uint8(3), uint8(5))
	}
	f.Fuzz(func(t *testing.T, data []byte, c1, c2 uint8) {
		const limit = 32
		whole, o1 := frames(data, limit, nil)
		cut, o2 := frames(data, limit, []int{int(c1), int(c2)})
		for _, fr := range cut {
			if len(fr) > limit {
				t.Fatalf("frame of %d bytes past the limit %d", len(fr), limit)
			}
		}
		if fmt.Sprint(whole) != fmt.Sprint(cut) || o1 != o2 {
			t.Fatalf("cut reads found %q (%d oversized), one read %q (%d)", cut, o2, whole, o1)
		}
	})
}

// FuzzMessageParser: any bytes parse without a panic; what is read as
// syslog keeps a priority in range and text that normalize can take.
func FuzzMessageParser(f *testing.F) {
	for _, s := range []string{
		"<13>1 2026-12-01T10:00:00.123+07:00 host app 123 ID47 [exampleSDID@32473 iut=\"3\"] \xef\xbb\xbfmessage",
		"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
		"<13>Dec  1 10:00:00 host sshd[42]: Failed password for root from 10.0.0.1 port 22 ssh2",
		`<13>1 2026-12-01T10:00:00Z h a - - [a@1 x="\"\\\]C:\x"][origin ip="192.0.2.1" ip="::1"] m`,
		`<13>1 2026-12-01T10:00:00Z h a - - [a@1 x="unterminated] m`, `<13>1 - - - - - [a] m`,
		"<999>1 bad", "<13>", "<>x", "<13>1 - - - - - -", "<191>2026-12-01T10:00:00Z host tag: x", "<13>\xff\xfe",
	} {
		f.Add([]byte(s))
	}
	p := NewMessageParser(time.UTC)
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, msg []byte) {
		h, body, ok := p.Parse(msg, now)
		if !ok {
			return
		}
		if h.Facility < 0 || h.Facility > 23 || h.Severity < 0 || h.Severity > 7 {
			t.Fatalf("priority out of range: %+v", h)
		}
		if len(body) > len(msg) {
			t.Fatalf("body longer than the message")
		}
		_ = utf8.ValidString(body)
		for _, p := range h.StructuredData {
			if p.ID == "" || p.Name == "" || len(p.Value) > len(msg) {
				t.Fatalf("structured data %+v", p)
			}
		}
		e := normalize.ParseSyslog(h, body)
		for k, v := range e.Fields {
			if s, ok := v.(string); ok && !utf8.ValidString(s) || !utf8.ValidString(k) {
				t.Fatalf("field %q: invalid UTF-8", k)
			}
		}
	})
}

func TestMessageParser(t *testing.T) {
	p := NewMessageParser(time.UTC)
	now := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		in                   string
		ok                   bool
		host, app, pid, body string
		year                 int
	}{
		{"<13>1 2026-01-02T09:00:00Z web nginx 77 - - GET /", true, "web", "nginx", "77", "GET /", 2026},
		{"<86>Jan  2 09:00:00 db sudo: alice : TTY=pts/0", true, "db", "sudo", "", "alice : TTY=pts/0", 2026},
		{"<86>Dec 31 23:59:00 db cron[5]: job", true, "db", "cron", "5", "job", 2025}, // last year's December
		{"<13>just text", true, "", "", "", "just text", 0},
		{"no priority", false, "", "", "", "", 0},
		{"<1234>1 x", false, "", "", "", "", 0},
		{`<13>1 2026-01-02T09:00:00Z web app - ID [a@1 p="C:\x \"y\""] the message`, true, "web", "app", "", "the message", 2026},
		{`<13>1 2026-01-02T09:00:00Z web app - ID [a@1 p="x"]`, true, "web", "app", "", "", 2026},
		{`<13>1 2026-01-02T09:00:00Z web app - ID [a@1 p=unquoted] text`, true, "web", "app", "", `[a@1 p=unquoted] text`, 2026},
	}
	for _, c := range cases {
		h, body, ok := p.Parse([]byte(c.in), now)
		if ok != c.ok || h.Hostname != c.host || program(h.AppName) != c.app || h.ProcID != c.pid || body != c.body || (c.year != 0 && h.Timestamp.Year() != c.year) {
			t.Errorf("%q: ok %v header %+v body %q", c.in, ok, h, body)
		}
	}
}

func program(app string) string { return app }

// FuzzSplitDocuments and bulk action lines: no panic, documents are
// pieces of the body.
func FuzzSplitDocuments(f *testing.F) {
	for _, s := range []string{"{\"a\":1}\n{\"b\":2}", "[{\"a\":1},{\"b\":2}]", "[", "\n\n", "[1,2", "{\"index\":{\"_id\":\"x\"}}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		docs, err := splitDocuments(body)
		if err == nil {
			for _, d := range docs {
				if len(d) > len(body) {
					t.Fatal("a document longer than the body")
				}
			}
		}
		action, meta, ok := bulkAction(body)
		if ok && (action == "" && len(body) > 0 && meta.ID == "x") {
			t.Fatal("impossible")
		}
	})
}

// TestMessageParserStructuredData: RFC 5424 structured data is read with
// RFC 5424's escapes (a backslash before an ordinary character is
// itself), repeated parameters kept, and never costs the message.
func TestMessageParserStructuredData(t *testing.T) {
	p := NewMessageParser(time.UTC)
	now := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	msg := `<13>1 2026-01-02T09:00:00Z web app - ID [a@1 p="C:\x \"y\" \]\\"][origin ip="192.0.2.1" ip="192.0.2.2"] ` + "\ufeffbody"
	h, body, ok := p.Parse([]byte(msg), now)
	want := []normalize.SDParam{{ID: "a@1", Name: "p", Value: `C:\x "y" ]\`}, {ID: "origin", Name: "ip", Value: "192.0.2.1"}, {ID: "origin", Name: "ip", Value: "192.0.2.2"}}
	if !ok || body != "body" || !reflect.DeepEqual(h.StructuredData, want) || h.MsgID != "ID" {
		t.Fatalf("got ok %v body %q header %+v", ok, body, h)
	}
	h, body, ok = p.Parse([]byte(`<13>1 - - - - - [a@1 x="1"] nil header`), now)
	if !ok || body != "nil header" || len(h.StructuredData) != 1 {
		t.Fatalf("a header of nil values: ok %v body %q header %+v", ok, body, h)
	}
	h, body, ok = p.Parse([]byte(`<13>1 2026-13-45T09:00:00Z web app - - [a@1 x="1"] bad time`), now)
	if !ok || !strings.Contains(body, `[a@1 x="1"] bad time`) {
		t.Fatalf("a header read in part: ok %v body %q header %+v", ok, body, h)
	}
	h, body, ok = p.Parse([]byte(`<13>1 2026-01-02T09:00:00Z web app - - [bad x=1] keep me`), now)
	if !ok || body != "[bad x=1] keep me" || h.StructuredData != nil || h.AppName != "app" {
		t.Fatalf("unreadable structured data: ok %v body %q header %+v", ok, body, h)
	}
}

// BenchmarkMessageParser reads RFC 5424 messages with and without
// structured data, and an RFC 3164 one.
func BenchmarkMessageParser(b *testing.B) {
	p := NewMessageParser(time.UTC)
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct{ name, msg string }{
		{"rfc5424-sd", `<86>1 2026-12-01T10:00:00.123+07:00 web01 sshd 812 - [timeQuality tzKnown="1" isSynced="1"][meta@32473 user="alice" path="C:\\x \"q\""] Failed password for invalid user admin from 203.0.113.45 port 52211 ssh2`},
		{"rfc5424", `<86>1 2026-12-01T10:00:00.123+07:00 web01 sshd 812 - - Failed password for invalid user admin from 203.0.113.45 port 52211 ssh2`},
		{"rfc3164", `<86>Dec  1 10:00:00 web01 sshd[812]: Failed password for invalid user admin from 203.0.113.45 port 52211 ssh2`},
	} {
		msg := []byte(c.msg)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, ok := p.Parse(msg, now); !ok {
					b.Fatal("not read")
				}
			}
		})
	}
}
