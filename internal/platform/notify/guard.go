package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
)

// AllowList names the intranet receivers webhooks may reach although
// their addresses are private or reserved: address ranges and host names.
// It never admits loopback, unspecified, link-local, multicast or cloud
// metadata addresses.
type AllowList struct {
	prefixes []netip.Prefix
	hosts    map[string]bool
}

// ParseAllowList reads a comma-separated list of CIDRs, IP addresses and
// host names ("10.20.0.0/16, hooks.intranet").
func ParseAllowList(s string) (AllowList, error) {
	var a AllowList
	for _, item := range strings.Split(s, ",") {
		item = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(item), "."))
		switch {
		case item == "":
		case strings.Contains(item, "/"):
			p, err := netip.ParsePrefix(item)
			if err != nil {
				return AllowList{}, fmt.Errorf("notify: allow-list entry %q is not a CIDR range", item)
			}
			a.prefixes = append(a.prefixes, p.Masked())
		default:
			if ip, err := netip.ParseAddr(item); err == nil {
				a.prefixes = append(a.prefixes, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
				continue
			}
			if !hostName(item) {
				return AllowList{}, fmt.Errorf("notify: allow-list entry %q is neither a CIDR range, an address nor a host name", item)
			}
			if a.hosts == nil {
				a.hosts = map[string]bool{}
			}
			a.hosts[item] = true
		}
	}
	return a, nil
}

func hostName(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return s != "" && s[0] != '.' && s[0] != '-'
}

func (l AllowList) admits(host string, a netip.Addr) bool {
	if l.hosts[strings.ToLower(strings.TrimSuffix(host, "."))] {
		return true
	}
	for _, p := range l.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// metadata are the cloud metadata services (169.254.0.0/16 is refused
// as link-local).
var metadata = []netip.Prefix{netip.MustParsePrefix("fd00:ec2::/32"), netip.MustParsePrefix("169.254.169.254/32")}

// thisNetwork is 0.0.0.0/8, which Linux connects to the local host.
var thisNetwork = netip.MustParsePrefix("0.0.0.0/8")

// refusedAddress says why a webhook may not reach an address, in both
// languages. It unwraps to webscan.ErrForbiddenAddress.
type refusedAddress struct {
	Addr   netip.Addr
	EN, VI string
}

func (r *refusedAddress) Error() string { return r.Addr.String() + " " + r.EN }
func (r *refusedAddress) Unwrap() error { return webscan.ErrForbiddenAddress }

// webhookGuard decides which addresses webhooks may reach: the scanner's
// rule (webscan.CheckAddress), lifted for the allow-list but never for
// loopback, unspecified, link-local, multicast or metadata addresses.
type webhookGuard struct {
	allow         AllowList
	allowLoopback bool // tests only
}

func (g webhookGuard) check(host string, a netip.Addr) error {
	a = a.Unmap()
	if v4, _ := webscan.EmbeddedIPv4(a); v4.IsValid() {
		// 64:ff9b::a9fe:a9fe reaches 169.254.169.254 through NAT64: the
		// IPv4 address must pass too, whatever the allow-list says of a.
		if err := g.check(host, v4); err != nil {
			return err
		}
	}
	refuse := func(en, vi string) error { return &refusedAddress{Addr: a, EN: en, VI: vi} }
	for _, p := range metadata {
		if p.Contains(a) {
			return refuse("is a cloud metadata address", "là địa chỉ dịch vụ metadata của đám mây")
		}
	}
	switch {
	case !a.IsValid():
		return fmt.Errorf("%w: invalid address", webscan.ErrForbiddenAddress)
	case a.IsLoopback() && g.allowLoopback:
		return nil
	case a.IsLoopback():
		return refuse("is a loopback address", "là địa chỉ loopback (chính máy chủ)")
	case a.IsUnspecified() || thisNetwork.Contains(a):
		return refuse("is an unspecified address", "là địa chỉ không xác định")
	case a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast():
		return refuse("is a link-local address", "là địa chỉ link-local")
	case a.IsMulticast():
		return refuse("is a multicast address", "là địa chỉ multicast")
	case g.allow.admits(host, a):
		return nil
	}
	if webscan.CheckAddress(a) != nil {
		return refuse("is a private or reserved address (the notify.allow option admits intranet receivers)",
			"là địa chỉ nội bộ hoặc dành riêng (tùy chọn notify.allow cho phép máy nhận trong mạng nội bộ)")
	}
	return nil
}

// checkHost checks every address host has now: an address literal, or
// what the name resolves to. A name that does not resolve is let through
// (the dialer checks again at each delivery).
func (g webhookGuard) checkHost(ctx context.Context, lookup func(context.Context, string) ([]netip.Addr, error), host string) error {
	if a, err := netip.ParseAddr(host); err == nil {
		return g.check(host, a)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := lookup(ctx, host)
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if err := g.check(host, a); err != nil {
			return err
		}
	}
	return nil
}

// client is the webhook HTTP client: no proxy, no redirects, and a dialer
// that checks the address each connection actually goes to.
func (g webhookGuard) client() *http.Client {
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		d := &net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", webscan.ErrForbiddenAddress, address)
			}
			return g.check(host, ap.Addr())
		}}
		return d.DialContext(ctx, network, addr)
	}
	tr := &http.Transport{Proxy: nil, DialContext: dial, ForceAttemptHTTP2: true, TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConns: 10, IdleConnTimeout: 90 * time.Second}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// deliveryError is what users see of a failed webhook delivery: the HTTP
// status, or whether the address was refused or nothing answered, never
// dial details (the full error is logged).
func deliveryError(status int, err error) error {
	switch {
	case status != 0:
		return fmt.Errorf("delivery failed (HTTP %d)", status)
	case errors.Is(err, webscan.ErrForbiddenAddress):
		return errors.New("delivery failed (refused address)")
	default:
		return errors.New("delivery failed (no answer)")
	}
}
