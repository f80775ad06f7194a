package normalize

import (
	"strings"
	"testing"
	"time"
)

func TestAccess(t *testing.T) {
	ts := time.Date(2026, 11, 30, 13, 55, 36, 0, time.FixedZone("", 7*3600))
	web := F{"event.category": "web"}
	cases := []struct {
		name, line string
		want       F
	}{
		{"combined", `203.0.113.5 - - [30/Nov/2026:13:55:36 +0700] "GET /index.php?id=1%27%20OR%201=1 HTTP/1.1" 200 5120 "https://so.gov.vn/" "Mozilla/5.0 (X11; Linux x86_64)"`,
			F{"source.ip": "203.0.113.5", "c-ip": "203.0.113.5", "client.ip": "203.0.113.5",
				"http.request.line": "GET /index.php?id=1%27%20OR%201=1 HTTP/1.1", "http.request.method": "GET", "cs-method": "GET",
				"url.original": "/index.php?id=1%27%20OR%201=1", "cs-uri": "/index.php?id=1%27%20OR%201=1", "cs-uri-query": "/index.php?id=1%27%20OR%201=1", "c-uri": "/index.php?id=1%27%20OR%201=1",
				"url.path": "/index.php", "cs-uri-stem": "/index.php", "c-uri-stem": "/index.php", "url.query": "id=1%27%20OR%201=1", "c-uri-query": "id=1%27%20OR%201=1",
				"url.extension": "php", "c-uri-extension": "php", "http.version": "1.1", "cs-version": "HTTP/1.1",
				"http.response.status_code": int64(200), "sc-status": int64(200), "http.response.body.bytes": int64(5120), "sc-bytes": int64(5120),
				"http.request.referrer": "https://so.gov.vn/", "cs-referer": "https://so.gov.vn/", "cs-referrer": "https://so.gov.vn/",
				"user_agent.original": "Mozilla/5.0 (X11; Linux x86_64)", "cs-user-agent": "Mozilla/5.0 (X11; Linux x86_64)", "c-useragent": "Mozilla/5.0 (X11; Linux x86_64)"}},
		{"common, user, IPv6, no body", `2001:db8::7 - lan [30/Nov/2026:13:55:36 +0700] "POST /login HTTP/2.0" 302 -`,
			F{"source.ip": "2001:db8::7", "c-ip": "2001:db8::7", "client.ip": "2001:db8::7", "user.name": "lan", "cs-username": "lan",
				"http.request.line": "POST /login HTTP/2.0", "http.request.method": "POST", "cs-method": "POST",
				"url.original": "/login", "cs-uri": "/login", "cs-uri-query": "/login", "c-uri": "/login",
				"url.path": "/login", "cs-uri-stem": "/login", "c-uri-stem": "/login", "http.version": "2.0", "cs-version": "HTTP/2.0",
				"http.response.status_code": int64(302), "sc-status": int64(302)}},
		{"virtual host, escaped quotes, extra fields", `portal.so.gov.vn:443 198.51.100.1 - - [30/Nov/2026:13:55:36 +0700] "GET /a\"b HTTP/1.1" 404 12 "-" "curl \"x\" \\ y" "10.0.0.1"`,
			F{"url.domain": "portal.so.gov.vn", "cs-host": "portal.so.gov.vn", "url.port": int64(443),
				"source.ip": "198.51.100.1", "c-ip": "198.51.100.1", "client.ip": "198.51.100.1",
				"http.request.line": `GET /a"b HTTP/1.1`, "http.request.method": "GET", "cs-method": "GET",
				"url.original": `/a"b`, "cs-uri": `/a"b`, "cs-uri-query": `/a"b`, "c-uri": `/a"b`,
				"url.path": `/a"b`, "cs-uri-stem": `/a"b`, "c-uri-stem": `/a"b`, "http.version": "1.1", "cs-version": "HTTP/1.1",
				"http.response.status_code": int64(404), "sc-status": int64(404), "http.response.body.bytes": int64(12), "sc-bytes": int64(12),
				"user_agent.original": `curl "x" \ y`, "cs-user-agent": `curl "x" \ y`, "c-useragent": `curl "x" \ y`,
				"http.request.extra": `"10.0.0.1"`}},
		{"TLS hello on a plain port, host name client", `scanner.example - - [30/Nov/2026:13:55:36 +0700] "\x16\x03\x01\x00\xCA\x01" 400 157 "-" "-"`,
			F{"source.domain": "scanner.example", "c-dns": "scanner.example", "http.request.line": `\x16\x03\x01\x00\xCA\x01`,
				"http.response.status_code": int64(400), "sc-status": int64(400), "http.response.body.bytes": int64(157), "sc-bytes": int64(157)}},
		{"Vietnamese path, extra spaces", `  192.0.2.8   -   -   [30/Nov/2026:13:55:36 +0700]   "GET /tài-liệu/báo cáo.pdf HTTP/1.1"   200   10  `,
			F{"source.ip": "192.0.2.8", "c-ip": "192.0.2.8", "client.ip": "192.0.2.8",
				"http.request.line": "GET /tài-liệu/báo cáo.pdf HTTP/1.1"}},
		{"Vietnamese path, one space", `192.0.2.8 - - [30/Nov/2026:13:55:36 +0700] "GET /tài-liệu/báo-cáo.pdf HTTP/1.1" 200 10`,
			F{"source.ip": "192.0.2.8", "c-ip": "192.0.2.8", "client.ip": "192.0.2.8",
				"http.request.line": "GET /tài-liệu/báo-cáo.pdf HTTP/1.1", "http.request.method": "GET", "cs-method": "GET",
				"url.original": "/tài-liệu/báo-cáo.pdf", "cs-uri": "/tài-liệu/báo-cáo.pdf", "cs-uri-query": "/tài-liệu/báo-cáo.pdf", "c-uri": "/tài-liệu/báo-cáo.pdf",
				"url.path": "/tài-liệu/báo-cáo.pdf", "cs-uri-stem": "/tài-liệu/báo-cáo.pdf", "c-uri-stem": "/tài-liệu/báo-cáo.pdf",
				"url.extension": "pdf", "c-uri-extension": "pdf", "http.version": "1.1", "cs-version": "HTTP/1.1",
				"http.response.status_code": int64(200), "sc-status": int64(200), "http.response.body.bytes": int64(10), "sc-bytes": int64(10)}},
		{"user name with a space", `192.0.2.9 - Lê Văn [30/Nov/2026:13:55:36 +0700] "-" 408 0`,
			F{"source.ip": "192.0.2.9", "c-ip": "192.0.2.9", "client.ip": "192.0.2.9", "user.name": "Lê Văn", "cs-username": "Lê Văn",
				"http.response.status_code": int64(408), "sc-status": int64(408), "http.response.body.bytes": int64(0), "sc-bytes": int64(0)}},
	}
	// the line with three spaces between the parts of its request is not
	// "METHOD target PROTOCOL": only the line is kept.
	cases[4].want = with(cases[4].want, F{"http.response.status_code": int64(200), "sc-status": int64(200), "http.response.body.bytes": int64(10), "sc-bytes": int64(10)})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, ok := ParseAccess(c.line, "nginx")
			if !ok {
				t.Fatal("not read")
			}
			if e.Source != SourceAccess || e.Original != c.line || !e.Timestamp.Equal(ts) {
				t.Errorf("source %q original %q time %v", e.Source, e.Original, e.Timestamp)
			}
			checkFields(t, e.Fields, with(web, c.want))
			checkLogsource(t, e.Logsource, Logsource{Categories: []string{"webserver"}, Services: []string{"nginx"}})
		})
	}
}

