package demo

import (
	"context"
	"embed"
	"fmt"
	"math/rand/v2"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/normalize"
	"github.com/khien-project/khien/internal/feature/alert"
	"github.com/khien-project/khien/internal/feature/logstore"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/logstream"
)

//go:embed rules/*.yml
var demoRules embed.FS

// DetectServices are the features the demo's log events and detections
// go through (each writes its own tables).
type DetectServices struct {
	Registry *registry.Registry
	Alert    *alert.Service
	Logs     *logstore.Service
}

// Detections says what the demo's log history holds.
type Detections struct {
	Rules, Events, Alerts int
}

// LogHours is how far back the demo's log events go: inside the log
// search's default range (the last 24 hours).
const LogHours = 6

// RecordDetections imports the demo's rule pack and sends the last hours
// of log events of a few systems through storage and detection, as the
// receivers would: an SSH brute force on the province's mail server, a
// path traversal and a scanner on its portal, a scanner on a commune's
// portal (the province's own, marked a false positive), encoded
// PowerShell and failed logons at the finance department, a root login
// and a root shell at the hospital, among ordinary traffic. One alert is
// acknowledged and one assigned to the analyst. Seeded: every demo is
// the same but for its times.
func RecordDetections(ctx context.Context, svc DetectServices, now time.Time) (Detections, error) {
	var out Detections
	files, err := rulesFiles()
	if err != nil {
		return out, err
	}
	imp, err := svc.Alert.ImportPack(ctx, access.System, "Sông Lam (demo)", "demo", files)
	if err != nil {
		return out, fmt.Errorf("demo: import rules: %w", err)
	}
	out.Rules = imp.Pack.Rules
	systems, err := demoSystems(ctx, svc.Registry)
	if err != nil {
		return out, err
	}
	recs := demoEvents(systems, now)
	out.Events = len(recs)
	if _, err := svc.Logs.Store(ctx, recs); err != nil {
		return out, fmt.Errorf("demo: store log events: %w", err)
	}
	if err := svc.Alert.NewDetector(nil).Handle(ctx, logstream.Batch{Records: recs}); err != nil {
		return out, fmt.Errorf("demo: detection: %w", err)
	}
	ds, n, err := svc.Alert.Detections(ctx, access.System, alert.Filter{Limit: 100})
	if err != nil {
		return out, err
	}
	out.Alerts = n
	return out, triage(ctx, svc.Alert, ds, systems)
}

func rulesFiles() ([]alert.File, error) {
	names, err := demoRules.ReadDir("rules")
	if err != nil {
		return nil, err
	}
	var files []alert.File
	for _, n := range names {
		data, err := demoRules.ReadFile(path.Join("rules", n.Name()))
		if err != nil {
			return nil, err
		}
		files = append(files, alert.File{Name: n.Name(), Data: data})
	}
	return files, nil
}

// The demo systems that send logs, by agency code and name prefix.
var logSystems = map[string][2]string{
	"mail":     {"SL", "Hệ thống thư điện tử công vụ"},
	"portal":   {"SL", "Cổng thông tin điện tử tỉnh"},
	"commune":  {"SL-P-BA", "Cổng thông tin điện tử"},
	"finance":  {"SL-TC", "Hệ thống quản lý văn bản"},
	"hospital": {"SL-YT-BV", "Hệ thống quản lý nghiệp vụ"},
}

func demoSystems(ctx context.Context, reg *registry.Registry) (map[string]registry.System, error) {
	all, _, err := reg.Systems(ctx, access.System, registry.SystemFilter{Page: registry.Page{Limit: 1000}})
	if err != nil {
		return nil, fmt.Errorf("demo: systems: %w", err)
	}
	out := map[string]registry.System{}
	for key, want := range logSystems {
		for _, s := range all {
			if s.AgencyCode == want[0] && strings.HasPrefix(s.Name, want[1]) {
				out[key] = s
				break
			}
		}
		if out[key].ID == 0 {
			return nil, fmt.Errorf("demo: no system %q of %s", want[1], want[0])
		}
	}
	return out, nil
}

// triage does what an analyst of the demo did this morning.
func triage(ctx context.Context, svc *alert.Service, ds []alert.Detection, systems map[string]registry.System) error {
	analyst := access.Actor{Username: "analyst", Role: access.Analyst}
	for _, d := range ds {
		var in alert.BulkInput
		switch {
		case d.SystemID == systems["commune"].ID && strings.Contains(d.RuleTitle, "dò quét"):
			in = alert.BulkInput{Action: "false_positive", Note: "Quét định kỳ của Trung tâm Chuyển đổi số (10.20.0.50), đã báo trước."}
		case d.SystemID == systems["mail"].ID && d.Level == "low":
			in = alert.BulkInput{Action: "acknowledge", Note: "Địa chỉ 185.220.101.47 đã bị chặn trên tường lửa."}
		case d.SystemID == systems["finance"].ID && d.Level == "high":
			in = alert.BulkInput{Action: "assign", Assignee: "analyst", Note: "Kiểm tra máy KT-PC07 của phòng Kế toán."}
		default:
			continue
		}
		in.IDs = []int64{d.ID}
		if _, err := svc.Bulk(ctx, analyst, in); err != nil {
			return fmt.Errorf("demo: triage alert %d: %w", d.ID, err)
		}
	}
	return nil
}

