package normalize

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fuzzLimits are small so that the fuzzer reaches them.
var fuzzLimits = Limits{MaxInput: 4096, MaxDepth: 6, MaxFields: 64}

// checkBounded fails unless e is well formed and its size bounded by the
// input's: valid UTF-8 everywhere, the original within the limit, at most
// a few copies of the input in the fields (aliases repeat a value).
func checkBounded(t *testing.T, e Event, input string, lim Limits) {
	t.Helper()
	lim = lim.orDefault()
	if e.Fields == nil {
		t.Fatal("nil fields")
	}
	if len(e.Original) > lim.MaxInput || !utf8.ValidString(e.Original) {
		t.Fatalf("original: %d bytes, valid %v", len(e.Original), utf8.ValidString(e.Original))
	}
	if len(e.Fields) > lim.MaxFields+64 {
		t.Fatalf("%d fields", len(e.Fields))
	}
	size := 0
	for k, v := range e.Fields {
		size += len(k) + valueSize(t, k, v, 0)
	}
	if bound := 20*len(input) + 4096; size > bound {
		t.Fatalf("fields hold %d bytes for %d of input", size, len(input))
	}
}

func valueSize(t *testing.T, k string, v any, depth int) int {
	t.Helper()
	if !utf8.ValidString(k) {
		t.Fatalf("invalid UTF-8 in key %q", k)
	}
	if depth > 64 {
		t.Fatalf("%s nested %d deep", k, depth)
	}
	switch x := v.(type) {
	case string:
		if !utf8.ValidString(x) {
			t.Fatalf("invalid UTF-8 in %s", k)
		}
		return len(x)
	case nil, bool, int64, float64:
		return 8
	case []any:
		n := 8
		for _, item := range x {
			n += valueSize(t, k, item, depth+1)
		}
		return n
	case map[string]any:
		n := 8
		for k2, item := range x {
			n += len(k2) + valueSize(t, k+"."+k2, item, depth+1)
		}
		return n
	}
	t.Fatalf("%s has type %T", k, v)
	return 0
}

var fuzzLines = []string{
	`203.0.113.5 - - [30/Nov/2026:13:55:36 +0700] "GET /index.php?id=1 HTTP/1.1" 200 5120 "https://so.gov.vn/" "Mozilla/5.0"`,
	`vh:80 2001:db8::7 - lan [30/Nov/2026:13:55:36 +0700] "POST /a\"b HTTP/2.0" 302 - "-" "c \\ d" "x"`,
	`2026/11/30 10:22:33 [error] 1234#1234: *5 open() failed, client: 203.0.113.5, server: s, request: "GET / HTTP/1.1", host: "h"`,
	`[Mon Nov 30 14:32:52.123456 2026] [core:error] [pid 35708:tid 4] [client [2001:db8::1]:443] AH00037: x`,
	`Dec 31 23:59:59 web01 sshd[812]: Failed password for invalid user nguyễn from 192.0.2.1 port 22 ssh2`,
	`2026-11-30T08:00:00.123456+07:00 mail postfix/smtp[9]: ABC: to=<x@y>, relay=none, status=bounced (no)`,
	`Jan  1 00:00:01 web01 sudo: an : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/id`,
	`{"winlog":{"channel":"Security","event_id":4688,"event_data":{"CommandLine":"cmd"}},"@timestamp":"2026-11-30T01:02:03Z"}`,
	`{"Event":{"System":{"EventID":{"#text":1},"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"Image":"x"}}}`,
	`{"message":"Nov 30 08:00:00 h sshd[1]: Invalid user z from 192.0.2.3 port 4","event":{"module":"nginx"},"a":[{"b":[1,{"c":2}]}]}`,
	"bad \xff\xfe",
	"",
}

func FuzzNormalizeLine(f *testing.F) {
	for _, s := range fuzzLines {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkBounded(t, Normalize(Input{Body: s, Limits: fuzzLimits, Received: time.Unix(1e9, 0)}), s, fuzzLimits)
	})
}

func FuzzNormalizeJSON(f *testing.F) {
	for _, s := range fuzzLines {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkBounded(t, Normalize(Input{Kind: KindJSON, Body: s, Limits: fuzzLimits}), s, fuzzLimits)
	})
}

func FuzzSyslog(f *testing.F) {
	for _, app := range []string{"sshd", "sudo", "postfix/smtpd", "postfix/qmgr", "postfix/smtp", "nginx", "httpd", "cron", ""} {
		for _, s := range fuzzLines {
			if i := strings.Index(s, ": "); i > 0 && strings.Contains(s[:i], "[") {
				s = s[i+2:]
			}
			f.Add(app, s)
		}
	}
	f.Add("sshd", "Disconnected from authenticating user root 203.0.113.5 port 52311 [preauth]")
	f.Add("postfix/smtpd", "NOQUEUE: reject: RCPT from unknown[198.51.100.3]: 554 5.7.1 <a>: denied; from=<a@b> to=<c> proto=ESMTP helo=<x>")
	f.Add("postfix/smtpd", "warning: unknown[203.0.113.9]: SASL LOGIN authentication failed: x")
	f.Fuzz(func(t *testing.T, app, msg string) {
		h := SyslogHeader{Hostname: "h", AppName: app, ProcID: "1", Priority: true, Facility: 4}
		e := Normalize(Input{Kind: KindSyslog, Syslog: h, Body: msg, Limits: fuzzLimits})
		checkBounded(t, e, app+msg, fuzzLimits)
		linux := e.Source == SourceSSHD || e.Source == SourceSudo || e.Source == SourcePostfix || e.Source == SourceSyslog
		if linux && (e.Logsource.Product != "linux" || e.Logsource.Services[0] != "syslog") {
			t.Fatalf("logsource %+v", e.Logsource)
		}
	})
}

func FuzzAccess(f *testing.F) {
	for _, s := range fuzzLines[:2] {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if e, ok := ParseAccess(s, "nginx"); ok {
			checkBounded(t, e, s, Limits{})
			if _, ok := e.Fields["sc-status"].(int64); !ok {
				t.Fatal("access line without a status")
			}
		}
	})
}

func FuzzWebError(f *testing.F) {
	for _, s := range fuzzLines[2:4] {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if e, ok := ParseWebError(s, nil); ok {
			checkBounded(t, e, s, Limits{})
			if e.Timestamp.IsZero() {
				t.Fatal("error line without a time")
			}
		}
	})
}

// FuzzWindowsFields feeds evtx-shaped maps with arbitrary names and values.
func FuzzWindowsFields(f *testing.F) {
	f.Add("Microsoft-Windows-Sysmon/Operational", "12", "CreateKey", "Image", `C:\x.exe`)
	f.Add("Security", "4688", "", "CommandLine", "cmd")
	f.Fuzz(func(t *testing.T, channel, id, eventType, k, v string) {
		m := map[string]any{"Channel": channel, "EventID": id, "EventType": eventType, k: v}
		e := FromEVTX(m, "")
		if e.Logsource.Product != "windows" || len(e.Logsource.Services) > 1 || len(e.Logsource.Categories) > 2 {
			t.Fatalf("logsource %+v", e.Logsource)
		}
		_ = fmt.Sprint(e.Fields)
	})
}