func TestAccessRefused(t *testing.T) {
	for _, line := range []string{
		``,
		`203.0.113.5 - - [30/Nov/2026:13:55:36 +0700] "GET / HTTP/1.1`,   // truncated in the request
		`203.0.113.5 - - [30/Nov/2026:13:55:36 +0700] "GET / HTTP/1.1" `, // truncated before the status
		`203.0.113.5 - - [30/Nov/2026:13:55`,
		`203.0.113.5 - - [yesterday] "GET / HTTP/1.1" 200 1`,
		`- [30/Nov/2026:13:55:36 +0700] "GET / HTTP/1.1" 200 1`,
		`203.0.113.5 - - [30/Nov/2026:13:55:36 +0700] "GET / HTTP/1.1" 2000 1`,
		`Nov 30 08:00:00 web01 sshd[1]: Accepted password for root from 1.2.3.4 port 1 ssh2`,
	} {
		if e, ok := ParseAccess(line, ""); ok {
			t.Errorf("%q read as %v", line, e.Fields)
		}
	}
}

// A very long line is read whole up to the limit, and marked when cut.
func TestAccessLongLine(t *testing.T) {
	target := "/search?q=" + strings.Repeat("A", 200_000)
	line := `203.0.113.5 - - [30/Nov/2026:13:55:36 +0700] "GET ` + target + ` HTTP/1.1" 414 0 "-" "x"`
	e, ok := ParseAccess(line, "")
	if !ok || e.Fields["url.original"] != target || e.Fields["log.truncated"] != nil {
		t.Fatalf("ok %v, url %d bytes, truncated %v", ok, len(e.Fields["url.original"].(string)), e.Fields["log.truncated"])
	}
	if e.Logsource.Services != nil {
		t.Errorf("unknown server gets a service: %v", e.Logsource)
	}
	huge := Normalize(Input{Body: line + strings.Repeat("B", 2<<20)})
	if len(huge.Original) != DefaultLimits.MaxInput || huge.Fields["log.truncated"] != true || huge.Fields["url.original"] != target {
		t.Errorf("cut line: original %d bytes, fields %v", len(huge.Original), huge.Fields["log.truncated"])
	}
}
