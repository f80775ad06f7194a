package webscan

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Options bound a live scan.
type Options struct {
	// Timeout bounds the whole scan (default 30s).
	Timeout time.Duration
	// AllowPrivate lets the scan reach private, loopback and link-local
	// addresses (for an internal network, or tests).
	AllowPrivate bool
	// RootCAs verifies certificates (nil: the system's roots).
	RootCAs *x509.CertPool
	// MaxBody bounds how much of each answer is read (default 2 MiB).
	MaxBody int64
	// MaxRedirects bounds each redirect chain (default 10).
	MaxRedirects int
	// DNSServer is the DNS server (host:port) for the DNS and mail checks
	// ("" for the system's resolver).
	DNSServer string
	// Baseline, when set, is the page's approved state: content.defacement
	// then also reports a change beyond its threshold.
	Baseline *Baseline
	// HTTPPort and HTTPSPort are where the other scheme is tried when the
	// target names its own port (https://host:8443/ says nothing of where
	// plain HTTP listens). 0 means the scheme's standard port (80, 443).
	HTTPPort, HTTPSPort int
	// Pace, when set, is called with the host's name before every HTTP
	// request and TLS connection the scan makes, and may wait: the
	// platform paces each host with it. Its error ends that request, which
	// is then reported as the error.
	Pace func(ctx context.Context, host string) error
}

// pace waits for host's turn, when the caller paces hosts.
func (o Options) pace(ctx context.Context, host string) error {
	if o.Pace == nil {
		return nil
	}
	return o.Pace(ctx, host)
}

func (o *Options) defaults() {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 2 << 20
	}
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = 10
	}
}

// CORSProbeOrigin is the Origin the scanner sends to test CORS.
const CORSProbeOrigin = "https://scanner.khien.invalid"

// userAgent identifies the scanner to the sites it assesses.
const userAgent = "Khien-WebScan/1 (+security assessment of public agencies)"

type fetcher struct {
	opts   Options
	client *http.Client
}

// allSuites lets the scanner talk to legacy servers too: it must read the
// headers of a site whatever its TLS configuration (the TLS checks judge
// that configuration separately).
func allSuites() []uint16 {
	var ids []uint16
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		ids = append(ids, s.ID)
	}
	return ids
}

// probeParallel is how many exposure probes run at once against one site:
// enough to finish fast, few enough to be polite.
const probeParallel = 4

// newProbeFetcher is a fetcher for the many small exposure probes: it keeps
// up to probeParallel connections alive instead of a handshake per probe.
func newProbeFetcher(opts Options) *fetcher {
	f := newFetcher(opts)
	tr := f.client.Transport.(*http.Transport)
	tr.DisableKeepAlives = false
	tr.MaxIdleConnsPerHost = probeParallel
	tr.MaxConnsPerHost = probeParallel
	tr.IdleConnTimeout = 10 * time.Second
	return f
}

// close drops the fetcher's idle connections.
func (f *fetcher) close() { f.client.CloseIdleConnections() }

func newFetcher(opts Options) *fetcher {
	dialer := guardedDialer(opts.AllowPrivate, &net.Dialer{Timeout: 10 * time.Second})
	tr := &http.Transport{
		DialContext: dialer.DialContext,
		// The chain is verified after the handshake (see get), so that a
		// site with a bad certificate is still assessed and reported so.
		TLSClientConfig:       &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10, CipherSuites: allSuites()}, //nolint:gosec // verified by hand in get
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 15 * time.Second,
		DisableKeepAlives:     true,
		Proxy:                 nil,
	}
	return &fetcher{opts: opts, client: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// verifyChain checks a peer's certificate chain against roots (nil: the
// system's) for host at now; both the page fetches and the TLS probe use it.
func verifyChain(chain []*x509.Certificate, host string, roots *x509.CertPool, now time.Time) error {
	if len(chain) == 0 {
		return errors.New("no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{DNSName: host, Roots: roots, Intermediates: inter, CurrentTime: now})
	return err
}

// get fetches one URL without following redirects; for HTTPS it reports
// whether the certificate chain is trusted and matches the host.
func (f *fetcher) get(ctx context.Context, rawURL string, header http.Header) (*Response, error) {
	return f.getLimit(ctx, rawURL, header, f.opts.MaxBody)
}

// getLimit is get reading at most limit bytes of the body.
func (f *fetcher) getLimit(ctx context.Context, rawURL string, header http.Header, limit int64) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
	for k, vs := range header {
		req.Header[k] = vs
	}
	if err := f.opts.pace(ctx, req.URL.Hostname()); err != nil {
		return nil, err
	}
	var shook atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) { shook.Store(err == nil) },
	}))
	resp, err := f.client.Do(req)
	if err != nil {
		if shook.Load() {
			return nil, &afterHandshakeError{err}
		}
		return nil, err
	}
	defer resp.Body.Close()
	verified := resp.TLS != nil && verifyChain(resp.TLS.PeerCertificates, req.URL.Hostname(), f.opts.RootCAs, time.Now()) == nil
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("reading %s: %w", rawURL, ctx.Err())
	}
	r := &Response{URL: rawURL, Status: resp.StatusCode, Header: resp.Header, Body: string(body), Verified: verified}
	if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		r.CertNotAfter = resp.TLS.PeerCertificates[0].NotAfter
	}
	return r, nil
}

