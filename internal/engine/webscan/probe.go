package webscan

import (
	"context"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Observation is what one monitoring probe saw of a site: the page after
// redirects and, when it answered, the secret files found on its origin.
// It is plain data, so that EvaluateProbe can judge it without a network.
type Observation struct {
	ProbeResult
	// Secrets are the URLs of exposed secret files (SecretProbe), looked
	// for only when the page answered.
	Secrets []string
	// Stylesheets are the texts of the page's same-site stylesheets, by
	// URL, which tell what the page hides (fetched only when it answered).
	Stylesheets map[string]string
}

// Answered reports whether the page answered with a status under 400:
// only then are its content and the secret files judged.
func (o Observation) Answered() bool { return o.Status > 0 && o.Status < 400 }

// ProbeSite is the network part of a monitoring probe: Probe, then
// SecretProbe on the final URL when the page answered. It fails only when
// the site could not be reached.
func ProbeSite(ctx context.Context, target string, opts Options) (*Observation, error) {
	res, err := Probe(ctx, target, opts)
	if err != nil {
		return nil, err
	}
	obs := &Observation{ProbeResult: *res}
	if obs.Answered() {
		obs.Secrets = SecretProbe(ctx, res.URL, opts)
		obs.Stylesheets = fetchPageSheets(ctx, res.Body, res.URL, opts)
	}
	return obs, nil
}

// ProbeVerdict is what a monitoring probe found: the checks it could
// judge, and the facts the monitor's alerts quote.
type ProbeVerdict struct {
	// Checks are the registered checks the probe could observe, in report
	// order, built by the scan's own check code: https.available and
	// tls.certificate.expiry over HTTPS; exposed.files,
	// content.injected-links and content.defacement when the page
	// answered.
	Checks []Check
	// CertNotAfter is the end of the certificate's validity (zero over
	// plain HTTP), CertDaysLeft the whole days left (negative once
	// expired).
	CertNotAfter time.Time
	CertDaysLeft int
	// Defacement is the defacement signature on the page ("" for none).
	Defacement string
	// HiddenLinks are the gambling links and text hidden on the page.
	HiddenLinks []string
	// Secrets are the URLs of the exposed secret files.
	Secrets []string
	// Change is the share of the page's text that differs from the
	// baseline (0 without one); HasBaseline says whether there was one.
	Change      float64
	HasBaseline bool
	// NewBaseline is the page's fingerprint, to keep as its baseline, when
	// it had none and is clean (no defacement signature, no hidden
	// links); "" otherwise.
	NewBaseline string
}

// EvaluateProbe judges an observation: baseline is the page's stored
// fingerprint (Fingerprint.String; "" for none) and ignoreRule the parts
// of the page left out of fingerprints (an invalid rule is applied as far
// as it parses: rules are checked when saved). now is the time the
// certificate's days are counted from.
func EvaluateProbe(obs Observation, baseline, ignoreRule string, now time.Time) ProbeVerdict {
	var v ProbeVerdict
	if strings.HasPrefix(obs.URL, "https://") {
		c, _ := httpsAvailableCheck(newCheck(HTTPSAvailable), &Response{URL: obs.URL, Verified: obs.Verified})
		v.Checks = append(v.Checks, c)
		if !obs.CertNotAfter.IsZero() {
			v.CertNotAfter = obs.CertNotAfter
			v.CertDaysLeft = int(obs.CertNotAfter.Sub(now).Hours() / 24)
			v.Checks = append(v.Checks, probeExpiryCheck(obs.CertNotAfter, now))
		}
	}
	if !obs.Answered() {
		return v
	}
	page := readPageStyled(obs.Body, obs.URL, mapLoader(obs.Stylesheets))
	v.Defacement = signatureIn(page)
	v.HiddenLinks, _ = gamblingLinks(page, obs.URL)
	v.Secrets = obs.Secrets
	v.Checks = append(v.Checks, probeSecretsCheck(obs.Secrets))
	inj, _ := injectedLinksCheck(newCheck(ContentInjectedLinks), page, nil, obs.URL)
	if inj.Result == Fail && len(v.HiddenLinks) == 0 {
		// Visible betting links alone: the full scan fails them, but a
		// probe suspends a label only for what is hidden from visitors (an
		// injection), as the monitor always has.
		inj.Result = Warn
	}
	def, _ := defacementCheck(newCheck(ContentDefacement), page, obs.Body, nil)
	v.Checks = append(v.Checks, inj, def)

	rule, _ := ParseIgnoreRule(ignoreRule) // see the doc comment
	fp := PageFingerprint(obs.Body, rule)
	if base, err := ParseFingerprint(baseline); err == nil {
		v.HasBaseline, v.Change = true, Change(base, fp)
	} else if v.Defacement == "" && len(v.HiddenLinks) == 0 {
		v.NewBaseline = fp.String() // the first clean page is the baseline
	}
	return v
}

// probeExpiryCheck is the scan's tls.certificate.expiry, except that it
// fails only once the certificate has expired: a failing check suspends
// the site's trust label at once, so the week before expiry, a failure in
// a full scan, is a warning here (the monitor alerts on it by itself).
func probeExpiryCheck(notAfter, now time.Time) Check {
	c := certExpiryCheck(newCheck(TLSCertificateExpiry), notAfter, now)
	if c.Result == Fail && !notAfter.Before(now) {
		c.Result = Warn
	}
	return c
}

// probeSecretsCheck is the scan's exposed.files for the few files a probe
// asks for (monitoredSecrets).
func probeSecretsCheck(secrets []string) Check {
	worst := ""
	for _, s := range secrets {
		sev := "critical"
		if u, err := url.Parse(s); err == nil {
			for _, ef := range exposedFiles {
				if ef.path == u.Path {
					sev = ef.severity
				}
			}
		}
		if worst == "" || severityRank[sev] > severityRank[worst] {
			worst = sev
		}
	}
	c := exposedFilesCheck(newCheck(ExposedFiles), secrets, worst)
	if len(secrets) == 0 {
		c.Evidence = "checked: " + strings.Join(monitoredSecrets, ", ")
	}
	return c
}

// Failing lists the failing checks among checks, each with a short
// English reason (its detail and evidence): what the trust label's
// verification reads.
func Failing(checks []Check) map[string]string {
	out := map[string]string{}
	for _, c := range checks {
		if c.Result != Fail {
			continue
		}
		why := strings.TrimSuffix(c.DetailEN, ".")
		if ev := strings.ReplaceAll(strings.TrimSpace(c.Evidence), "\n", ", "); ev != "" {
			why += " (" + shorten(ev, 200) + ")"
		}
		out[c.ID] = why
	}
	return out
}

// Failing lists the verdict's failing checks with their reasons.
func (v ProbeVerdict) Failing() map[string]string { return Failing(v.Checks) }

// shorten cuts s to at most n bytes, at a character boundary, marking the
// cut with an ellipsis.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
