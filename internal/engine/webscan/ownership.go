package webscan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// An agency proves it controls a host, before the platform scans it, by
// publishing a token the platform gave it, as search consoles do: a DNS TXT
// record "khien-verify=<token>" at _khien-verify.<host> (or at the host),
// or a file /.well-known/khien-verify.txt on the host holding the token.
const (
	OwnershipPrefix = "khien-verify="
	OwnershipLabel  = "_khien-verify."
	OwnershipPath   = "/.well-known/khien-verify.txt"
)

// OwnershipRecord is the TXT value (and file line) that proves token.
func OwnershipRecord(token string) string { return OwnershipPrefix + token }

// ErrNotProven means the token was found neither in DNS nor in the file.
var ErrNotProven = errors.New("the verification token was not found")

// resolverAt is a resolver that asks server (host:port) only.
func resolverAt(server string) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, server)
	}}
}

// ownershipRedirects bounds the redirects followed to the file; they must
// stay on the host.
const ownershipRedirects = 3

// ProveOwnership looks for token published for host: first the TXT
// records at _khien-verify.<host> and at host, asked of opts.DNSServer
// (the system's resolver when empty), then the file on each origin
// ("https://host", "http://host:8080"…; the host's https and http origins
// when none; its address also from opts.DNSServer when set), fetched
// through the scanner's address guard (private
// addresses only with opts.AllowPrivate), following at most three
// redirects that stay on the host. It answers how control was shown
// ("dns" or "http"), or an error wrapping ErrNotProven whose text is fit
// to show the agency (what was looked for and what was found, never
// dial details).
func ProveOwnership(ctx context.Context, host, token string, origins []string, opts Options) (string, error) {
	opts.defaults()
	opts.MaxBody = 4 << 10
	if token == "" || host == "" {
		return "", fmt.Errorf("%w: no host or token", ErrNotProven)
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	var seen []string
	if _, err := netip.ParseAddr(host); err != nil { // an address has no DNS name to hold a record
		ok, what := ownershipInDNS(ctx, host, token, opts.DNSServer)
		if ok {
			return "dns", nil
		}
		seen = append(seen, what)
	}
	if len(origins) == 0 {
		origins = []string{"https://" + host, "http://" + host}
	}
	done := map[string]bool{}
	for _, o := range origins {
		u, err := url.Parse(o)
		if err != nil || !strings.EqualFold(u.Hostname(), host) || (u.Scheme != "https" && u.Scheme != "http") {
			continue
		}
		target := u.Scheme + "://" + u.Host + OwnershipPath
		if done[target] {
			continue
		}
		done[target] = true
		ok, what := ownershipInFile(ctx, host, target, token, opts)
		if ok {
			return "http", nil
		}
		seen = append(seen, what)
	}
	return "", fmt.Errorf("%w: %s", ErrNotProven, strings.Join(seen, "; "))
}

func ownershipInDNS(ctx context.Context, host, token, server string) (bool, string) {
	r, err := newResolver(server)
	if err != nil {
		return false, "DNS: no resolver"
	}
	want := OwnershipRecord(token)
	for _, name := range []string{OwnershipLabel + host, host} {
		recs, err := r.txt(ctx, name)
		if err != nil {
			continue
		}
		for _, v := range recs {
			if strings.TrimSpace(v) == want {
				return true, ""
			}
		}
	}
	return false, fmt.Sprintf("DNS: no TXT record %q at %s%s or %s", want, OwnershipLabel, host, host)
}

func ownershipInFile(ctx context.Context, host, target, token string, opts Options) (bool, string) {
	f := newFetcher(opts)
	defer f.close()
	if opts.DNSServer != "" {
		// The host's address comes from the same DNS server as its TXT
		// record; the guard still judges the address connected to.
		d := guardedDialer(opts.AllowPrivate, &net.Dialer{Timeout: 10 * time.Second, Resolver: resolverAt(opts.DNSServer)})
		f.client.Transport.(*http.Transport).DialContext = d.DialContext
	}
	cur := target
	for hop := 0; ; hop++ {
		r, err := f.get(ctx, cur, http.Header{"Accept": {"text/plain"}})
		if err != nil {
			if errors.Is(err, ErrForbiddenAddress) {
				return false, target + ": address not allowed"
			}
			return false, target + ": no answer"
		}
		loc := r.Header.Get("Location")
		if r.Status >= 300 && r.Status < 400 && loc != "" {
			next, err := url.Parse(cur)
			if err == nil {
				next, err = next.Parse(loc)
			}
			if err != nil || hop >= ownershipRedirects || !strings.EqualFold(next.Hostname(), host) || (next.Scheme != "https" && next.Scheme != "http") {
				return false, target + ": redirected away"
			}
			cur = next.String()
			continue
		}
		if r.Status != http.StatusOK {
			return false, fmt.Sprintf("%s: HTTP %d", target, r.Status)
		}
		for _, line := range strings.Split(r.Body, "\n") {
			if l := strings.TrimSpace(line); l == token || l == OwnershipRecord(token) {
				return true, ""
			}
		}
		return false, target + ": the file does not hold the token"
	}
}
