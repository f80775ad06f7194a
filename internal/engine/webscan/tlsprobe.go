package webscan

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// Protocol versions as they appear on the wire.
const (
	versionSSL30 = 0x0300
	versionTLS10 = 0x0301
	versionTLS11 = 0x0302
	versionTLS12 = 0x0303
)

// Cipher suite families the scanner asks about with hand-built
// ClientHellos (Go's TLS client cannot offer most of them).
var (
	suitesNull   = []uint16{0x0001, 0x0002, 0x003B, 0xC006, 0xC010, 0xC015}
	suitesExport = []uint16{0x0003, 0x0006, 0x0008, 0x000B, 0x000E, 0x0011, 0x0014, 0x0017, 0x0019, 0x0062, 0x0064}
	suitesRC4    = []uint16{0x0004, 0x0005, 0xC007, 0xC011, 0x0018, 0xC016}
	suites3DES   = []uint16{0x000A, 0x0013, 0x0016, 0xC008, 0xC012, 0x001B, 0xC017}
	suitesAnon   = []uint16{0x0018, 0x001A, 0x001B, 0x0034, 0x003A, 0x006C, 0x006D, 0x00A6, 0x00A7, 0xC015, 0xC016, 0xC017, 0xC018, 0xC019}
	suitesFS     = []uint16{0xC02B, 0xC02C, 0xC02F, 0xC030, 0xCCA8, 0xCCA9, 0xCCAA, 0xC009, 0xC00A, 0xC013, 0xC014, 0xC023, 0xC024, 0xC027, 0xC028, 0x0033, 0x0039, 0x0067, 0x006B, 0x009E, 0x009F}
	suitesAEAD   = []uint16{0xC02B, 0xC02C, 0xC02F, 0xC030, 0xCCA8, 0xCCA9, 0xCCAA, 0x009C, 0x009D, 0x009E, 0x009F}
	// suitesStaticRSA use RSA key exchange: no forward secrecy.
	suitesStaticRSA = []uint16{0x002F, 0x0035, 0x003C, 0x003D, 0x009C, 0x009D, 0x0041, 0x0084, 0x0096, 0x000A}
	// suitesCBC are the obsolete CBC-mode suites (MAC-then-encrypt).
	suitesCBC = []uint16{0xC013, 0xC014, 0xC009, 0xC00A, 0xC027, 0xC028, 0xC023, 0xC024, 0x002F, 0x0035, 0x003C, 0x003D, 0x0033, 0x0039, 0x0067, 0x006B, 0x0041, 0x0084, 0x0045, 0x0088}
	// suitesCommon is a broad offer used to ask whether a version works.
	suitesCommon = []uint16{0xC02F, 0xC030, 0xC02B, 0xC02C, 0xC013, 0xC014, 0xC009, 0xC00A, 0x009C, 0x009D, 0x002F, 0x0035, 0x000A, 0x0005, 0x0004, 0x0033, 0x0039, 0x0016}
)

// errRefused means the server answered with an alert or closed the
// connection instead of choosing from the offer.
var errRefused = errors.New("offer refused")

