package monitor_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/feature/trust"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/notify"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/testkit/sitetest"
)

// smtpSink is a small SMTP server on loopback that keeps every message it
// is given (no TLS, no auth: a local relay).
type smtpSink struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []string
	rcpt []string
}

func newSMTPSink(t *testing.T) *smtpSink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { io.WriteString(c, line+"\r\n") }
	say("220 sink.test ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-sink.test")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL FROM"):
			say("250 OK")
		case strings.HasPrefix(cmd, "RCPT TO"):
			s.mu.Lock()
			s.rcpt = append(s.rcpt, strings.TrimSpace(line[len("RCPT TO:"):]))
			s.mu.Unlock()
			say("250 OK")
		case cmd == "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, b.String())
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 OK")
		}
	}
}

func (s *smtpSink) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{}, s.msgs...)
}

// hookReceiver collects webhook bodies whose signature is right.
type hookReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []monitor.WebhookBody
	bad    int
}

func newHookReceiver(t *testing.T, secret string) *hookReceiver {
	h := &hookReceiver{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if r.Header.Get("X-Khien-Signature") != notify.Sign(secret, body) {
			h.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var b monitor.WebhookBody
		if err := json.Unmarshal(body, &b); err != nil {
			h.bad++
			return
		}
		h.bodies = append(h.bodies, b)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookReceiver) kinds() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, b := range h.bodies {
		out = append(out, b.Alert.Kind)
	}
	return out
}

func kinds(alerts []monitor.Alert) string {
	var k []string
	for _, a := range alerts {
		k = append(k, a.Kind)
	}
	return strings.Join(k, ",")
}

func TestMonitorAlertsAndNotifies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := sitetest.NewPortal(t)
		sink := newSMTPSink(t)
		hook := newHookReceiver(t, "bí mật")
		w := sitetest.NewWorld(t, db, monitor.Config{})
		dispatcher := notify.New(db, w.Audit, notify.Config{SMTP: notify.SMTPConfig{Addr: sink.ln.Addr().String(), From: "khien@sokhcn.example"},
			AllowLoopback: true}) // the receiver is an httptest server on 127.0.0.1
		w.Monitor = monitor.New(db, w.Audit, w.Events, w.Trust, monitor.Config{FailThreshold: 2, Probe: sitetest.Options(p), Notify: dispatcher})
		if _, err := dispatcher.AddTarget(ctx, access.System, notify.TargetInput{Kind: "email", Address: "soc@sokhcn.example"}); err != nil {
			t.Fatal(err)
		}
		if _, err := dispatcher.AddTarget(ctx, access.System, notify.TargetInput{Kind: "webhook", Address: hook.URL + "/alerts", Secret: "bí mật"}); err != nil {
			t.Fatal(err)
		}
		site := w.AddSite(t, w.A, p.URL+"/")
		check := func(want string) *monitor.Outcome {
			t.Helper()
			out, err := w.Monitor.Check(ctx, site.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := kinds(out.Alerts); got != want {
				t.Fatalf("alerts %q, want %q (sample %+v)", got, want, out.Sample)
			}
			return out
		}

		out := check("")
		if !out.Sample.OK || out.Sample.Status != 200 {
			t.Fatalf("first probe: %+v", out.Sample)
		}
		s, _ := w.Sites.Site(ctx, access.System, site.ID)
		if s.State != "up" || s.BaselineAt == nil || s.CertExpiresAt == nil {
			t.Fatalf("site after the first probe: %+v", s)
		}
		label := w.GrantLabel(t, site) // a label to watch

		// Down after two failed probes in a row, then recovered.
		p.Set(sitetest.CleanPage, http.StatusServiceUnavailable, true)
		check("")
		check("down")
		check("") // no repeat while down
		p.Set(sitetest.CleanPage, 200, true)
		check("recovered")

		// The clock changes; the ignore rule keeps it out of the comparison.
		rule := "#clock"
		w.Sites.UpdateSettings(ctx, access.System, site.ID, ignoreRule(rule))
		check("") // takes the new baseline
		p.Set(strings.Replace(sitetest.CleanPage, "08:00", "17:45", 1), 200, true)
		if out := check(""); out.Sample.Change != 0 {
			t.Fatalf("ignored clock changed the page by %v", out.Sample.Change)
		}
		// A different page altogether: content changed, once.
		other := `<html><head><title>Trang tạm</title></head><body><h1>Website đang bảo trì</h1><p>Vui lòng quay lại sau. Xin cảm ơn quý khách đã ghé thăm.</p></body></html>`
		p.Set(other, 200, true)
		check("content-changed")
		check("")
		if got := label.State; got != trust.Granted {
			t.Fatalf("label %s", got)
		}
		// Defaced: an alert, and the label is suspended within this very probe.
		p.Set(sitetest.DefacedPage, 200, true)
		out = check("defacement")
		if out.LabelState != trust.Suspended {
			t.Fatalf("label after defacement: %q", out.LabelState)
		}
		if pub, _ := w.Trust.PublicView(ctx, label.ID); pub.State != trust.Suspended {
			t.Fatalf("public view after defacement: %+v", pub)
		}

		// Every alert so far was mailed and posted, signed.
		wantKinds := "down,recovered,content-changed,defacement"
		if got := strings.Join(hook.kinds(), ","); got != wantKinds || hook.bad != 0 {
			t.Errorf("webhook got %q (%d bad), want %q", got, hook.bad, wantKinds)
		}
		msgs := sink.messages()
		if len(msgs) != 4 || !strings.Contains(msgs[0], "To: soc@sokhcn.example") || !strings.Contains(msgs[0], "=?utf-8?q?[Kh") || !strings.Contains(msgs[3], "defacement signature") {
			t.Errorf("mail: %d messages: %q", len(msgs), msgs)
		}
		alerts, total, _ := w.Monitor.Alerts(ctx, w.OfficerA, monitor.AlertFilter{SiteID: site.ID})
		if total != 4 || alerts[0].Notified == nil || alerts[0].NotifyErr != "" {
			t.Errorf("stored alerts: %d %+v", total, alerts)
		}
		b := access.Actor{Role: access.Agency, AgencyID: w.B.ID, AgencyPath: w.B.Path, Username: "b"}
		if _, n, _ := w.Monitor.Alerts(ctx, b, monitor.AlertFilter{}); n != 0 {
			t.Errorf("agency B sees %d alerts of A", n)
		}

		// In a maintenance window the alert is kept but not sent.
		p.Set(sitetest.CleanPage, 200, true)
		check("")
		if _, err := w.Notify.AddWindow(ctx, access.System, notify.WindowInput{SiteID: &site.ID, StartsAt: time.Now().Add(-time.Minute), EndsAt: time.Now().Add(time.Hour), Reason: "nâng cấp"}); err != nil {
			t.Fatal(err)
		}
		p.Set(sitetest.CleanPage, http.StatusBadGateway, true)
		check("")
		out = check("down")
		if !out.Alerts[0].Muted || len(sink.messages()) != 4 || len(hook.kinds()) != 4 {
			t.Errorf("alert in maintenance was sent: muted=%v, %d mails, %d hooks", out.Alerts[0].Muted, len(sink.messages()), len(hook.kinds()))
		}

		st, err := w.Monitor.SiteStats(ctx, w.OfficerA, site.ID, time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		failed := 0
		for _, s := range st.Series {
			if !s.OK {
				failed++
			}
		}
		if st.Samples != 13 || failed != 5 || st.UptimePercent < 61.5 || st.UptimePercent > 61.6 {
			t.Errorf("stats: %d samples, %d failed, %.2f%% up", st.Samples, failed, st.UptimePercent)
		}
		svg := string(monitor.Chart(st, "vi"))
		if !strings.Contains(svg, "<polyline") || !strings.Contains(svg, "#cf222e") || !strings.Contains(svg, "61.54%") {
			t.Errorf("chart: %s", svg)
		}
	})
}

