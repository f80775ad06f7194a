package webscan

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRegistry: every definition is complete, ids are unique and the
// accessors agree with the registry.
func TestRegistry(t *testing.T) {
	seen := map[CheckID]bool{}
	observatory := map[string]bool{}
	for _, d := range Checks() {
		if seen[d.ID] {
			t.Errorf("%s: registered twice", d.ID)
		}
		seen[d.ID] = true
		for field, v := range map[string]string{"title": d.Title, "title_en": d.TitleEN, "remediation": d.Remediation, "remediation_en": d.RemediationEN} {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: empty %s", d.ID, field)
			}
		}
		if _, ok := severityRank[d.Severity]; !ok || d.Severity == Info {
			t.Errorf("%s: default severity %q", d.ID, d.Severity)
		}
		if d.run == nil {
			t.Errorf("%s: no run function", d.ID)
		}
		for _, c := range d.Caps {
			if !slices.Contains(gradeOrder, c.Grade) || c.Reason == "" {
				t.Errorf("%s: cap %q", d.ID, c)
			}
			if _, ok := capReasonsVI[c.Reason]; !ok {
				t.Errorf("%s: cap reason %q has no Vietnamese in capReasonsVI", d.ID, c.Reason)
			}
		}
		if d.Scored() {
			observatory[d.Observatory] = true
		}
		if got, ok := LookupCheck(string(d.ID)); !ok || got.ID != d.ID {
			t.Errorf("LookupCheck(%s) = %v, %v", d.ID, got.ID, ok)
		}
		if c := d.New(); c.ID != string(d.ID) || c.Title != d.Title || c.RemediationEN != d.RemediationEN || c.Severity != d.Severity || c.Result != "" {
			t.Errorf("%s: New() = %+v", d.ID, c)
		}
	}
	for _, r := range ObservatoryHeaders(site()) {
		if !observatory[r.Test] {
			t.Errorf("Observatory test %s scores no registered check", r.Test)
		}
	}
	if len(observatory) != 12 {
		t.Errorf("%d Observatory-scored checks, want 12", len(observatory))
	}
	var ids []string
	for _, d := range Checks() {
		ids = append(ids, string(d.ID))
	}
	if !slices.Equal(ids, CheckIDs()) {
		t.Errorf("CheckIDs() %v differs from Checks()", CheckIDs())
	}
	if _, ok := LookupCheck("tls.certificate.expired"); ok {
		t.Error("LookupCheck found an unknown id")
	}
	// Checks hands out a copy.
	Checks()[0].ID = "changed"
	if Checks()[0].ID == "changed" {
		t.Error("Checks() exposes the registry")
	}
}

func TestValidateCheckIDs(t *testing.T) {
	for _, ok := range [][]string{nil, CheckIDs(), {"tls.certificate", "content.defacement"}} {
		if err := ValidateCheckIDs(ok); err != nil {
			t.Errorf("ValidateCheckIDs(%v): %v", ok, err)
		}
	}
	for _, bad := range [][]string{
		{"tls.certifcate"},
		{"https.available", "content.defacment"},
		{"TLS.CERTIFICATE"},
		{" tls.certificate"},
		{""},
	} {
		err := ValidateCheckIDs(bad)
		if !errors.Is(err, ErrUnknownCheck) {
			t.Errorf("ValidateCheckIDs(%q) = %v, want ErrUnknownCheck", bad, err)
			continue
		}
		for _, id := range bad {
			if _, known := LookupCheck(id); !known && !strings.Contains(err.Error(), `"`+id+`"`) {
				t.Errorf("error %q does not name %q", err, id)
			}
		}
		if !strings.Contains(err.Error(), "tls.certificate.expiry") {
			t.Errorf("error %q does not list the valid ids", err)
		}
	}
}

// emitted collects what the engine emits: each check with the grade caps
// its run gave, by id.
type emitted struct {
	t     *testing.T
	ids   map[string]bool
	order [][]string
}

func (e *emitted) report(name string, checks []Check) {
	var ids []string
	for _, c := range checks {
		if _, ok := LookupCheck(c.ID); !ok {
			e.t.Errorf("%s: emitted check %q is not registered", name, c.ID)
		}
		if slices.Contains(ids, c.ID) {
			e.t.Errorf("%s: %s emitted twice", name, c.ID)
		}
		e.ids[c.ID] = true
		ids = append(ids, c.ID)
	}
	e.order = append(e.order, ids)
}

// caps runs every registered check on a and requires each grade cap to be
// one its definition declares.
func (e *emitted) caps(name string, a *assessment, inputs ...input) {
	for _, d := range registry {
		if !slices.Contains(inputs, d.input) {
			continue
		}
		c, caps, ok := d.run(d, a)
		if !ok {
			continue
		}
		e.report(name, []Check{c})
		for _, cp := range caps {
			declared := false
			for _, dc := range d.Caps {
				declared = declared || dc.Grade == cp.Grade
			}
			if !declared {
				e.t.Errorf("%s: %s capped the grade at %s (%s), which its definition does not declare", name, d.ID, cp.Grade, cp.Reason)
			}
		}
	}
}

