package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/feature/trust"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/notify"
	"github.com/khien-project/khien/internal/platform/reach"
)

// Services are the features the demo records its history through (each
// writes its own tables).
type Services struct {
	Sites   *sitescan.Service
	Monitor *monitor.Service
	Trust   *trust.Service
	Notify  *notify.Service
}

// Recorded says what the demo's history holds.
type Recorded struct {
	Scans, Samples, Alerts, Labels, Suspended, Windows int
}

// historyDays is how far back the demo's history goes; a site is
// assessed every scanEvery days of it and probed every probeEvery.
const (
	historyDays = 90
	scanEvery   = 3
	probeEvery  = 2 * time.Hour
	perDay      = int(24 * time.Hour / probeEvery)
)

// phase is how a site was set up from a number of days ago on.
type phase struct {
	from int // days ago
	su   setup
}

// courses are the demo sites' histories: steady, improving, regressing,
// a leak, old TLS. Site i follows courses[i%len(courses)].
var courses = [][]phase{
	{{historyDays, setup{0, tlsModern, false}}},
	{{historyDays, setup{2, tlsModern, false}}, {55, setup{1, tlsModern, false}}, {20, setup{0, tlsModern, false}}},
	{{historyDays, setup{1, tlsNo13, false}}},
	{{historyDays, setup{0, tlsModern, false}}, {30, setup{0, tlsNo13, false}}, {12, setup{1, tlsLegacy, false}}},
	{{historyDays, setup{0, tlsNo13, false}}},
	{{historyDays, setup{2, tlsLegacy, false}}},
	{{historyDays, setup{0, tlsModern, false}}, {10, setup{0, tlsModern, true}}},
	{{historyDays, setup{1, tlsLegacy, false}}, {40, setup{0, tlsNo13, false}}, {15, setup{0, tlsModern, false}}},
}

// Roles of particular demo sites, by their index among the HTTPS sites.
const (
	compromisedSite = 8  // labelled, then injected with hidden gambling links today: its label is suspended
	expiringSite    = 2  // its certificate was not renewed: 9 days left
	downSite        = 13 // down for the last hours
	maintainedSite  = 11 // an outage inside a maintenance window (its alert is muted)
)

// Record records the demo province's last 90 days through each feature's
// own API: assessments every few days (grades that improve or regress,
// findings that open and resolve), probes every two hours with a few outages,
// certificates (one expiring soon), the alerts the probes raised, a
// maintenance window, labels granted to the portals that meet the policy
// and one suspended with its reason. Nothing is sent to the demo's names,
// which do not exist; the randomness is seeded, so every demo is the same.
func Record(ctx context.Context, svc Services, now time.Time) (Recorded, error) {
	var out Recorded
	if _, err := svc.Sites.Sync(ctx); err != nil {
		return out, err
	}
	list, _, err := svc.Sites.Sites(ctx, access.System, sitescan.SiteFilter{Limit: 1000})
	if err != nil {
		return out, err
	}
	z, err := serveZone(ctx)
	if err != nil {
		return out, err
	}
	defer z.stop()
	r := &reporter{ctx: ctx, zone: z.addr, dns: map[string][]webscan.Check{}, page: map[string]webscan.Report{}}
	if out.Windows, err = addWindows(ctx, svc.Notify, list, now); err != nil {
		return out, err
	}
	https := 0
	for _, s := range list {
		n := https
		if strings.HasPrefix(s.URL, "https://") {
			https++
			if err := recordScans(ctx, svc, r, s, n, now, &out); err != nil {
				return out, fmt.Errorf("demo: scans of %s: %w", s.URL, err)
			}
		}
		if err := recordProbes(ctx, svc.Monitor, s, n, now, &out); err != nil {
			return out, fmt.Errorf("demo: probes of %s: %w", s.URL, err)
		}
	}
	return out, nil
}

// scanTimes are the times of a site's assessments, oldest first.
func scanTimes(i int, now time.Time) []time.Time {
	var at []time.Time
	for d := historyDays; d >= 0; d -= scanEvery {
		at = append(at, now.Add(-time.Duration(d)*24*time.Hour-time.Duration(i+1)*3*time.Minute))
	}
	return at
}

// setupAt is how site i was set up days ago.
func setupAt(i, daysAgo int) setup {
	c := courses[i%len(courses)]
	su := c[0].su
	for _, p := range c {
		if daysAgo <= p.from {
			su = p.su
		}
	}
	return su
}

// certAt is the certificate site i served at t: renewed every 60 days for
// 90, except the expiring site's, not renewed for 81 days.
func certAt(i int, t, now time.Time) (notBefore, notAfter time.Time) {
	const day = 24 * time.Hour
	if i == expiringSite && !t.Before(now.Add(-81*day)) {
		return now.Add(-81 * day).Truncate(day), now.Add(9 * day).Truncate(day)
	}
	base := now.Add(-time.Duration(400+(i*7)%60) * day).Truncate(day)
	k := t.Sub(base) / (60 * day)
	notBefore = base.Add(k * 60 * day)
	return notBefore, notBefore.Add(90 * day)
}

