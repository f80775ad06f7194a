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

// checkAddress refuses addresses a scan must not reach.
func checkAddress(a netip.Addr) error {
	a = a.Unmap()
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