// TestEmittedChecksAreRegistered runs the engine's check code on many
// inputs (HAR files, TLS facts, pages, DNS answers, a live leaky site) and
// requires every id it emits to be registered, in registry order, and
// every registered check to be emitted by one of them.
func TestEmittedChecksAreRegistered(t *testing.T) {
	e := &emitted{t: t, ids: map[string]bool{}}
	// The HAR path, with the Observatory's own vectors when present.
	hars := []string{`{"log":{"entries":[
	 {"request":{"url":"http://portal.example/"},"response":{"status":301,"headers":[{"name":"Location","value":"https://portal.example/"}]}},
	 {"request":{"url":"https://portal.example/"},"response":{"status":200,"headers":[{"name":"Content-Type","value":"text/html"},{"name":"Server","value":"nginx/1.18.0"}],
	  "content":{"text":"<html><head><title>Hacked by X</title></head><body><div style=\"display:none\"><a href=\"https://nhacai.example/\">Nhà cái</a></div><img src=\"http://cdn.example/a.png\"></body></html>"}}}]}}`}
	if vf, err := readVectors(); err == nil {
		for _, c := range vf.Cases {
			if archive, why := harFor(vf, c); why == "" {
				hars = append(hars, string(archive))
			}
		}
	}
	for i, h := range hars {
		ex, err := ExchangeFromHAR([]byte(h))
		if err != nil {
			t.Fatalf("HAR %d: %v", i, err)
		}
		e.report("AssessExchange", AssessExchange(ex, time.Now()).Checks)
		e.caps("HAR", &assessment{ctx: context.Background(), ex: ex}, fromAnswers)
		e.caps("connection", &assessment{ex: ex}, fromConnection)
		e.caps("no HTTPS", &assessment{ex: &Exchange{Final: ex.Final}}, fromConnection)
	}
	// TLS facts, good and bad.
	ca := newTestCA(t)
	now := time.Now()
	leaf := func(notBefore, notAfter time.Time) *x509.Certificate {
		c, _ := x509.ParseCertificate(ca.leaf(t, "127.0.0.1", nil, notBefore, notAfter).Certificate[0])
		return c
	}
	weakKey, _ := x509.ParseCertificate(ca.rsaLeaf(t, 1024).Certificate[0])
	for _, f := range []*TLSFacts{
		{Versions: map[string]bool{"TLSv1.2": true, "TLSv1.3": true}, Weak: map[string]bool{}, ForwardSecrecy: true, AEAD: true, Chain: []*x509.Certificate{leaf(now.Add(-time.Hour), now.Add(90*24*time.Hour))}, Now: now},
		{Versions: map[string]bool{"SSLv3": true}, Weak: map[string]bool{"NULL": true}, Chain: []*x509.Certificate{leaf(now.Add(-48*time.Hour), now.Add(-time.Hour))}, Now: now, VerifyErr: x509.CertificateInvalidError{Reason: x509.Expired}},
		{Versions: map[string]bool{"TLSv1.0": true, "TLSv1.2": true}, Weak: map[string]bool{"RC4": true}, ForwardSecrecy: true, AEAD: true, Chain: []*x509.Certificate{weakKey}, Now: now, VerifyErr: x509.HostnameError{Certificate: weakKey, Host: "x"}},
		{Versions: map[string]bool{"TLSv1.2": true}, Weak: map[string]bool{}, Chain: []*x509.Certificate{leaf(now.Add(-time.Hour), now.Add(20*24*time.Hour))}, Now: now, VerifyErr: errors.New("unknown authority")},
	} {
		checks, _ := TLSChecks(f)
		e.report("TLSChecks", checks)
		e.caps("TLS", &assessment{tls: f, tlsDone: true}, fromTLS)
	}
	e.caps("TLS probe failed", &assessment{tlsErr: errors.New("refused"), tlsDone: true}, fromTLS)
	// DNS answers.
	good := dnsServer(t, map[string][]string{"CAA example.gov.vn.": {`0 issue "letsencrypt.org"`}, "TXT example.gov.vn.": {`"v=spf1 -all"`}})
	for _, host := range []string{"portal.example.gov.vn", "203.0.113.7"} {
		e.report("DNSChecks", DNSChecks(context.Background(), host, good))
	}
	// A live site leaking everything the exposure checks look for.
	leaky := exposureServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.git/HEAD":
			io.WriteString(w, "ref: refs/heads/main\n")
		case "/":
			strictHandler(w, r)
		default:
			http.NotFound(w, r)
		}
	})
	rep, err := Assess(context.Background(), leaky.URL+"/", Options{RootCAs: pool(leaky), AllowPrivate: true, Timeout: 20 * time.Second, DNSServer: good})
	if err != nil {
		t.Fatal(err)
	}
	e.report("Assess", rep.Checks)
	if len(rep.Checks) != len(registry) {
		t.Errorf("the live scan emitted %d checks, want all %d", len(rep.Checks), len(registry))
	}
	for _, id := range CheckIDs() {
		if !e.ids[id] {
			t.Errorf("%s is registered but no input emitted it", id)
		}
	}
	// Every emitted list follows the registry's order.
	for _, ids := range e.order {
		last := -1
		for _, id := range ids {
			i := slices.Index(CheckIDs(), id)
			if i < last {
				t.Errorf("%v is not in registry order", ids)
				break
			}
			last = i
		}
	}
}

// readVectors reads the Observatory vectors, if present (loadVectors skips
// the test instead).
func readVectors() (vectorFile, error) {
	var vf vectorFile
	raw, err := os.ReadFile(vectorsPath)
	if err != nil {
		return vf, err
	}
	return vf, json.Unmarshal(raw, &vf)
}