// recordScans records site s's assessments, and grants its label when it
// meets the policy (the compromised site's before its last assessment).
func recordScans(ctx context.Context, svc Services, r *reporter, s sitescan.Site, i int, now time.Time, out *Recorded) error {
	var reps []webscan.Report
	for _, at := range scanTimes(i, now) {
		su := setupAt(i, int(now.Sub(at).Hours()/24))
		nb, na := certAt(i, at, now)
		reps = append(reps, r.report(s.URL, s.AgencyName, su, at, nb, na))
	}
	var last []webscan.Report
	if i == compromisedSite {
		su := setupAt(i, 0)
		su.profile = 3 // hidden gambling links injected
		at := reps[len(reps)-1].StartedAt
		nb, na := certAt(i, at, now)
		last = []webscan.Report{r.report(s.URL, s.AgencyName, su, at.Add(time.Minute), nb, na)}
	}
	if _, err := svc.Sites.RecordHistory(ctx, access.System, s.ID, reps); err != nil {
		return err
	}
	out.Scans += len(reps)
	if c := i % len(courses); c == 0 || c == 1 || c == 4 || c == 7 {
		_, err := svc.Trust.Grant(ctx, access.System, trust.GrantInput{SiteID: s.ID, PrivacyURL: strings.TrimSuffix(s.URL, "/") + "/chinh-sach-bao-ve-du-lieu-ca-nhan",
			Contact: "Bộ phận an toàn thông tin, " + s.AgencyName})
		if err != nil {
			return fmt.Errorf("grant: %w", err)
		}
		out.Labels++
	}
	if len(last) == 0 {
		return nil
	}
	if _, err := svc.Sites.RecordHistory(ctx, access.System, s.ID, last); err != nil {
		return err
	}
	out.Scans++
	if state, err := svc.Trust.StateOf(ctx, s.ID); err != nil {
		return err
	} else if state == trust.Suspended {
		out.Suspended++
	}
	return nil
}

// recordProbes records site s's probes (every two hours): latency around the site's
// own, a few outages, and the certificate each probe saw.
func recordProbes(ctx context.Context, mon *monitor.Service, s sitescan.Site, i int, now time.Time, out *Recorded) error {
	rng := rand.New(rand.NewPCG(2026, uint64(s.ID)))
	base := 60 + rng.IntN(240)
	outages := map[int]int{} // probe index → outage length in probes
	if i%5 == 3 || i == maintainedSite {
		for range 2 {
			outages[rng.IntN((historyDays-2)*perDay)] = 2 + rng.IntN(3)
		}
	}
	if i == maintainedSite {
		outages[maintainedOutage] = 3
	}
	n := historyDays * perDay
	probes := make([]monitor.PastProbe, 0, n)
	left := 0
	for h := 0; h < n; h++ {
		at := now.Add(-time.Duration(n-h)*probeEvery + time.Duration(i)*time.Minute)
		if l, ok := outages[h]; ok {
			left = l
		}
		down := left > 0 || (i == downSite && h >= n-3)
		if left > 0 {
			left--
		}
		p := monitor.PastProbe{At: at, OK: !down, Status: 200}
		if strings.HasPrefix(s.URL, "https://") {
			_, na := certAt(i, at, now)
			p.CertNotAfter = &na
		}
		if down {
			f := reach.ExplainProbe(unreachable(s.URL, h))
			p.Status, p.Error, p.ErrorVI, p.ErrorEN = 0, f.Detail, f.VI, f.EN
		} else {
			p.LatencyMS = base*7/10 + rng.IntN(base*6/10+1)
			if rng.IntN(40) == 0 {
				p.LatencyMS *= 3 // a slow moment
			}
		}
		probes = append(probes, p)
	}
	alerts, err := mon.RecordHistory(ctx, access.System, s.ID, probes)
	out.Samples += len(probes)
	out.Alerts += len(alerts)
	return err
}

// unreachable is the error of a probe that got no answer: a time-out or a
// refused connection.
func unreachable(u string, h int) error {
	addr := &net.TCPAddr{IP: net.IPv4(203, 0, 113, byte(10+h%40)), Port: 443}
	var cause error = &net.OpError{Op: "dial", Net: "tcp", Addr: addr, Err: timeoutError{}}
	if h%2 == 1 {
		cause = &net.OpError{Op: "dial", Net: "tcp", Addr: addr, Err: syscall.ECONNREFUSED}
	}
	return &url.Error{Op: "Get", URL: u, Err: cause}
}

// timeoutError is a dial that timed out.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// maintainedOutage is the probe (from the start of the history) that
// begins the outage inside the maintenance site's past window, 20 days ago.
const maintainedOutage = (historyDays - 20) * perDay

// addWindows records the maintenance windows: the past one in which the
// maintained site's outage fell, and one tonight.
func addWindows(ctx context.Context, n *notify.Service, list []sitescan.Site, now time.Time) (int, error) {
	var site *sitescan.Site
	https := 0
	for k := range list {
		if strings.HasPrefix(list[k].URL, "https://") {
			if https == maintainedSite {
				site = &list[k]
			}
			https++
		}
	}
	if site == nil {
		return 0, nil
	}
	start := now.Add(-time.Duration(historyDays*perDay-maintainedOutage)*probeEvery - time.Hour)
	tonight := now.Truncate(24 * time.Hour).Add(15 * time.Hour) // 22:00 in Việt Nam
	if !tonight.After(now) {
		tonight = tonight.Add(24 * time.Hour)
	}
	windows := []notify.WindowInput{
		{SiteID: &site.ID, StartsAt: start, EndsAt: start.Add(8 * time.Hour), Reason: "Nâng cấp hệ điều hành máy chủ web (đã báo trước)"},
		{SiteID: &site.ID, StartsAt: tonight, EndsAt: tonight.Add(4 * time.Hour),
			Reason: "Gia hạn chứng thư số và cập nhật phần mềm quản trị nội dung"},
	}
	for _, w := range windows {
		if _, err := n.AddWindow(ctx, access.System, w); err != nil {
			return 0, err
		}
	}
	return len(windows), nil
}
