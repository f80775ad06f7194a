package webscan

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"
)

// TLSFacts is what the probes learned about one TLS endpoint.
type TLSFacts struct {
	Versions       map[string]bool // SSLv3, TLSv1.0 … TLSv1.3 → accepted
	Weak           map[string]bool // NULL, EXPORT, RC4, 3DES, anon, RSA-kx, CBC → accepted
	ForwardSecrecy bool
	AEAD           bool
	Chain          []*x509.Certificate
	VerifyErr      error
	Now            time.Time
}

// ProbeTLS asks a TLS endpoint which versions and cipher families it
// accepts and fetches its certificate chain, through the same address
// guard as the HTTP fetches.
func ProbeTLS(ctx context.Context, target string, opts Options) (*TLSFacts, error) {
	opts.defaults()
	u, err := url.Parse(target)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("%q has no host", target)
	}
	port := u.Port()
	if port == "" {
		port = "443"
	}
	p := &prober{addr: net.JoinHostPort(u.Hostname(), port), serverName: u.Hostname(),
		dialer: guardedDialer(opts.AllowPrivate, &net.Dialer{Timeout: 5 * time.Second}), timeout: 5 * time.Second, pace: opts.pace}
	f := &TLSFacts{Versions: map[string]bool{}, Weak: map[string]bool{}, Now: time.Now()}
	for name, v := range map[string]uint16{"SSLv3": versionSSL30, "TLSv1.0": versionTLS10, "TLSv1.1": versionTLS11, "TLSv1.2": versionTLS12} {
		ok, _, err := p.accepts(ctx, v, suitesCommon)
		if err != nil {
			return nil, err
		}
		f.Versions[name] = ok
	}
	for name, suites := range map[string][]uint16{"NULL": suitesNull, "EXPORT": suitesExport, "RC4": suitesRC4, "3DES": suites3DES, "anon": suitesAnon, "RSA-kx": suitesStaticRSA, "CBC": suitesCBC} {
		if f.Weak[name], _, err = p.accepts(ctx, versionTLS12, suites); err != nil {
			return nil, err
		}
	}
	if f.ForwardSecrecy, _, err = p.accepts(ctx, versionTLS12, suitesFS); err != nil {
		return nil, err
	}
	if f.AEAD, _, err = p.accepts(ctx, versionTLS12, suitesAEAD); err != nil {
		return nil, err
	}
	// TLS 1.3 and the certificate, with Go's own client.
	hs := func(min, max uint16) (*tls.ConnectionState, error) {
		dctx, cancel := context.WithTimeout(ctx, p.timeout)
		defer cancel()
		if err := p.pace(dctx, p.serverName); err != nil {
			return nil, err
		}
		d := &tls.Dialer{NetDialer: p.dialer, Config: &tls.Config{ServerName: u.Hostname(), MinVersion: min, MaxVersion: max, InsecureSkipVerify: true, CipherSuites: allSuites()}} //nolint:gosec // verified below, by hand, to report why a chain fails
		c, err := d.DialContext(dctx, "tcp", p.addr)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		st := c.(*tls.Conn).ConnectionState()
		return &st, nil
	}
	if st, err := hs(tls.VersionTLS13, tls.VersionTLS13); err == nil {
		f.Versions["TLSv1.3"] = true
		f.ForwardSecrecy, f.AEAD, f.Chain = true, true, st.PeerCertificates
	} else if errors.Is(err, ErrForbiddenAddress) {
		return nil, err
	}
	if f.Chain == nil {
		st, err := hs(tls.VersionTLS10, tls.VersionTLS12)
		if err != nil {
			return nil, fmt.Errorf("TLS handshake with %s: %w", p.addr, err)
		}
		f.Chain = st.PeerCertificates
	}
	if len(f.Chain) == 0 {
		return nil, errors.New("the server sent no certificate")
	}
	f.VerifyErr = verifyChain(f.Chain, u.Hostname(), opts.RootCAs, f.Now)
	return f, nil
}

// gradeOrder ranks grades from best to worst.
var gradeOrder = []string{"A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F"}

// GradeRank orders grades: 0 for A+, higher is worse; unknown grades
// rank as F.
func GradeRank(g string) int { return gradeRank(g) }

func gradeRank(g string) int {
	for i, x := range gradeOrder {
		if x == g {
			return i
		}
	}
	return len(gradeOrder) - 1
}

// applyCaps returns the worse of grade and every cap.
func applyCaps(grade string, caps []GradeCap) string {
	for _, c := range caps {
		if gradeRank(c.Grade) > gradeRank(grade) {
			grade = c.Grade
		}
	}
	return grade
}
