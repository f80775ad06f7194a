package webscan

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
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
	// Chosen is the suite the server picked, per accepted version, from
	// the full offer of that version (OpenSSL's names).
	Chosen map[string]string
	// DHE reports whether the server accepts a finite-field DHE suite;
	// DHBits is the size of its DH group (the prime p of its
	// ServerKeyExchange), 0 when it could not be read.
	DHE    bool
	DHBits int
	// ClientErr is why Go's TLS client, which offers what current
	// browsers offer, completed no handshake although the hand-built
	// ones did (nil when it did): the chain then comes from the
	// Certificate message of a hand-built handshake.
	ClientErr error
}

// tlsParallel is how many probe connections run at once against one
// endpoint.
const tlsParallel = 4

// ProbeTLS asks a TLS endpoint which versions and cipher families it
// accepts, reads its DH group and fetches its certificate chain, through
// the same address guard as the HTTP fetches. Every version is asked
// with a hand-built ClientHello offering every suite of that version,
// DHE included; Go's own client fetches the chain, and when it cannot
// agree on anything the chain is read from a hand-built handshake.
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
	f := &TLSFacts{Versions: map[string]bool{}, Weak: map[string]bool{}, Chosen: map[string]string{}, Now: time.Now()}
	var (
		mu       sync.Mutex
		rawCerts [][]byte // from the highest TLS 1.0–1.2 version probe
		rawFrom  uint16
		client   *tls.ConnectionState
		jobs     []func(context.Context) error
	)
	for v, name := range versionNames {
		jobs = append(jobs, func(ctx context.Context) error {
			ok, fl, err := p.acceptsFlight(ctx, v, suitesFor(v), v <= versionTLS12)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			f.Versions[name] = ok
			if ok {
				f.Chosen[name] = suiteName(fl.suite)
				if len(fl.certs) > 0 && v > rawFrom {
					rawCerts, rawFrom = fl.certs, v
				}
				if fl.dhBits > 0 {
					f.DHE, f.DHBits = true, max(f.DHBits, fl.dhBits)
				}
			}
			return nil
		})
	}
	family := func(dst *bool, suites []uint16) {
		jobs = append(jobs, func(ctx context.Context) error {
			ok, _, err := p.accepts(ctx, versionTLS12, suites)
			mu.Lock()
			*dst = ok
			mu.Unlock()
			return err
		})
	}
	weak := map[string]*bool{}
	for name, suites := range map[string][]uint16{"NULL": suitesNull, "EXPORT": suitesExport, "RC4": suitesRC4, "3DES": suites3DES, "anon": suitesAnon, "RSA-kx": suitesStaticRSA, "CBC": suitesCBC} {
		weak[name] = new(bool)
		family(weak[name], suites)
	}
	family(&f.ForwardSecrecy, suitesFS)
	family(&f.AEAD, suitesAEAD)
	// The DH group, with DHE suites alone (a server that prefers ECDHE
	// still hands its group to a client that offers only DHE).
	jobs = append(jobs, func(ctx context.Context) error {
		ok, fl, err := p.acceptsFlight(ctx, versionTLS12, suitesDHE(), true)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if ok {
			f.DHE, f.DHBits = true, max(f.DHBits, fl.dhBits)
		}
		return nil
	})
	// The certificate chain, with Go's own client (a failure is no
	// probe error: the hand-built handshakes say what the server speaks).
	jobs = append(jobs, func(ctx context.Context) error {
		dctx, cancel := context.WithTimeout(ctx, p.timeout)
		defer cancel()
		if err := p.pace(dctx, p.serverName); err != nil {
			return err
		}
		d := &tls.Dialer{NetDialer: p.dialer, Config: &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS13, InsecureSkipVerify: true, CipherSuites: allSuites()}} //nolint:gosec // verified below, by hand, to report why a chain fails
		c, err := d.DialContext(dctx, "tcp", p.addr)
		if errors.Is(err, ErrForbiddenAddress) {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			f.ClientErr = err
			return nil
		}
		defer c.Close()
		st := c.(*tls.Conn).ConnectionState()
		client = &st
		return nil
	})
	if err := runAll(ctx, tlsParallel, jobs); err != nil {
		return nil, err
	}
	for name, ok := range weak {
		f.Weak[name] = *ok
	}
	if client != nil {
		// Go's client agreed: its version is accepted whatever the
		// hand-built hello of that version met.
		if name, ok := versionNames[client.Version]; ok {
			f.Versions[name] = true
			if _, seen := f.Chosen[name]; !seen {
				f.Chosen[name] = tls.CipherSuiteName(client.CipherSuite)
			}
		}
		f.Chain = client.PeerCertificates
	}
	if f.Versions["TLSv1.3"] {
		f.ForwardSecrecy, f.AEAD = true, true
	}
	if client == nil {
		if len(f.Chosen) == 0 {
			return nil, fmt.Errorf("TLS handshake with %s: %w", p.addr, f.ClientErr)
		}
		for _, der := range rawCerts {
			c, err := x509.ParseCertificate(der)
			if err != nil {
				break
			}
			f.Chain = append(f.Chain, c)
		}
		if len(f.Chain) == 0 {
			return nil, fmt.Errorf("TLS handshake with %s: %w", p.addr, f.ClientErr)
		}
	}
	if len(f.Chain) == 0 {
		return nil, errors.New("the server sent no certificate")
	}
	f.VerifyErr = verifyChain(f.Chain, u.Hostname(), opts.RootCAs, f.Now)
	return f, nil
}

// runAll runs jobs, at most n at a time, and returns the first error (the
// others are then cancelled).
func runAll(ctx context.Context, n int, jobs []func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, n)
	errs := make(chan error, len(jobs))
	var wg sync.WaitGroup
	for _, job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				errs <- ctx.Err()
				return
			}
			if err := job(ctx); err != nil {
				errs <- err
				cancel()
			}
		}()
	}
	wg.Wait()
	close(errs)
	var first error
	for err := range errs {
		// A cancellation caused by another job's error is not the cause.
		if first == nil || (errors.Is(first, context.Canceled) && !errors.Is(err, context.Canceled)) {
			first = err
		}
	}
	return first
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
