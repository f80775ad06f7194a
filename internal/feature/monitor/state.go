package monitor

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
)

// verdict is what the engine made of one probe.
type verdict struct {
	OK           bool
	Status       int
	LatencyMS    int
	Error        string // technical, without internal addresses
	ErrorVI      string // the sentence for people
	ErrorEN      string
	CertNotAfter *time.Time // HTTPS only
	Defacement   string
	HiddenLinks  []string
	Secrets      []string
	HasBaseline  bool
	Change       float64
	NewBaseline  string
	Checks       []webscan.Check
	Failing      map[string]string
}

// step is a probe's consequences: the sample, the site's next monitoring
// state and the alerts raised.
type step struct {
	sample   Sample
	state    string
	failures int
	raised   []string
	alerts   []Alert
	v        verdict
}

// advance runs the alert state machine over one verdict: down after
// FailThreshold failures in a row, recovered once, and the alerts that
// stay raised until their condition clears sent once. Pure: no I/O.
func advance(t target, v verdict, cfg Config, now time.Time) step {
	st := step{sample: Sample{At: now, OK: v.OK, Status: v.Status, LatencyMS: v.LatencyMS, Change: v.Change, Error: v.Error, ErrorVI: v.ErrorVI, ErrorEN: v.ErrorEN}, v: v}
	raised := map[string]bool{}
	for _, k := range t.Raised {
		raised[k] = true
	}
	alert := func(kind, severity, vi, en string) {
		st.alerts = append(st.alerts, Alert{SiteID: t.ID, URL: t.URL, AgencyName: t.AgencyName, Kind: kind, Severity: severity, Message: vi, MessageEN: en, CreatedAt: now})
	}
	once := func(on bool, kind, severity, vi, en string) {
		switch {
		case on && !raised[kind]:
			raised[kind] = true
			alert(kind, severity, vi, en)
		case !on:
			delete(raised, kind)
		}
	}
	if v.CertNotAfter != nil {
		left := v.CertNotAfter.Sub(now)
		days := int(left.Hours() / 24)
		exp := v.CertNotAfter.Format("2006-01-02")
		once(left < time.Duration(cfg.CertWarnDays)*24*time.Hour, KindCertExpiring, "high",
			fmt.Sprintf("Chứng thư số của %s còn %d ngày (hết hạn %s).", t.URL, days, exp),
			fmt.Sprintf("The certificate of %s has %d days left (expires %s).", t.URL, days, exp))
	}
	if v.OK {
		once(v.Defacement != "", KindDefacement, "critical",
			fmt.Sprintf("Trang %s có dấu hiệu bị thay đổi giao diện: “%s”.", t.URL, v.Defacement),
			fmt.Sprintf("%s shows a defacement signature: “%s”.", t.URL, v.Defacement))
		hidden := strings.Join(v.HiddenLinks, "; ")
		once(len(v.HiddenLinks) > 0, KindInjectedLinks, "critical",
			fmt.Sprintf("Trang %s có liên kết cờ bạc bị ẩn: %s", t.URL, hidden),
			fmt.Sprintf("%s carries hidden gambling links: %s", t.URL, hidden))
		secrets := strings.Join(v.Secrets, ", ")
		once(len(v.Secrets) > 0, KindExposedFiles, "critical",
			fmt.Sprintf("Trang %s để lộ tệp bí mật: %s", t.URL, secrets),
			fmt.Sprintf("%s exposes secret files: %s", t.URL, secrets))
		if v.HasBaseline {
			once(v.Change > t.ChangeThreshold, KindContentChange, "high",
				fmt.Sprintf("Nội dung %s đã thay đổi %.0f%% so với bản gốc (ngưỡng %.0f%%).", t.URL, v.Change*100, t.ChangeThreshold*100),
				fmt.Sprintf("The content of %s changed %.0f%% from its baseline (threshold %.0f%%).", t.URL, v.Change*100, t.ChangeThreshold*100))
		}
	}
	st.failures, st.state = t.Failures, t.State
	if v.OK {
		if st.state == "down" {
			alert(KindRecovered, "info", fmt.Sprintf("%s đã hoạt động trở lại sau %d lần kiểm tra lỗi.", t.URL, st.failures),
				fmt.Sprintf("%s is back up after %d failed checks.", t.URL, st.failures))
		}
		st.failures, st.state = 0, "up"
	} else {
		st.failures++
		if st.failures >= cfg.FailThreshold && st.state != "down" {
			st.state = "down"
			alert(KindDown, "critical", fmt.Sprintf("%s không truy cập được (%d lần liên tiếp): %s", t.URL, st.failures, or(v.ErrorVI, v.Error)),
				fmt.Sprintf("%s is down (%d checks in a row): %s", t.URL, st.failures, or(v.ErrorEN, v.Error)))
		}
	}
	for k := range raised {
		st.raised = append(st.raised, k)
	}
	slices.Sort(st.raised)
	return st
}

// or is s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