// logLine is one event a demo system sent.
type logLine struct {
	at     time.Time
	system string // key of logSystems
	sender string
	in     normalize.Input
}

// demoEvents builds the records, oldest first.
func demoEvents(systems map[string]registry.System, now time.Time) []logstream.Record {
	rng := rand.New(rand.NewPCG(11, 2026))
	var lines []logLine
	add := func(l logLine) { lines = append(lines, l) }
	ago := func(min, max int) time.Time { // minutes ago, at random in [min, max)
		return now.Add(-time.Duration(min+rng.IntN(max-min))*time.Minute - time.Duration(rng.IntN(60))*time.Second)
	}
	ordinaryLinux(add, ago, rng)
	webTraffic(add, ago, rng)
	windowsEvents(add, ago, rng)
	slices.SortStableFunc(lines, func(a, b logLine) int { return a.at.Compare(b.at) })
	recs := make([]logstream.Record, 0, len(lines))
	for _, l := range lines {
		l.in.Received, l.in.Syslog.Timestamp = l.at, l.at
		r := logstream.FromEvent(normalize.Normalize(l.in))
		sys := systems[l.system]
		r.ID, r.AgencyID, r.SystemID, r.Sender, r.Received = logstream.NewID(), sys.AgencyID, sys.ID, l.sender, l.at
		r.Receiver = logstream.ReceiverSyslogTLS
		if l.in.Kind == normalize.KindJSON {
			r.Receiver = logstream.ReceiverBulk
		}
		if r.Time.IsZero() {
			r.Time = l.at
		}
		recs = append(recs, r)
	}
	return recs
}

func syslogLine(host, app string, facility int, body string) normalize.Input {
	return normalize.Input{Kind: normalize.KindSyslog, Body: body,
		Syslog: normalize.SyslogHeader{Hostname: host, AppName: app, Priority: true, Facility: facility, Severity: 6}}
}

// ordinaryLinux: the mail server's and the hospital's own traffic, the
// brute force on the mail server, the hospital's root login and shell.
func ordinaryLinux(add func(logLine), ago func(int, int) time.Time, rng *rand.Rand) {
	for i := 0; i < 40; i++ {
		add(logLine{ago(0, LogHours*60), "mail", "10.20.0.25", syslogLine("mail01", "sshd", 10,
			fmt.Sprintf("Accepted publickey for quantri from 10.20.5.%d port %d ssh2: ED25519 SHA256:q8w1Xn0demo", 11+rng.IntN(5), 40000+rng.IntN(20000)))})
		add(logLine{ago(0, LogHours*60), "mail", "10.20.0.25", syslogLine("mail01", "postfix/smtp", 2,
			fmt.Sprintf("4F%05X: to=<vanthu@sotc.songlam.example>, relay=mx.sotc.songlam.example[10.20.3.4]:25, delay=0.4, status=sent (250 2.0.0 Ok)", rng.IntN(1<<20)))})
	}
	users := []string{"admin", "test", "oracle", "ubuntu", "postgres", "root"}
	start := 150 + rng.IntN(30)
	for i := 0; i < 30; i++ {
		u := users[rng.IntN(len(users))]
		add(logLine{ago(start, start+8), "mail", "10.20.0.25", syslogLine("mail01", "sshd", 10,
			fmt.Sprintf("Failed password for invalid user %s from 185.220.101.47 port %d ssh2", u, 30000+rng.IntN(30000)))})
	}
	for i := 0; i < 20; i++ {
		add(logLine{ago(0, LogHours*60), "hospital", "10.30.2.15", syslogLine("his-app01", "CRON", 9, "(root) CMD (/usr/local/bin/sao-luu-csdl.sh)")})
		add(logLine{ago(0, LogHours*60), "hospital", "10.30.2.15", syslogLine("his-app01", "sudo", 10,
			"vanhanh : TTY=pts/1 ; PWD=/home/vanhanh ; USER=root ; COMMAND=/usr/bin/systemctl restart his-api")})
	}
	add(logLine{ago(95, 100), "hospital", "10.30.2.15", syslogLine("his-app01", "sshd", 10, "Accepted password for root from 10.30.9.201 port 51533 ssh2")})
	add(logLine{ago(80, 90), "hospital", "10.30.2.15", syslogLine("his-app01", "sudo", 10, "vanhanh : TTY=pts/2 ; PWD=/tmp ; USER=root ; COMMAND=/bin/bash")})
}