// certServer is a TLS site whose self-signed certificate is valid until
// notAfter; pool trusts it.
func certServer(t *testing.T, notAfter time.Time) (*httptest.Server, *x509.CertPool) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "portal"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: notAfter.Add(-90 * 24 * time.Hour), NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	cert, _ := x509.ParseCertificate(der)
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, sitetest.CleanPage) }))
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return ts, pool
}

// TestCertificateExpiryAlert: a site whose certificate ends in 3 days
// raises cert-expiring once; an expired one also suspends the label.
func TestCertificateExpiryAlert(t *testing.T) {
	ctx := context.Background()
	ts, pool := certServer(t, time.Now().Add(72*time.Hour))
	db := storetest.Open(t, store.SQLite)
	w := sitetest.NewWorld(t, db, monitor.Config{})
	w.Monitor = monitor.New(db, w.Audit, w.Events, w.Trust, monitor.Config{CertWarnDays: 14, Probe: webscan.Options{AllowPrivate: true, RootCAs: pool, Timeout: 5 * time.Second}})
	site := w.AddSite(t, w.A, ts.URL+"/")
	out, err := w.Monitor.Check(ctx, site.ID)
	if err != nil || kinds(out.Alerts) != "cert-expiring" || !strings.Contains(out.Alerts[0].MessageEN, "2 days left") && !strings.Contains(out.Alerts[0].MessageEN, "3 days left") {
		t.Fatalf("first probe: %+v %v", out, err)
	}
	if out, _ := w.Monitor.Check(ctx, site.ID); len(out.Alerts) != 0 {
		t.Fatalf("repeated: %+v", out.Alerts)
	}

	// A labelled site whose certificate has expired: the probe suspends it.
	old, oldPool := certServer(t, time.Now().Add(-time.Hour))
	w.Monitor = monitor.New(db, w.Audit, w.Events, w.Trust, monitor.Config{Probe: webscan.Options{AllowPrivate: true, RootCAs: oldPool, Timeout: 5 * time.Second}})
	expired := w.AddSite(t, w.A, old.URL+"/")
	label := w.GrantLabel(t, expired)
	out, err = w.Monitor.Check(ctx, expired.ID)
	if err != nil || out.LabelState != trust.Suspended || kinds(out.Alerts) != "cert-expiring" {
		t.Fatalf("expired certificate: %+v %v", out, err)
	}
	if l, _ := w.Trust.Label(ctx, access.System, label.ID); !strings.Contains(l.ReasonEN, "tls.certificate.expiry") || !strings.Contains(l.ReasonEN, "https.available") {
		t.Errorf("reason: %q", l.ReasonEN)
	}
}

