//go:build unix

package normalize

import (
	"syscall"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/engine/evtx"
)

// cpuTime is the CPU time (user and system) the process has used: on a
// shared machine, lines per CPU second say more than per wall second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchInputs are realistic inputs per parser, used in turn.
var benchInputs = map[string][]Input{
	"sshd": {
		{Kind: KindSyslog, Syslog: sshHeader, Body: "Accepted publickey for deploy from 2001:db8::17 port 4222 ssh2: ED25519 SHA256:Zk3bW0h9x1rJ"},
		{Kind: KindSyslog, Syslog: sshHeader, Body: "Failed password for invalid user admin from 198.51.100.7 port 40022 ssh2"},
		{Kind: KindSyslog, Syslog: sshHeader, Body: "Disconnected from authenticating user root 203.0.113.5 port 52311 [preauth]"},
	},
	"sudo": {
		{Kind: KindSyslog, Syslog: sudoHeader, Body: "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update"},
	},
	"postfix": {
		{Kind: KindSyslog, Syslog: SyslogHeader{Hostname: "mail", AppName: "postfix/smtpd", ProcID: "2231"}, Body: "connect from unknown[203.0.113.9]"},
		{Kind: KindSyslog, Syslog: SyslogHeader{Hostname: "mail", AppName: "postfix/smtpd", ProcID: "2231"}, Body: "NOQUEUE: reject: RCPT from unknown[198.51.100.3]: 554 5.7.1 <spam@example.net>: Relay access denied; from=<a@b.example> to=<spam@example.net> proto=ESMTP helo=<x.example>"},
		{Kind: KindSyslog, Syslog: SyslogHeader{Hostname: "mail", AppName: "postfix/smtp", ProcID: "2231"}, Body: "3F2A81C0D4: to=<bob@example.com>, relay=mx.example.com[198.51.100.2]:25, delay=0.52, delays=0.1/0/0.2/0.2, dsn=2.0.0, status=sent (250 2.0.0 OK)"},
	},
	"syslog": {
		{Kind: KindSyslog, Syslog: SyslogHeader{Hostname: "h", AppName: "systemd", ProcID: "1"}, Body: "Started Daily apt upgrade and clean activities."},
	},
	"access": {
		{Body: `203.0.113.5 - - [30/Nov/2026:13:55:36 +0700] "GET /index.php?id=1%27%20OR%201=1 HTTP/1.1" 200 5120 "https://so.gov.vn/" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"`},
		{Body: `portal.so.gov.vn:443 2001:db8::7 - - [30/Nov/2026:13:55:36 +0700] "GET /tin-tuc/2026/11/thong-bao.html HTTP/2.0" 200 48211 "-" "Mozilla/5.0"`},
	},
	"web-error": {
		{Body: `2026/11/30 10:22:33 [error] 1234#1234: *5 open() "/usr/share/nginx/html/wp-login.php" failed (2: No such file or directory), client: 203.0.113.5, server: so.gov.vn, request: "GET /wp-login.php HTTP/1.1", host: "so.gov.vn"`},
		{Body: `[Mon Nov 30 14:32:52.123456 2026] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:5555] AH00037: Symbolic link not allowed: /var/www/html`},
	},
	"syslog-file-line": {
		{Body: "Nov 30 08:00:00 web01 sshd[812]: Failed password for root from 192.0.2.1 port 22 ssh2", Received: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)},
	},
	"winlogbeat": {{Kind: KindJSON, Body: winlogbeatDoc}},
	"json": {
		{Kind: KindJSON, Body: `{"@timestamp":"2026-11-30T01:02:03Z","source":{"ip":"203.0.113.5","port":443},"url":{"original":"/a?b=1"},"user":{"name":"an"},"tags":["x","y"],"message":"hello"}`},
	},
	"unknown-line": {{Body: "kernel: [12345.678] something odd happened on eth0"}},
}

// BenchmarkNormalize reports lines per second (wall and CPU) per parser,
// through Normalize as a receiver calls it.
func BenchmarkNormalize(b *testing.B) {
	for _, name := range []string{"sshd", "sudo", "postfix", "syslog", "access", "web-error", "syslog-file-line", "winlogbeat", "json", "unknown-line"} {
		inputs := benchInputs[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuTime()
			n := 0
			for b.Loop() {
				Normalize(inputs[n%len(inputs)])
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "lines/s")
			b.ReportMetric(float64(n)/(cpuTime()-cpu).Seconds(), "lines/cpu-s")
		})
	}
}

// BenchmarkFromEVTX measures the logsource and time added to a flattened
// EVTX record (the map is rebuilt each time, as the reader does).
func BenchmarkFromEVTX(b *testing.B) {
	ev := sysmonEvent(1, evtx.Field{Name: "Image", Value: `C:\Windows\System32\cmd.exe`}, evtx.Field{Name: "CommandLine", Value: "cmd /c whoami"})
	b.ReportAllocs()
	cpu := cpuTime()
	n := 0
	for b.Loop() {
		FromEVTX(evtx.Flatten(ev), "")
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(n)/(cpuTime()-cpu).Seconds(), "events/cpu-s")
}

// BenchmarkJSONReaders compares the flattening reader with encoding/json
// followed by FlattenJSON, on a Winlogbeat document.
func BenchmarkJSONReaders(b *testing.B) {
	doc := []byte(winlogbeatDoc)
	for name, read := range map[string]func([]byte, Limits) (map[string]any, bool){"scan": scanJSON, "encoding-json": decodeFlat} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			lim := DefaultLimits
			for b.Loop() {
				if _, ok := read(doc, lim); !ok {
					b.Fatal("not read")
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}