// clientHello builds a ClientHello record offering version and suites
// (with SNI and the usual extensions unless it is SSL 3.0).
func clientHello(version uint16, suites []uint16, serverName string) []byte {
	var body []byte
	body = binary.BigEndian.AppendUint16(body, version)
	random := make([]byte, 32)
	_, _ = rand.Read(random) // a predictable random only weakens the probe, never the scanner
	body = append(body, random...)
	body = append(body, 0) // no session id
	body = binary.BigEndian.AppendUint16(body, uint16(2*len(suites)))
	for _, s := range suites {
		body = binary.BigEndian.AppendUint16(body, s)
	}
	body = append(body, 1, 0) // compression: null only
	if version > versionSSL30 {
		var ext []byte
		if serverName != "" && net.ParseIP(serverName) == nil {
			name := []byte(serverName)
			sni := binary.BigEndian.AppendUint16(nil, uint16(len(name)+3))
			sni = append(sni, 0)
			sni = binary.BigEndian.AppendUint16(sni, uint16(len(name)))
			sni = append(sni, name...)
			ext = appendExt(ext, 0x0000, sni)
		}
		ext = appendExt(ext, 0x000a, []byte{0, 8, 0, 0x1d, 0, 0x17, 0, 0x18, 0, 0x19}) // x25519, P-256, P-384, P-521
		ext = appendExt(ext, 0x000b, []byte{1, 0})                                     // uncompressed points
		sigs := []uint16{0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201}
		sa := binary.BigEndian.AppendUint16(nil, uint16(2*len(sigs)))
		for _, s := range sigs {
			sa = binary.BigEndian.AppendUint16(sa, s)
		}
		ext = appendExt(ext, 0x000d, sa)
		ext = appendExt(ext, 0xff01, []byte{0}) // secure renegotiation
		body = binary.BigEndian.AppendUint16(body, uint16(len(ext)))
		body = append(body, ext...)
	}
	hs := []byte{1, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}
	hs = append(hs, body...)
	recVersion := uint16(versionTLS10)
	if version == versionSSL30 {
		recVersion = versionSSL30
	}
	rec := []byte{22}
	rec = binary.BigEndian.AppendUint16(rec, recVersion)
	rec = binary.BigEndian.AppendUint16(rec, uint16(len(hs)))
	return append(rec, hs...)
}

func appendExt(b []byte, typ uint16, data []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, typ)
	b = binary.BigEndian.AppendUint16(b, uint16(len(data)))
	return append(b, data...)
}

// parseServerHello reads the server's first record and returns the
// version and cipher suite it chose.
func parseServerHello(r io.Reader) (uint16, uint16, error) {
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return 0, 0, errRefused
	}
	length := int(binary.BigEndian.Uint16(hdr[3:5]))
	if hdr[0] == 21 || length > 1<<14+2048 || length < 4 {
		return 0, 0, errRefused // an alert, or not TLS at all
	}
	if hdr[0] != 22 {
		return 0, 0, fmt.Errorf("not a TLS handshake record (type %d)", hdr[0])
	}
	rec := make([]byte, length)
	if _, err := io.ReadFull(r, rec); err != nil {
		return 0, 0, errRefused
	}
	if rec[0] != 2 || len(rec) < 4+2+32+1 {
		return 0, 0, fmt.Errorf("first handshake message is not a ServerHello")
	}
	b := rec[4:]
	version := binary.BigEndian.Uint16(b[0:2])
	sidLen := int(b[34])
	if len(b) < 35+sidLen+2 {
		return 0, 0, fmt.Errorf("truncated ServerHello")
	}
	return version, binary.BigEndian.Uint16(b[35+sidLen:]), nil
}

// prober offers handshakes to one TLS endpoint.
type prober struct {
	addr       string
	serverName string
	dialer     *net.Dialer
	timeout    time.Duration
	pace       func(ctx context.Context, host string) error
}

// offer sends one ClientHello and returns what the server chose, or
// errRefused.
func (p *prober) offer(ctx context.Context, version uint16, suites []uint16) (uint16, uint16, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	if p.pace != nil {
		if err := p.pace(ctx, p.serverName); err != nil {
			return 0, 0, err
		}
	}
	conn, err := p.dialer.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if _, err := conn.Write(clientHello(version, suites, p.serverName)); err != nil {
		return 0, 0, errRefused
	}
	return parseServerHello(conn)
}

// accepts reports whether the server completes a hello offering only
// suites at version (and at no higher version than asked).
func (p *prober) accepts(ctx context.Context, version uint16, suites []uint16) (bool, uint16, error) {
	v, suite, err := p.offer(ctx, version, suites)
	switch {
	case errors.Is(err, errRefused):
		return false, 0, nil
	case err != nil:
		return false, 0, err
	}
	return v == version || (version == versionTLS12 && v >= versionTLS10 && v <= versionTLS12), suite, nil
}
