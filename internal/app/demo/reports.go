package demo

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
)

// tlsSetup is how a demo portal's HTTPS endpoint is configured.
type tlsSetup int

const (
	tlsModern tlsSetup = iota // TLS 1.2 and 1.3, ECDHE with AEAD
	tlsNo13                   // TLS 1.2 only: capped at A-
	tlsLegacy                 // TLS 1.0 to 1.2 with CBC suites: capped at B
)

// setup is everything that decides one demo assessment.
type setup struct {
	profile int // index in profiles: the answers' headers and page
	tls     tlsSetup
	exposed bool // /.git/HEAD is served
}

// reporter builds the demo's assessments with the engine's own check
// code over made-up answers: the answer checks (AssessExchange), the
// HTTPS and exposure checks a probe judges (EvaluateProbe), the TLS
// checks over the endpoint's facts (TLSChecks) and the DNS and mail
// checks over the demo zone (DNSChecks). The TLS and exposure caps are
// applied to the grade as the live assessment applies them.
type reporter struct {
	ctx  context.Context
	zone string
	dns  map[string][]webscan.Check // per host
	page map[string]webscan.Report  // the answer checks, per URL and profile
}

// answers is the assessment of the answers of url with profile p (made
// once).
func (r *reporter) answers(url, agency string, p int) webscan.Report {
	key := fmt.Sprintf("%d %s", p, url)
	rep, ok := r.page[key]
	if !ok {
		rep = demoReport(url, agency, profiles[p])
		r.page[key] = rep
	}
	rep.Checks = slices.Clone(rep.Checks)
	rep.CappedBy = slices.Clone(rep.CappedBy)
	return rep
}

// report assesses the portal at url of agency, configured as su, at the
// time at, with its certificate valid until notAfter.
func (r *reporter) report(url, agency string, su setup, at, notBefore, notAfter time.Time) webscan.Report {
	rep := r.answers(url, agency, su.profile)
	host := webscan.HostOf(url)
	obs := webscan.Observation{ProbeResult: webscan.ProbeResult{URL: url, Status: 200, Body: fmt.Sprintf(demoPage, agency, profiles[su.profile].page),
		Verified: true, CertNotAfter: notAfter}}
	if su.exposed {
		obs.Secrets = []string{strings.TrimSuffix(url, "/") + "/.git/HEAD"}
	}
	probe := webscan.EvaluateProbe(obs, "", "", at)
	tlsChecks, caps := webscan.TLSChecks(tlsFacts(host, su.tls, at, notBefore, notAfter))
	checks := rep.Checks
	for _, c := range probe.Checks {
		if c.ID == string(webscan.HTTPSAvailable) || c.ID == string(webscan.ExposedFiles) {
			checks = append(checks, c)
			if c.ID == string(webscan.ExposedFiles) && c.Result == webscan.Fail {
				def, _ := webscan.LookupCheck(c.ID)
				caps = append(caps, webscan.GradeCap{Grade: def.Caps[0].Grade, Reason: def.Caps[0].Reason, Check: webscan.ExposedFiles})
			}
		}
	}
	checks = append(checks, tlsChecks...)
	checks = append(checks, r.dnsChecks(host)...)
	order := webscan.CheckIDs()
	slices.SortStableFunc(checks, func(a, b webscan.Check) int { return slices.Index(order, a.ID) - slices.Index(order, b.ID) })
	rep.Checks = checks
	applyCaps(&rep, caps)
	rep.StartedAt, rep.DurationMS = at.UTC(), 900+int64(len(url)*7)
	return rep
}

// dnsChecks are the DNS and mail checks of host over the demo zone
// (looked up once per host).
func (r *reporter) dnsChecks(host string) []webscan.Check {
	if c, ok := r.dns[host]; ok {
		return c
	}
	c := webscan.DNSChecks(r.ctx, host, r.zone)
	r.dns[host] = c
	return c
}

// tlsFacts are what a TLS probe would learn of an endpoint set up as su,
// with a certificate for host from a public authority.
func tlsFacts(host string, su tlsSetup, now, notBefore, notAfter time.Time) *webscan.TLSFacts {
	leaf := &x509.Certificate{Subject: pkix.Name{CommonName: host}, Issuer: pkix.Name{CommonName: "R11", Organization: []string{"Let's Encrypt"}},
		NotBefore: notBefore, NotAfter: notAfter, DNSNames: []string{host}, PublicKey: &ecdsa.PublicKey{Curve: elliptic.P256()},
		SignatureAlgorithm: x509.ECDSAWithSHA256}
	f := &webscan.TLSFacts{Versions: map[string]bool{"TLSv1.2": true, "TLSv1.3": true}, Weak: map[string]bool{}, ForwardSecrecy: true, AEAD: true,
		Chain: []*x509.Certificate{leaf}, Now: now, Chosen: map[string]string{"TLSv1.2": "ECDHE-ECDSA-AES128-GCM-SHA256", "TLSv1.3": "TLS_AES_128_GCM_SHA256"}}
	switch su {
	case tlsNo13:
		delete(f.Versions, "TLSv1.3")
		delete(f.Chosen, "TLSv1.3")
	case tlsLegacy:
		delete(f.Versions, "TLSv1.3")
		delete(f.Chosen, "TLSv1.3")
		f.Versions["TLSv1.0"], f.Versions["TLSv1.1"] = true, true
		f.Chosen["TLSv1.0"], f.Chosen["TLSv1.1"] = "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES128-SHA"
		f.Weak["CBC"] = true
	}
	return f
}

// capReasonVI is the Vietnamese of the caps the demo applies here (the
// engine applies the rest).
var capReasonVI = map[string]string{
	"no TLS 1.3":  "máy chủ chưa hỗ trợ TLS 1.3",
	"TLS 1.0/1.1": "máy chủ còn bật TLS 1.0/1.1",
	"exposed source tree, secret file or backup": "lộ mã nguồn, tệp bí mật hoặc bản sao lưu",
}

// applyCaps lowers rep's grade to the worst of caps, as the live
// assessment does, and says why in both languages when a cap decided it.
func applyCaps(rep *webscan.Report, caps []webscan.GradeCap) {
	worst := rep.Grade
	for _, c := range caps {
		if webscan.GradeRank(c.Grade) > webscan.GradeRank(worst) {
			worst = c.Grade
		}
	}
	if worst == rep.Grade {
		return
	}
	var vi, en, by []string
	for _, c := range caps {
		if c.Grade != worst || slices.Contains(by, string(c.Check)) {
			continue
		}
		vi = append(vi, capReasonVI[c.Reason]+" (kiểm tra "+string(c.Check)+")")
		en = append(en, c.Reason+" ("+string(c.Check)+")")
		by = append(by, string(c.Check))
	}
	rep.Grade = worst
	rep.CapReason = fmt.Sprintf("Xếp loại bị giới hạn ở %s vì %s.", worst, strings.Join(vi, "; "))
	rep.CapReasonEN = fmt.Sprintf("The grade is capped at %s: %s.", worst, strings.Join(en, "; "))
	rep.CappedBy = by
}