// afterHandshakeError is a request that failed after Go's TLS handshake
// with the server had succeeded (a server that never answers, a reset
// after the hello): whatever it says, the two sides agreed on TLS.
type afterHandshakeError struct{ err error }

func (e *afterHandshakeError) Error() string { return e.err.Error() }
func (e *afterHandshakeError) Unwrap() error { return e.err }

// ProbeResult is one monitoring probe of a page: where the redirects
// ended, how it answered and how fast.
type ProbeResult struct {
	URL          string // the final URL
	Status       int
	Latency      time.Duration // the whole chain
	Body         string
	Verified     bool      // HTTPS with a trusted certificate matching the host
	CertNotAfter time.Time // zero over plain HTTP
}

// Probe fetches target once, following redirects, within opts' limits and
// SSRF guard: the monitor's light check, far cheaper than Assess.
func Probe(ctx context.Context, target string, opts Options) (*ProbeResult, error) {
	opts.defaults()
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL", target)
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	f := newFetcher(opts)
	start := time.Now()
	chain, err := f.chain(ctx, target)
	if err != nil {
		return nil, err
	}
	last := chain[len(chain)-1]
	return &ProbeResult{URL: last.URL, Status: last.Status, Latency: time.Since(start), Body: last.Body, Verified: last.Verified, CertNotAfter: last.CertNotAfter}, nil
}

// chain follows redirects from start, at most MaxRedirects, and returns
// every response in order.
func (f *fetcher) chain(ctx context.Context, start string) ([]*Response, error) {
	var out []*Response
	seen := map[string]bool{}
	cur := start
	for {
		r, err := f.get(ctx, cur, nil)
		if err != nil {
			return out, err
		}
		out = append(out, r)
		if r.Status < 300 || r.Status > 399 || r.Header.Get("Location") == "" {
			return out, nil
		}
		if len(out) > f.opts.MaxRedirects {
			return out, fmt.Errorf("more than %d redirects from %s", f.opts.MaxRedirects, start)
		}
		base, _ := url.Parse(cur)
		next, err := base.Parse(r.Header.Get("Location"))
		if err != nil || (next.Scheme != "http" && next.Scheme != "https") {
			return out, fmt.Errorf("invalid redirect from %s to %q", cur, r.Header.Get("Location"))
		}
		if seen[next.String()] {
			return out, fmt.Errorf("redirect loop at %s", next)
		}
		seen[cur] = true
		cur = next.String()
	}
}

// Fetch gathers a live site's answers for the header checks: the chain
// from http://, the chain from https:// (target's path) and a CORS probe.
// It fails only when the site answers on neither scheme.
func Fetch(ctx context.Context, target string, opts Options) (*Exchange, error) {
	opts.defaults()
	return newFetcher(opts).fetch(ctx, target)
}

func (f *fetcher) fetch(ctx context.Context, target string) (*Exchange, error) {
	opts := f.opts
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL", target)
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	ex := &Exchange{CORSOrigin: CORSProbeOrigin}
	httpURL, httpsURL := schemeURLs(u, opts)
	httpChain, httpErr := f.chain(ctx, httpURL.String())
	if len(httpChain) > 0 {
		ex.HTTP = httpChain[0]
		for _, r := range httpChain {
			ex.HTTPChain = append(ex.HTTPChain, Hop{URL: r.URL, Status: r.Status})
		}
	}
	httpsChain, httpsErr := f.chain(ctx, httpsURL.String())
	ex.httpsErr = httpsErr
	if len(httpsChain) > 0 {
		ex.HTTPS = httpsChain[0]
		ex.Final = httpsChain[len(httpsChain)-1]
	} else if len(httpChain) > 0 {
		ex.Final = httpChain[len(httpChain)-1]
	}
	if ex.Final == nil {
		return nil, &UnreachableError{HTTP: httpErr, HTTPS: httpsErr}
	}
	if cors, err := f.get(ctx, ex.Final.URL, http.Header{"Origin": {CORSProbeOrigin}}); err == nil {
		ex.CORS = cors
	} else {
		ex.CORS = ex.Final
	}
	return ex, nil
}

// schemeURLs are the target on each scheme: the same host and path, and
// on the other scheme's port when the target names its own.
func schemeURLs(u *url.URL, opts Options) (httpURL, httpsURL url.URL) {
	httpURL, httpsURL = *u, *u
	httpURL.Scheme, httpsURL.Scheme = "http", "https"
	if u.Scheme == "https" && u.Port() != "" {
		httpURL.Host = hostPort(u.Hostname(), opts.HTTPPort) // an https port says nothing of the http one
	}
	if u.Scheme == "http" && u.Port() != "" {
		httpsURL.Host = hostPort(u.Hostname(), opts.HTTPSPort)
	}
	return httpURL, httpsURL
}

// hostPort is host with port, or the bare host (the scheme's standard port)
// when port is 0. IPv6 literals keep their brackets.
func hostPort(host string, port int) string {
	if port == 0 {
		if strings.Contains(host, ":") {
			return "[" + host + "]"
		}
		return host
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}
