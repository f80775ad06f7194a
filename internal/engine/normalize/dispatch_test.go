package normalize

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestNormalizeDispatch(t *testing.T) {
	received := time.Date(2027, 1, 1, 0, 0, 30, 0, time.UTC)
	ict := time.FixedZone("ICT", 7*3600)
	access := `198.51.100.1 - - [30/Nov/2026:13:55:36 +0700] "GET /x HTTP/1.1" 200 1`
	cases := []struct {
		name   string
		in     Input
		source string
		ts     time.Time
		ls     Logsource
		want   F // a subset of the fields
	}{
		{"generic syslog", Input{Kind: KindSyslog, Body: "Started Daily apt upgrade.", Syslog: SyslogHeader{Hostname: "h", AppName: "systemd", ProcID: "1", Priority: true, Facility: 3, Severity: 6}},
			SourceSyslog, time.Time{}, Logsource{Product: "linux", Services: []string{"syslog"}},
			F{"process.name": "systemd", "process.pid": int64(1), "message": "Started Daily apt upgrade.", "log.syslog.facility.code": int64(3)}},
		{"cron and the auth facility", Input{Kind: KindSyslog, Body: "pam_unix(cron:session): session opened", Syslog: SyslogHeader{AppName: "CRON", Priority: true, Facility: 10}},
			SourceSyslog, time.Time{}, Logsource{Product: "linux", Services: []string{"syslog", "cron", "auth"}}, F{"process.name": "CRON"}},
		{"syslog with a path as tag", Input{Kind: KindSyslog, Body: "Accepted password for a from 192.0.2.1 port 2 ssh2", Syslog: SyslogHeader{AppName: "/usr/sbin/sshd[77]"}},
			SourceSSHD, time.Time{}, Logsource{Product: "linux", Services: []string{"syslog", "sshd", "auth"}}, F{"user.name": "a"}},
		{"nginx access over syslog", Input{Kind: KindSyslog, Body: access, Syslog: SyslogHeader{AppName: "nginx", Timestamp: received}},
			SourceAccess, time.Date(2026, 11, 30, 13, 55, 36, 0, ict), Logsource{Categories: []string{"webserver"}, Services: []string{"nginx"}},
			F{"process.name": "nginx", "sc-status": int64(200), "message": access}},
		{"apache error over syslog, zone given", Input{Kind: KindSyslog, Location: ict, Body: "[Mon Nov 30 14:32:52 2026] [error] x", Syslog: SyslogHeader{AppName: "httpd"}},
			SourceApacheError, time.Date(2026, 11, 30, 14, 32, 52, 0, ict), Logsource{Services: []string{"apache"}}, F{"message": "x", "log.level": "error"}},
		{"something else over syslog from nginx", Input{Kind: KindSyslog, Body: "hello", Syslog: SyslogHeader{AppName: "nginx"}},
			SourceSyslog, time.Time{}, Logsource{Product: "linux", Services: []string{"syslog"}}, F{"message": "hello"}},
		{"JSON in a syslog message", Input{Kind: KindSyslog, Body: `{"level":"warn","msg":"x"}`, Syslog: SyslogHeader{Hostname: "app1", AppName: "api"}},
			SourceJSON, time.Time{}, Logsource{Product: "linux", Services: []string{"syslog"}}, F{"level": "warn", "msg": "x", "host.hostname": "app1"}},
		{"auth.log line, last year's", Input{Body: "Dec 31 23:59:59 web01 sshd[812]: Failed password for root from 192.0.2.1 port 22 ssh2", Received: received},
			SourceSSHD, time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC), Logsource{Product: "linux", Services: []string{"syslog", "sshd", "auth"}},
			F{"host.hostname": "web01", "process.pid": int64(812), "event.outcome": "failure", "source.ip": "192.0.2.1"}},
		{"auth.log line, no received time", Input{Body: "Jan  1 00:00:01 web01 sudo: an : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/id"},
			SourceSudo, time.Time{}, Logsource{Product: "linux", Services: []string{"syslog", "sudo", "auth"}}, F{"user.effective.name": "root"}},
		{"rsyslog precise time", Input{Body: "2026-11-30T08:00:00.123456+07:00 mail postfix/smtpd[9]: connect from unknown[192.0.2.2]"},
			SourcePostfix, time.Date(2026, 11, 30, 1, 0, 0, 123456000, time.UTC), Logsource{Product: "linux", Services: []string{"syslog", "postfix"}},
			F{"source.ip": "192.0.2.2", "process.name": "postfix/smtpd"}},
		{"raw access line, server known", Input{Body: access, Server: "apache"},
			SourceAccess, time.Date(2026, 11, 30, 13, 55, 36, 0, ict), Logsource{Categories: []string{"webserver"}, Services: []string{"apache"}}, F{"cs-uri-query": "/x"}},
		{"raw nginx error line", Input{Body: "2026/11/30 10:22:33 [crit] 1#1: x", Location: ict},
			SourceNginxError, time.Date(2026, 11, 30, 10, 22, 33, 0, ict), Logsource{Services: []string{"nginx"}}, F{"message": "x"}},
		{"Filebeat document with an access line", Input{Kind: KindJSON, Body: `{"@timestamp":"2026-11-30T06:55:37Z","event":{"module":"nginx"},"message":` + quote(access) + `}`},
			SourceAccess, time.Date(2026, 11, 30, 6, 55, 37, 0, time.UTC), Logsource{Categories: []string{"webserver"}, Services: []string{"nginx"}},
			F{"event.module": "nginx", "message": access, "sc-status": int64(200), "source.ip": "198.51.100.1"}},
		{"Fluent Bit document with an auth.log line", Input{Kind: KindJSON, Body: `{"log":"x","message":"Nov 30 08:00:00 h sshd[1]: Invalid user z from 192.0.2.3 port 4"}`},
			SourceSSHD, time.Time{}, Logsource{Product: "linux", Services: []string{"syslog", "sshd", "auth"}}, F{"user.name": "z", "log": "x"}},
		{"unknown line", Input{Body: "kernel: something odd"}, SourceLine, time.Time{}, Logsource{}, F{"message": "kernel: something odd"}},
		{"not JSON given as JSON", Input{Kind: KindJSON, Body: `{"a":`}, SourceLine, time.Time{}, Logsource{}, F{"message": `{"a":`}},
		{"invalid UTF-8", Input{Body: "bad \xff\xfe bytes"}, SourceLine, time.Time{}, Logsource{}, F{"message": "bad \uFFFD bytes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := Normalize(c.in)
			if e.Source != c.source || !e.Timestamp.Equal(c.ts) {
				t.Errorf("source %q time %v, want %q %v", e.Source, e.Timestamp, c.source, c.ts)
			}
			checkLogsource(t, e.Logsource, c.ls)
			if e.Logsource.Known() != (c.ls.Product != "" || c.ls.Services != nil || c.ls.Categories != nil) {
				t.Errorf("known %v", e.Logsource.Known())
			}
			for k, v := range c.want {
				if got, ok := e.Fields[k]; !ok || got != v {
					t.Errorf("%s = %#v, want %#v", k, got, v)
				}
			}
		})
	}
}