func TestMaintenanceWindowsAreValidated(t *testing.T) {
	ctx := context.Background()
	w := sitetest.NewWorld(t, storetest.Open(t, store.SQLite), monitor.Config{})
	site := w.AddSite(t, w.A, "https://a.example/")
	now := time.Now()
	for _, in := range []notify.WindowInput{
		{SiteID: &site.ID},
		{SiteID: &site.ID, StartsAt: now, EndsAt: now.Add(-time.Hour)},
		{SiteID: &site.ID, StartsAt: now, EndsAt: now.Add(40 * 24 * time.Hour)},
	} {
		if _, err := w.Notify.AddWindow(ctx, access.System, in); err == nil {
			t.Errorf("window %+v accepted", in)
		}
	}
	if _, err := w.Notify.AddWindow(ctx, w.OfficerA, notify.WindowInput{SiteID: &site.ID, StartsAt: now, EndsAt: now.Add(time.Hour)}); err == nil {
		t.Error("an agency officer added a window")
	}
	win, err := w.Notify.AddWindow(ctx, access.System, notify.WindowInput{StartsAt: now, EndsAt: now.Add(time.Hour), Reason: "toàn tỉnh"})
	if err != nil {
		t.Fatal(err)
	}
	list, _ := w.Notify.Windows(ctx, w.OfficerA)
	if len(list) != 1 || list[0].ID != win.ID {
		t.Fatalf("windows seen by officer A: %+v", list)
	}
	if err := w.Notify.DeleteWindow(ctx, access.System, win.ID); err != nil {
		t.Fatal(err)
	}
}

func ignoreRule(rule string) sitescan.SiteSettings {
	return sitescan.SiteSettings{IgnoreRule: &rule}
}

// TestLeakedSecretsSuspendTheLabel: a .git tree or .env file appearing on
// a labelled site raises an alert and suspends the label within the probe
// that sees it, not at the next daily scan.
func TestLeakedSecretsSuspendTheLabel(t *testing.T) {
	ctx := context.Background()
	p := sitetest.NewPortal(t)
	db := storetest.Open(t, store.SQLite)
	w := sitetest.NewWorld(t, db, monitor.Config{Probe: sitetest.Options(p)})
	site := w.AddSite(t, w.A, p.URL+"/")
	label := w.GrantLabel(t, site)
	// A soft-404 page at the same path is not a leak.
	p.SetFile("/.env", "<html><body>Không tìm thấy trang</body></html>")
	if out, err := w.Monitor.Check(ctx, site.ID); err != nil || len(out.Alerts) != 0 || out.LabelState != trust.Granted {
		t.Fatalf("soft 404: %+v %v", out, err)
	}
	p.SetFile("/.git/HEAD", "ref: refs/heads/main\n")
	out, err := w.Monitor.Check(ctx, site.ID)
	if err != nil || kinds(out.Alerts) != "exposed-files" || out.LabelState != trust.Suspended || !strings.Contains(out.Alerts[0].MessageEN, "/.git/HEAD") {
		t.Fatalf("leak: %+v %v", out, err)
	}
	l, _ := w.Trust.Label(ctx, access.System, label.ID)
	if !strings.Contains(l.ReasonEN, "exposed.files") {
		t.Errorf("reason: %q", l.ReasonEN)
	}
}
