package normalize

import (
	"testing"
	"time"
)

func TestWebError(t *testing.T) {
	ict := time.FixedZone("ICT", 7*3600)
	cases := []struct {
		name, line, source string
		ts                 time.Time
		want               F
	}{
		{"nginx with context", `2026/11/30 10:22:33 [error] 1234#1234: *5 open() "/usr/share/nginx/html/wp-login.php" failed (2: No such file or directory), client: 203.0.113.5, server: so.gov.vn, request: "GET /wp-login.php HTTP/1.1", host: "so.gov.vn", referrer: "http://x/"`,
			SourceNginxError, time.Date(2026, 11, 30, 10, 22, 33, 0, ict),
			F{"log.level": "error", "process.pid": int64(1234), "process.thread.id": int64(1234), "nginx.error.connection_id": int64(5),
				"message":   `open() "/usr/share/nginx/html/wp-login.php" failed (2: No such file or directory)`,
				"source.ip": "203.0.113.5", "c-ip": "203.0.113.5", "nginx.error.server": "so.gov.vn",
				"http.request.line": "GET /wp-login.php HTTP/1.1", "http.request.method": "GET", "cs-method": "GET",
				"url.original": "/wp-login.php", "cs-uri": "/wp-login.php", "cs-uri-query": "/wp-login.php", "c-uri": "/wp-login.php",
				"url.path": "/wp-login.php", "cs-uri-stem": "/wp-login.php", "c-uri-stem": "/wp-login.php", "url.extension": "php", "c-uri-extension": "php",
				"http.version": "1.1", "cs-version": "HTTP/1.1", "url.domain": "so.gov.vn", "cs-host": "so.gov.vn",
				"http.request.referrer": "http://x/", "cs-referer": "http://x/"}},
		{"nginx core dump", `2026/11/30 10:22:33 [alert] 1#1: worker process 37 exited on signal 6 (core dumped)`,
			SourceNginxError, time.Date(2026, 11, 30, 10, 22, 33, 0, ict),
			F{"log.level": "alert", "process.pid": int64(1), "process.thread.id": int64(1), "message": "worker process 37 exited on signal 6 (core dumped)"}},
		{"nginx truncated", `2026/11/30 10:22:33 [emerg] 1#`,
			SourceNginxError, time.Date(2026, 11, 30, 10, 22, 33, 0, ict),
			F{"log.level": "emerg", "message": "1#"}},
		{"apache 2.4", `[Mon Nov 30 14:32:52.123456 2026] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:5555] AH00037: Symbolic link not allowed: /var/www/tài liệu`,
			SourceApacheError, time.Date(2026, 11, 30, 14, 32, 52, 123456000, ict),
			F{"log.level": "error", "apache.error.module": "core", "process.pid": int64(35708), "process.thread.id": int64(4328636416),
				"source.ip": "72.15.99.187", "c-ip": "72.15.99.187", "source.port": int64(5555), "error.code": "AH00037",
				"message": "Symbolic link not allowed: /var/www/tài liệu"}},
		{"apache 2.4 IPv6 client", `[Mon Nov 30 14:32:52.000001 2026] [authz_core:error] [pid 1] [client [2001:db8::1]:443] AH01630: client denied by server configuration`,
			SourceApacheError, time.Date(2026, 11, 30, 14, 32, 52, 1000, ict),
			F{"log.level": "error", "apache.error.module": "authz_core", "process.pid": int64(1),
				"source.ip": "2001:db8::1", "c-ip": "2001:db8::1", "source.port": int64(443), "error.code": "AH01630",
				"message": "client denied by server configuration"}},
		{"apache segfault", `[Mon Nov 30 14:32:52.000000 2026] [core:notice] [pid 2048] AH00052: child pid 2050 exit signal Segmentation fault (11)`,
			SourceApacheError, time.Date(2026, 11, 30, 14, 32, 52, 0, ict),
			F{"log.level": "notice", "apache.error.module": "core", "process.pid": int64(2048), "error.code": "AH00052",
				"message": "child pid 2050 exit signal Segmentation fault (11)"}},
		{"apache 2.2", `[Mon Nov 30 14:32:52 2026] [error] [client 127.0.0.1] client denied by server configuration: /export/home`,
			SourceApacheError, time.Date(2026, 11, 30, 14, 32, 52, 0, ict),
			F{"log.level": "error", "source.ip": "127.0.0.1", "c-ip": "127.0.0.1", "message": "client denied by server configuration: /export/home"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, ok := ParseWebError(c.line, ict)
			if !ok {
				t.Fatal("not read")
			}
			if e.Source != c.source || e.Original != c.line || !e.Timestamp.Equal(c.ts) {
				t.Errorf("source %q original %q time %v", e.Source, e.Original, e.Timestamp)
			}
			checkFields(t, e.Fields, c.want)
			server := map[string]string{SourceNginxError: "nginx", SourceApacheError: "apache"}[c.source]
			checkLogsource(t, e.Logsource, Logsource{Services: []string{server}})
		})
	}
	for _, line := range []string{"", "[", "[x] y", "2026/11/30 10:22:33 error", "2026/13/30 10:22:33 [error] x", `[Mon Nov 30 14:32:52 2026`} {
		if e, ok := ParseWebError(line, nil); ok {
			t.Errorf("%q read as %v", line, e.Fields)
		}
	}
}