// The original is kept as given (only cut and made valid UTF-8).
func TestNormalizeKeepsOriginal(t *testing.T) {
	for _, in := range []Input{
		{Body: "Dec 31 23:59:59 web01 sshd[812]: hello"},
		{Kind: KindSyslog, Body: "  spaced  ", Syslog: SyslogHeader{AppName: "sudo"}},
		{Kind: KindJSON, Body: ` {"a":1} `},
		{Body: ""},
	} {
		if e := Normalize(in); e.Original != in.Body || e.Fields == nil {
			t.Errorf("%q: original %q", in.Body, e.Original)
		}
	}
}

func quote(s string) string {
	b := []byte{'"'}
	for _, r := range s {
		if r == '"' || r == '\\' {
			b = append(b, '\\')
		}
		b = append(b, string(r)...)
	}
	return string(append(b, '"'))
}

// A very long message is cut at the limit, on a character boundary, and
// marked; what remains is still read by its parser.
func TestNormalizeLongSyslog(t *testing.T) {
	user := strings.Repeat("ễ", 40_000) // 120,000 bytes
	msg := "Invalid user " + user + " from 192.0.2.1 port 22"
	e := Normalize(Input{Kind: KindSyslog, Syslog: SyslogHeader{AppName: "sshd"}, Body: msg})
	if e.Fields["user.name"] != user || e.Fields["source.ip"] != "192.0.2.1" || e.Fields["log.truncated"] != nil {
		t.Errorf("whole: user %d bytes, ip %v", len(e.Fields["user.name"].(string)), e.Fields["source.ip"])
	}
	e = Normalize(Input{Kind: KindSyslog, Syslog: SyslogHeader{AppName: "sshd"}, Body: msg, Limits: Limits{MaxInput: 1000}})
	if len(e.Original) > 1000 || !utf8.ValidString(e.Original) || e.Fields["log.truncated"] != true || e.Source != SourceSSHD {
		t.Errorf("cut: %d bytes, valid %v, %v", len(e.Original), utf8.ValidString(e.Original), e.Fields["log.truncated"])
	}
	if _, ok := e.Fields["source.ip"]; ok {
		t.Error("an address read from a cut line")
	}
}
