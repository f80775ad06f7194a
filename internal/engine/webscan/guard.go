package webscan

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// ErrForbiddenAddress is returned when the scanner is asked to connect to
// an address it must not reach (private, loopback, link-local, metadata…).
var ErrForbiddenAddress = errors.New("address not allowed for scanning")

// forbiddenRanges are networks a scan must not reach unless private
// targets are allowed: besides what netip classifies as private, loopback,
// link-local, multicast or unspecified.
var forbiddenRanges = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("fec0::/10"),      // old site-local
	netip.MustParsePrefix("100::/64"),       // discard-only
	netip.MustParsePrefix("169.254.0.0/16"), // link-local, cloud metadata
	netip.MustParsePrefix("fd00:ec2::/32"),  // cloud metadata over IPv6
}

// CheckAddress refuses addresses a scan must not reach: private,
// loopback, link-local, multicast, unspecified, cloud metadata and other
// reserved ranges. Other outbound clients of the platform (webhooks) use
// it to refuse the same addresses.
func CheckAddress(a netip.Addr) error { return checkAddress(a) }

// checkAddress refuses addresses a scan must not reach. An IPv6 address
// that carries an IPv4 one the network may deliver to (IPv4-mapped,
// IPv4-compatible, NAT64, 6to4, Teredo) is judged as the IPv4 address too.
func checkAddress(a netip.Addr) error {
	a = a.Unmap()
	if v4, how := EmbeddedIPv4(a); how != "" {
		if err := checkAddress(v4); err != nil {
			return fmt.Errorf("%w (%s embeds %s as %s)", err, a, v4, how)
		}
	}
	switch {
	case !a.IsValid():
		return fmt.Errorf("%w: invalid address", ErrForbiddenAddress)
	case a.IsLoopback():
		return fmt.Errorf("%w: %s is a loopback address", ErrForbiddenAddress, a)
	case a.IsPrivate():
		return fmt.Errorf("%w: %s is a private address", ErrForbiddenAddress, a)
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return fmt.Errorf("%w: %s is a link-local address", ErrForbiddenAddress, a)
	case a.IsMulticast(), a.IsInterfaceLocalMulticast():
		return fmt.Errorf("%w: %s is a multicast address", ErrForbiddenAddress, a)
	case a.IsUnspecified():
		return fmt.Errorf("%w: %s is unspecified", ErrForbiddenAddress, a)
	}
	for _, p := range forbiddenRanges {
		if p.Contains(a) {
			return fmt.Errorf("%w: %s is in the reserved range %s", ErrForbiddenAddress, a, p)
		}
	}
	return nil
}

// Prefixes of IPv6 addresses that carry an IPv4 address.
var (
	ipv4Compatible = netip.MustParsePrefix("::/96")
	nat64          = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour      = netip.MustParsePrefix("2002::/16")
	teredo         = netip.MustParsePrefix("2001::/32")
)

// EmbeddedIPv4 returns the IPv4 address an IPv6 address reaches through a
// translation or tunnel mechanism, and the mechanism's name ("" if none).
// Address guards judge such an address as the IPv4 one too.
// :: and ::1 are not IPv4-compatible forms of 0.0.0.0 and 0.0.0.1; they are
// judged as themselves.
func EmbeddedIPv4(a netip.Addr) (netip.Addr, string) {
	if !a.Is6() {
		return netip.Addr{}, ""
	}
	b := a.As16()
	switch {
	case ipv4Compatible.Contains(a) && !a.IsUnspecified() && !a.IsLoopback():
		return netip.AddrFrom4([4]byte(b[12:16])), "IPv4-compatible address"
	case nat64.Contains(a):
		return netip.AddrFrom4([4]byte(b[12:16])), "NAT64 address"
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6])), "6to4 address"
	case teredo.Contains(a):
		// The client's address, bit-inverted in the last 32 bits.
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), "Teredo client"
	}
	return netip.Addr{}, ""
}

// guardedDialer connects only to allowed addresses. The check runs on the
// address the socket actually connects to, after name resolution, so a
// name that resolves differently on a second lookup (DNS rebinding) or a
// redirect to an internal host cannot slip through.
func guardedDialer(allowPrivate bool, d *net.Dialer) *net.Dialer {
	if allowPrivate {
		return d
	}
	d.Control = func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
		}
		return checkAddress(ap.Addr())
	}
	return d
}
