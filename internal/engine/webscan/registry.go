package webscan

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// CheckID names a check the engine can emit. The strings are stable:
// reports, findings and label policies store them.
type CheckID string

// The checks the engine can emit, in report order.
const (
	HTTPSAvailable          CheckID = "https.available"
	TLSProtocols            CheckID = "tls.protocols"
	TLSCiphers              CheckID = "tls.ciphers"
	TLSCertificate          CheckID = "tls.certificate"
	TLSCertificateExpiry    CheckID = "tls.certificate.expiry"
	ExposedFiles            CheckID = "exposed.files"
	ExposedDirectoryListing CheckID = "exposed.directory-listing"
	HTTPMethods             CheckID = "http.methods"
	SecurityTxt             CheckID = "security.txt"
	DNSCAA                  CheckID = "dns.caa"
	DNSDNSSEC               CheckID = "dns.dnssec"
	EmailSPF                CheckID = "email.spf"
	EmailDMARC              CheckID = "email.dmarc"
	HeadersCSP              CheckID = "headers.csp"
	HeadersCookies          CheckID = "headers.cookies"
	HeadersCORS             CheckID = "headers.cors"
	HeadersRedirection      CheckID = "headers.redirection"
	HeadersReferrerPolicy   CheckID = "headers.referrer-policy"
	HeadersHSTS             CheckID = "headers.hsts"
	HeadersSRI              CheckID = "headers.sri"
	HeadersXContentType     CheckID = "headers.x-content-type-options"
	HeadersXFrameOptions    CheckID = "headers.x-frame-options"
	HeadersCOOP             CheckID = "headers.coop"
	HeadersCOEP             CheckID = "headers.coep"
	HeadersCORP             CheckID = "headers.corp"
	HTTPSRedirect           CheckID = "https.redirect"
	LeakServerVersion       CheckID = "leak.server-version"
	ContentInjectedLinks    CheckID = "content.injected-links"
	ContentDefacement       CheckID = "content.defacement"
	ContentMixed            CheckID = "content.mixed"
)

// registry is every check of the engine, in report order: a live scan
// (Assess) emits them in this order, an offline one (AssessExchange) the
// ones that read the answers alone, in the same order.
//
// To add a check:
//  1. add its CheckID constant above (the id string is stored in reports
//     and label policies: never change it afterwards);
//  2. write one file holding its CheckDef (titles, remediation, severity,
//     grade caps, and what it reads: input) and its run function, which
//     starts from def.New() and reads what it needs from the assessment
//     (a.headerResults(), a.pageFacts(), a.tlsFacts(), a.prober(),
//     a.dnsFacts(), …);
//  3. list the definition below, where it belongs in the report.
//
// registry_test.go then checks that it has titles and remediation in both
// languages, and that every id the engine emits is registered.
var registry = []CheckDef{
	httpsAvailableDef,
	tlsProtocolsDef, tlsCiphersDef, tlsCertificateDef, tlsCertificateExpiryDef,
	exposedFilesDef, exposedDirectoryListingDef, httpMethodsDef, securityTxtDef,
	dnsCAADef, dnsDNSSECDef, emailSPFDef, emailDMARCDef,
	headersCSPDef, headersCookiesDef, headersCORSDef, headersRedirectionDef, headersReferrerPolicyDef, headersHSTSDef,
	headersSRIDef, headersXContentTypeDef, headersXFrameOptionsDef, headersCOOPDef, headersCOEPDef, headersCORPDef,
	httpsRedirectDef, leakServerVersionDef,
	contentInjectedLinksDef, contentDefacementDef, contentMixedDef,
}

// input is what a check reads, which decides which assessments run it.
type input int

const (
	// fromAnswers: the answers fetched for the page (also from a HAR file).
	fromAnswers input = iota
	// fromConnection: the live HTTPS connection (certificate trust).
	fromConnection
	// fromTLS: a TLS probe of the HTTPS endpoint.
	fromTLS
	// fromProbes: extra requests to the site's origin.
	fromProbes
	// fromDNS: the site's DNS records.
	fromDNS
)

// GradeCap is a limit a check's finding puts on the site's grade.
type GradeCap struct {
	Grade  string // the best grade the site can get
	Reason string // in English; capReasonsVI holds the Vietnamese
	// Check is the check that imposed it (filled in by the runner).
	Check CheckID
}

// String gives the cap as "F: certificate expired".
func (c GradeCap) String() string { return c.Grade + ": " + c.Reason }

// checkFunc runs one check on what an assessment gathered, starting from
// def.New(); ok is false when the check does not apply (no HTTPS, the
// TLS probe failed, the host is not a domain name, …).
type checkFunc func(def CheckDef, a *assessment) (c Check, caps []GradeCap, ok bool)

// CheckDef defines one check: what it is called and how to fix it in
// Vietnamese and English, how grave it is, how it is scored and what it
// can do to the grade.
type CheckDef struct {
	ID            CheckID
	Title         string // Vietnamese
	TitleEN       string
	Remediation   string // Vietnamese
	RemediationEN string
	// Severity is how grave a failure of the check is at worst; a result
	// carries its own severity.
	Severity string
	// Observatory is the MDN HTTP Observatory test that scores the check
	// ("" for checks outside the Observatory score).
	Observatory string
	// Caps are the grade caps a finding of the check can impose.
	Caps []GradeCap

	input input
	run   checkFunc
}

// Scored reports whether the check counts in the Observatory score.
func (d CheckDef) Scored() bool { return d.Observatory != "" }

// New starts a check result of this definition: id, titles,
// remediation and the default severity filled in, the result left to the
// check.
func (d CheckDef) New() Check {
	return Check{ID: string(d.ID), Severity: d.Severity, Title: d.Title, TitleEN: d.TitleEN, Remediation: d.Remediation, RemediationEN: d.RemediationEN}
}

// Checks lists every check definition in report order.
func Checks() []CheckDef { return slices.Clone(registry) }

// LookupCheck finds the definition of a check id.
func LookupCheck(id string) (CheckDef, bool) {
	for _, d := range registry {
		if string(d.ID) == id {
			return d, true
		}
	}
	return CheckDef{}, false
}

// CheckIDs lists every check id in report order.
func CheckIDs() []string {
	ids := make([]string, len(registry))
	for i, d := range registry {
		ids[i] = string(d.ID)
	}
	return ids
}

// ErrUnknownCheck is returned by ValidateCheckIDs for an id the engine
// does not have.
var ErrUnknownCheck = errors.New("unknown check id")

// ValidateCheckIDs refuses a list naming a check the engine does not
// have (a misspelt id in a label policy, say); the error names the
// unknown ids and lists the valid ones.
func ValidateCheckIDs(ids []string) error {
	var unknown []string
	for _, id := range ids {
		if _, ok := LookupCheck(id); !ok {
			unknown = append(unknown, fmt.Sprintf("%q", id))
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	return fmt.Errorf("%w %s (valid: %s)", ErrUnknownCheck, strings.Join(unknown, ", "), strings.Join(CheckIDs(), ", "))
}

// newCheck starts a check result of a registered id (see CheckDef.New).
func newCheck(id CheckID) Check {
	d, ok := LookupCheck(string(id))
	if !ok {
		panic("webscan: unregistered check " + string(id)) // a programming error, caught by the tests
	}
	return d.New()
}