// webTraffic: the portals' visitors, a path traversal and a scanner on
// the province's portal, the province's own scan of a commune's.
func webTraffic(add func(logLine), ago func(int, int) time.Time, rng *rand.Rand) {
	paths := []string{"/", "/tin-tuc/chi-dao-dieu-hanh", "/van-ban/quyet-dinh-1234", "/thu-tuc-hanh-chinh", "/lien-he", "/static/css/site.css", "/static/js/app.js", "/tim-kiem?q=cap+phep+xay+dung"}
	agents := []string{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"}
	line := func(ip, path, agent string, status int, at time.Time) string {
		return fmt.Sprintf(`%s - - [%s] "GET %s HTTP/1.1" %d %d "-" "%s"`, ip, at.UTC().Format("02/Jan/2006:15:04:05 -0700"), path, status, 800+len(path)*37, agent)
	}
	for _, site := range []struct {
		key, host string
		n         int
	}{{"portal", "portal01", 200}, {"commune", "web-binhan", 60}} {
		for i := 0; i < site.n; i++ {
			at := ago(0, LogHours*60)
			ip := fmt.Sprintf("14.%d.%d.%d", 160+rng.IntN(30), rng.IntN(256), 1+rng.IntN(254))
			add(logLine{at, site.key, "10.20.0.31", syslogLine(site.host, "nginx", 23, line(ip, paths[rng.IntN(len(paths))], agents[rng.IntN(len(agents))], 200, at))})
		}
	}
	at := ago(200, 205)
	for i, p := range []string{"/tai-ve?tep=../../../../etc/passwd", "/tai-ve?tep=..%2f..%2f..%2fetc%2fshadow"} {
		add(logLine{at.Add(time.Duration(i) * time.Second), "portal", "10.20.0.31", syslogLine("portal01", "nginx", 23, line("45.155.205.233", p, "curl/8.5.0", []int{200, 403}[i], at))})
	}
	at = ago(60, 70)
	for i := 0; i < 15; i++ {
		p := []string{"/admin/", "/.env", "/phpmyadmin/", "/wp-login.php", "/backup.zip"}[i%5]
		add(logLine{at.Add(time.Duration(i) * time.Second), "portal", "10.20.0.31", syslogLine("portal01", "nginx", 23, line("45.155.205.233", p, "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000003)", 404, at))})
	}
	at = ago(240, 250)
	for i := 0; i < 10; i++ {
		add(logLine{at.Add(time.Duration(i) * time.Second), "commune", "10.20.0.31", syslogLine("web-binhan", "nginx", 23, line("10.20.0.50", "/wp-json/wp/v2/users", "WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)", 200, at))})
	}
}

// windowsEvents: the finance department's workstations as Winlogbeat
// ships them: ordinary process starts, failed logons, encoded PowerShell.
func windowsEvents(add func(logLine), ago func(int, int) time.Time, rng *rand.Rand) {
	winlog := func(host, channel string, id int, data string, at time.Time) normalize.Input {
		return normalize.Input{Kind: normalize.KindJSON, Body: fmt.Sprintf(`{"@timestamp":%q,"host":{"name":%q},"winlog":{"channel":%q,"event_id":%d,"event_data":{%s}}}`,
			at.UTC().Format(time.RFC3339), host, channel, id, data)}
	}
	const sysmon = "Microsoft-Windows-Sysmon/Operational"
	programs := [][2]string{{`C:\Program Files\Google\Chrome\Application\chrome.exe`, `C:\Windows\explorer.exe`},
		{`C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`, `C:\Windows\explorer.exe`},
		{`C:\Windows\System32\svchost.exe`, `C:\Windows\System32\services.exe`}}
	for i := 0; i < 30; i++ {
		at, p := ago(0, LogHours*60), programs[rng.IntN(len(programs))]
		host := fmt.Sprintf("KT-PC%02d", 1+rng.IntN(9))
		data := fmt.Sprintf(`"Image":%q,"ParentImage":%q,"CommandLine":%q,"User":"SOTC\\ketoan%d"`, p[0], p[1], `"`+p[0]+`"`, 1+rng.IntN(9))
		add(logLine{at, "finance", "10.40.1.20", winlog(host, sysmon, 1, data, at)})
	}
	at := ago(35, 45)
	for i := 0; i < 8; i++ {
		data := fmt.Sprintf(`"TargetUserName":"ketoan%d","IpAddress":"10.40.1.%d","LogonType":"3","Status":"0xc000006d"`, 1+rng.IntN(3), 30+rng.IntN(40))
		add(logLine{at.Add(time.Duration(i*20) * time.Second), "finance", "10.40.1.20", winlog("SOTC-DC01", "Security", 4625, data, at)})
	}
	at = ago(30, 34)
	data := `"Image":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","ParentImage":"C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE",` +
		`"CommandLine":"powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA","User":"SOTC\\ketoan7"`
	add(logLine{at, "finance", "10.40.1.20", winlog("KT-PC07", sysmon, 1, data, at)})
}
