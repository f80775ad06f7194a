package webscan

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"time"
)

// Protocol versions as they appear on the wire.
const (
	versionSSL30 = 0x0300
	versionTLS10 = 0x0301
	versionTLS11 = 0x0302
	versionTLS12 = 0x0303
	versionTLS13 = 0x0304
)

// versionNames are the protocol versions the probes ask about, in the
// names TLSFacts.Versions uses.
var versionNames = map[uint16]string{versionSSL30: "SSLv3", versionTLS10: "TLSv1.0", versionTLS11: "TLSv1.1", versionTLS12: "TLSv1.2", versionTLS13: "TLSv1.3"}

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
)

// keyExchange is how a cipher suite agrees on its keys.
type keyExchange uint8

const (
	kxRSA   keyExchange = iota // static RSA: no forward secrecy
	kxDHE                      // finite-field Diffie-Hellman, signed
	kxECDHE                    // elliptic-curve Diffie-Hellman, signed
	kxAnon                     // Diffie-Hellman without authentication
	kxTLS13                    // chosen by the TLS 1.3 key_share
)

// cipherSuite is one suite the probes can offer.
type cipherSuite struct {
	id   uint16
	name string // OpenSSL's name, as testssl.sh and sslscan print it
	kx   keyExchange
	// min is the first protocol version the suite is defined for: the
	// elliptic-curve suites start with TLS 1.0, the AEAD and SHA-2 ones
	// with TLS 1.2.
	min uint16
}

// cipherSuites are the suites a server may still choose, in the order a
// version probe offers them (the server picks by its own preference
// anyway). Finite-field DHE is among them: Go's client offers none.
var cipherSuites = []cipherSuite{
	{0x1301, "TLS_AES_128_GCM_SHA256", kxTLS13, versionTLS13}, {0x1302, "TLS_AES_256_GCM_SHA384", kxTLS13, versionTLS13},
	{0x1303, "TLS_CHACHA20_POLY1305_SHA256", kxTLS13, versionTLS13}, {0x1304, "TLS_AES_128_CCM_SHA256", kxTLS13, versionTLS13},
	{0x1305, "TLS_AES_128_CCM_8_SHA256", kxTLS13, versionTLS13},

	{0xC02B, "ECDHE-ECDSA-AES128-GCM-SHA256", kxECDHE, versionTLS12}, {0xC02C, "ECDHE-ECDSA-AES256-GCM-SHA384", kxECDHE, versionTLS12},
	{0xC02F, "ECDHE-RSA-AES128-GCM-SHA256", kxECDHE, versionTLS12}, {0xC030, "ECDHE-RSA-AES256-GCM-SHA384", kxECDHE, versionTLS12},
	{0xCCA9, "ECDHE-ECDSA-CHACHA20-POLY1305", kxECDHE, versionTLS12}, {0xCCA8, "ECDHE-RSA-CHACHA20-POLY1305", kxECDHE, versionTLS12},
	{0xC0AC, "ECDHE-ECDSA-AES128-CCM", kxECDHE, versionTLS12}, {0xC0AD, "ECDHE-ECDSA-AES256-CCM", kxECDHE, versionTLS12},
	{0xC0AE, "ECDHE-ECDSA-AES128-CCM8", kxECDHE, versionTLS12}, {0xC0AF, "ECDHE-ECDSA-AES256-CCM8", kxECDHE, versionTLS12},
	{0xC05C, "ECDHE-ECDSA-ARIA128-GCM-SHA256", kxECDHE, versionTLS12}, {0xC05D, "ECDHE-ECDSA-ARIA256-GCM-SHA384", kxECDHE, versionTLS12},
	{0xC060, "ECDHE-ARIA128-GCM-SHA256", kxECDHE, versionTLS12}, {0xC061, "ECDHE-ARIA256-GCM-SHA384", kxECDHE, versionTLS12},
	{0xC023, "ECDHE-ECDSA-AES128-SHA256", kxECDHE, versionTLS12}, {0xC024, "ECDHE-ECDSA-AES256-SHA384", kxECDHE, versionTLS12},
	{0xC027, "ECDHE-RSA-AES128-SHA256", kxECDHE, versionTLS12}, {0xC028, "ECDHE-RSA-AES256-SHA384", kxECDHE, versionTLS12},
	{0xC072, "ECDHE-ECDSA-CAMELLIA128-SHA256", kxECDHE, versionTLS12}, {0xC073, "ECDHE-ECDSA-CAMELLIA256-SHA384", kxECDHE, versionTLS12},
	{0xC076, "ECDHE-RSA-CAMELLIA128-SHA256", kxECDHE, versionTLS12}, {0xC077, "ECDHE-RSA-CAMELLIA256-SHA384", kxECDHE, versionTLS12},
	{0xC009, "ECDHE-ECDSA-AES128-SHA", kxECDHE, versionTLS10}, {0xC00A, "ECDHE-ECDSA-AES256-SHA", kxECDHE, versionTLS10},
	{0xC013, "ECDHE-RSA-AES128-SHA", kxECDHE, versionTLS10}, {0xC014, "ECDHE-RSA-AES256-SHA", kxECDHE, versionTLS10},
	{0xC008, "ECDHE-ECDSA-DES-CBC3-SHA", kxECDHE, versionTLS10}, {0xC012, "ECDHE-RSA-DES-CBC3-SHA", kxECDHE, versionTLS10},
	{0xC007, "ECDHE-ECDSA-RC4-SHA", kxECDHE, versionTLS10}, {0xC011, "ECDHE-RSA-RC4-SHA", kxECDHE, versionTLS10},
	{0xC006, "ECDHE-ECDSA-NULL-SHA", kxECDHE, versionTLS10}, {0xC010, "ECDHE-RSA-NULL-SHA", kxECDHE, versionTLS10},

	{0x009E, "DHE-RSA-AES128-GCM-SHA256", kxDHE, versionTLS12}, {0x009F, "DHE-RSA-AES256-GCM-SHA384", kxDHE, versionTLS12},
	{0xCCAA, "DHE-RSA-CHACHA20-POLY1305", kxDHE, versionTLS12}, {0x00A2, "DHE-DSS-AES128-GCM-SHA256", kxDHE, versionTLS12},
	{0x00A3, "DHE-DSS-AES256-GCM-SHA384", kxDHE, versionTLS12}, {0xC09E, "DHE-RSA-AES128-CCM", kxDHE, versionTLS12},
	{0xC09F, "DHE-RSA-AES256-CCM", kxDHE, versionTLS12}, {0xC0A2, "DHE-RSA-AES128-CCM8", kxDHE, versionTLS12},
	{0xC0A3, "DHE-RSA-AES256-CCM8", kxDHE, versionTLS12}, {0xC052, "DHE-RSA-ARIA128-GCM-SHA256", kxDHE, versionTLS12},
	{0xC053, "DHE-RSA-ARIA256-GCM-SHA384", kxDHE, versionTLS12}, {0x0067, "DHE-RSA-AES128-SHA256", kxDHE, versionTLS12},
	{0x006B, "DHE-RSA-AES256-SHA256", kxDHE, versionTLS12}, {0x0040, "DHE-DSS-AES128-SHA256", kxDHE, versionTLS12},
	{0x006A, "DHE-DSS-AES256-SHA256", kxDHE, versionTLS12}, {0x00BE, "DHE-RSA-CAMELLIA128-SHA256", kxDHE, versionTLS12},
	{0x00C4, "DHE-RSA-CAMELLIA256-SHA256", kxDHE, versionTLS12},
	{0x0033, "DHE-RSA-AES128-SHA", kxDHE, versionSSL30}, {0x0039, "DHE-RSA-AES256-SHA", kxDHE, versionSSL30},
	{0x0032, "DHE-DSS-AES128-SHA", kxDHE, versionSSL30}, {0x0038, "DHE-DSS-AES256-SHA", kxDHE, versionSSL30},
	{0x0045, "DHE-RSA-CAMELLIA128-SHA", kxDHE, versionSSL30}, {0x0088, "DHE-RSA-CAMELLIA256-SHA", kxDHE, versionSSL30},
	{0x0044, "DHE-DSS-CAMELLIA128-SHA", kxDHE, versionSSL30}, {0x0087, "DHE-DSS-CAMELLIA256-SHA", kxDHE, versionSSL30},
	{0x009A, "DHE-RSA-SEED-SHA", kxDHE, versionSSL30}, {0x0099, "DHE-DSS-SEED-SHA", kxDHE, versionSSL30},
	{0x0016, "EDH-RSA-DES-CBC3-SHA", kxDHE, versionSSL30}, {0x0013, "EDH-DSS-DES-CBC3-SHA", kxDHE, versionSSL30},
	{0x0015, "EDH-RSA-DES-CBC-SHA", kxDHE, versionSSL30}, {0x0012, "EDH-DSS-DES-CBC-SHA", kxDHE, versionSSL30},
	{0x0066, "DHE-DSS-RC4-SHA", kxDHE, versionSSL30},
	{0x0014, "EXP-EDH-RSA-DES-CBC-SHA", kxDHE, versionSSL30}, {0x0011, "EXP-EDH-DSS-DES-CBC-SHA", kxDHE, versionSSL30},

	{0x009C, "AES128-GCM-SHA256", kxRSA, versionTLS12}, {0x009D, "AES256-GCM-SHA384", kxRSA, versionTLS12},
	{0xC09C, "AES128-CCM", kxRSA, versionTLS12}, {0xC09D, "AES256-CCM", kxRSA, versionTLS12},
	{0xC0A0, "AES128-CCM8", kxRSA, versionTLS12}, {0xC0A1, "AES256-CCM8", kxRSA, versionTLS12},
	{0xC050, "ARIA128-GCM-SHA256", kxRSA, versionTLS12}, {0xC051, "ARIA256-GCM-SHA384", kxRSA, versionTLS12},
	{0x003C, "AES128-SHA256", kxRSA, versionTLS12}, {0x003D, "AES256-SHA256", kxRSA, versionTLS12},
	{0x00BA, "CAMELLIA128-SHA256", kxRSA, versionTLS12}, {0x00C0, "CAMELLIA256-SHA256", kxRSA, versionTLS12},
	{0x003B, "NULL-SHA256", kxRSA, versionTLS12},
	{0x002F, "AES128-SHA", kxRSA, versionSSL30}, {0x0035, "AES256-SHA", kxRSA, versionSSL30},
	{0x0041, "CAMELLIA128-SHA", kxRSA, versionSSL30}, {0x0084, "CAMELLIA256-SHA", kxRSA, versionSSL30},
	{0x0096, "SEED-SHA", kxRSA, versionSSL30}, {0x0007, "IDEA-CBC-SHA", kxRSA, versionSSL30},
	{0x000A, "DES-CBC3-SHA", kxRSA, versionSSL30}, {0x0009, "DES-CBC-SHA", kxRSA, versionSSL30},
	{0x0005, "RC4-SHA", kxRSA, versionSSL30}, {0x0004, "RC4-MD5", kxRSA, versionSSL30},
	{0x0002, "NULL-SHA", kxRSA, versionSSL30}, {0x0001, "NULL-MD5", kxRSA, versionSSL30},
	{0x0062, "EXP1024-DES-CBC-SHA", kxRSA, versionSSL30}, {0x0064, "EXP1024-RC4-SHA", kxRSA, versionSSL30},
	{0x0008, "EXP-DES-CBC-SHA", kxRSA, versionSSL30}, {0x0006, "EXP-RC2-CBC-MD5", kxRSA, versionSSL30},
	{0x0003, "EXP-RC4-MD5", kxRSA, versionSSL30},

	{0x00A6, "ADH-AES128-GCM-SHA256", kxAnon, versionTLS12}, {0x00A7, "ADH-AES256-GCM-SHA384", kxAnon, versionTLS12},
	{0x006C, "ADH-AES128-SHA256", kxAnon, versionTLS12}, {0x006D, "ADH-AES256-SHA256", kxAnon, versionTLS12},
	{0x0034, "ADH-AES128-SHA", kxAnon, versionSSL30}, {0x003A, "ADH-AES256-SHA", kxAnon, versionSSL30},
	{0x0046, "ADH-CAMELLIA128-SHA", kxAnon, versionSSL30}, {0x0089, "ADH-CAMELLIA256-SHA", kxAnon, versionSSL30},
	{0x001B, "ADH-DES-CBC3-SHA", kxAnon, versionSSL30}, {0x001A, "ADH-DES-CBC-SHA", kxAnon, versionSSL30},
	{0x0018, "ADH-RC4-MD5", kxAnon, versionSSL30}, {0x0019, "EXP-ADH-DES-CBC-SHA", kxAnon, versionSSL30},
	{0x0017, "EXP-ADH-RC4-MD5", kxAnon, versionSSL30},
	{0xC018, "AECDH-AES128-SHA", kxAnon, versionTLS10}, {0xC019, "AECDH-AES256-SHA", kxAnon, versionTLS10},
	{0xC017, "AECDH-DES-CBC3-SHA", kxAnon, versionTLS10}, {0xC016, "AECDH-RC4-SHA", kxAnon, versionTLS10},
	{0xC015, "AECDH-NULL-SHA", kxAnon, versionTLS10},
}

// lookupSuite finds a suite by id.
func lookupSuite(id uint16) (cipherSuite, bool) {
	for _, s := range cipherSuites {
		if s.id == id {
			return s, true
		}
	}
	return cipherSuite{}, false
}

// suiteName is a suite's OpenSSL name, or its number.
func suiteName(id uint16) string {
	if s, ok := lookupSuite(id); ok {
		return s.name
	}
	return fmt.Sprintf("0x%04X", id)
}

// suitesFor is the full offer of one version: every suite defined for
// it (TLS 1.3 has its own five).
func suitesFor(version uint16) []uint16 {
	var ids []uint16
	for _, s := range cipherSuites {
		if (version == versionTLS13) == (s.min == versionTLS13) && s.min <= version {
			ids = append(ids, s.id)
		}
	}
	return ids
}

// suitesDHE are the authenticated finite-field DHE suites of TLS 1.0–1.2,
// offered alone to read the server's DH group.
func suitesDHE() []uint16 {
	var ids []uint16
	for _, s := range cipherSuites {
		if s.kx == kxDHE {
			ids = append(ids, s.id)
		}
	}
	return ids
}

// errRefused means the server answered with an alert or closed the
// connection instead of choosing from the offer.
var errRefused = errors.New("offer refused")

// clientHello builds a ClientHello record offering version and suites
// (with SNI and the usual extensions unless it is SSL 3.0). A TLS 1.3
// hello offers TLS 1.3 alone, through supported_versions, with an X25519
// key share.
func clientHello(version uint16, suites []uint16, serverName string) []byte {
	legacy := version
	if version == versionTLS13 {
		legacy = versionTLS12
	}
	var body []byte
	body = binary.BigEndian.AppendUint16(body, legacy)
	random := make([]byte, 32)
	_, _ = rand.Read(random) // a predictable random only weakens the probe, never the scanner
	body = append(body, random...)
	if version == versionTLS13 {
		sid := make([]byte, 32) // middlebox compatibility mode (RFC 8446 D.4)
		_, _ = rand.Read(sid)
		body = append(body, 32)
		body = append(body, sid...)
	} else {
		body = append(body, 0) // no session id
	}
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
		sigs := []uint16{0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201, 0x0402, 0x0202}
		sa := binary.BigEndian.AppendUint16(nil, uint16(2*len(sigs)))
		for _, s := range sigs {
			sa = binary.BigEndian.AppendUint16(sa, s)
		}
		ext = appendExt(ext, 0x000d, sa)
		if version == versionTLS13 {
			ext = appendExt(ext, 0x002b, []byte{2, 0x03, 0x04}) // supported_versions: TLS 1.3 only
			ext = appendExt(ext, 0x002d, []byte{1, 1})          // psk_key_exchange_modes: psk_dhe_ke
			if key, err := ecdh.X25519().GenerateKey(rand.Reader); err == nil {
				pub := key.PublicKey().Bytes()
				ks := binary.BigEndian.AppendUint16(nil, uint16(4+len(pub)))
				ks = binary.BigEndian.AppendUint16(ks, 0x001d)
				ks = binary.BigEndian.AppendUint16(ks, uint16(len(pub)))
				ext = appendExt(ext, 0x0033, append(ks, pub...))
			}
		} else {
			ext = appendExt(ext, 0xff01, []byte{0}) // secure renegotiation
		}
		// Some old servers hang on a ClientHello of 256 to 511 bytes: pad
		// it past 512 as browsers do (RFC 7685).
		if n := 4 + len(body) + 2 + len(ext); n > 0xff && n < 0x200 {
			pad := 0x200 - n
			if pad >= 4+1 {
				pad -= 4
			} else {
				pad = 1
			}
			ext = appendExt(ext, 0x0015, make([]byte, pad))
		}
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

// Bounds on what a probe reads from a server.
const (
	maxRecord       = 1<<14 + 2048 // TLSCiphertext's largest fragment
	maxHandshakeMsg = 1 << 17      // a Certificate message with a long chain
	maxFlight       = 1 << 18      // everything a probe reads
)

// handshakeReader splits TLS handshake records into handshake messages,
// which may span records or share one.
type handshakeReader struct {
	r     io.Reader
	buf   []byte
	total int
}

// next returns the next handshake message. An alert, or a connection
// closed before a whole message, is errRefused; a record that is not a
// handshake, or a length beyond the bounds, is a protocol error.
func (h *handshakeReader) next() (typ byte, body []byte, err error) {
	for {
		if len(h.buf) >= 4 {
			n := int(h.buf[1])<<16 | int(h.buf[2])<<8 | int(h.buf[3])
			if n > maxHandshakeMsg {
				return 0, nil, fmt.Errorf("handshake message of %d bytes", n)
			}
			if len(h.buf) >= 4+n {
				typ, body = h.buf[0], h.buf[4:4+n]
				h.buf = h.buf[4+n:]
				return typ, body, nil
			}
		}
		var hdr [5]byte
		if _, err := io.ReadFull(h.r, hdr[:]); err != nil {
			return 0, nil, errRefused
		}
		length := int(binary.BigEndian.Uint16(hdr[3:5]))
		if hdr[0] == 21 {
			return 0, nil, errRefused // an alert
		}
		if hdr[0] != 22 {
			return 0, nil, fmt.Errorf("not a TLS handshake record (type %d)", hdr[0])
		}
		if length == 0 || length > maxRecord || h.total+length > maxFlight {
			return 0, nil, fmt.Errorf("TLS record of %d bytes", length)
		}
		h.total += length
		rec := make([]byte, length)
		if _, err := io.ReadFull(h.r, rec); err != nil {
			return 0, nil, errRefused
		}
		h.buf = append(h.buf, rec...)
	}
}

// serverFlight is what a server answered to one ClientHello.
type serverFlight struct {
	version uint16 // negotiated (supported_versions for TLS 1.3)
	suite   uint16
	// certs is the chain of the Certificate message (TLS 1.2 and earlier
	// send it in clear), leaf first, as DER.
	certs [][]byte
	// dhBits is the length of the DH prime p in a DHE ServerKeyExchange.
	dhBits int
}

// parseServerHello reads the server's first record and returns the
// version and cipher suite it chose.
func parseServerHello(r io.Reader) (uint16, uint16, error) {
	f, err := readServerFlight(r, false)
	return f.version, f.suite, err
}

// readServerFlight reads the ServerHello and, when full, the rest of a
// TLS 1.0–1.2 server's first flight (Certificate, ServerKeyExchange) up
// to ServerHelloDone. Once the ServerHello is read, a fault further on
// only cuts the flight short: the server did choose.
func readServerFlight(r io.Reader, full bool) (serverFlight, error) {
	h := &handshakeReader{r: r}
	typ, body, err := h.next()
	if err != nil {
		return serverFlight{}, err
	}
	if typ != 2 {
		return serverFlight{}, fmt.Errorf("first handshake message is not a ServerHello")
	}
	f, err := parseServerHelloBody(body)
	if err != nil || !full || f.version > versionTLS12 {
		return f, err
	}
	kx := kxRSA
	if s, ok := lookupSuite(f.suite); ok {
		kx = s.kx
	}
	for {
		typ, body, err := h.next()
		if err != nil {
			return f, nil
		}
		switch typ {
		case 11: // Certificate
			f.certs = parseCertificateMsg(body)
		case 12: // ServerKeyExchange
			if kx == kxDHE || kx == kxAnon {
				f.dhBits = dhPrimeBits(body)
			}
		case 14: // ServerHelloDone
			return f, nil
		}
	}
}

// parseServerHelloBody reads a ServerHello's version, suite and, for TLS
// 1.3, the version in its supported_versions extension.
func parseServerHelloBody(b []byte) (serverFlight, error) {
	if len(b) < 2+32+1 {
		return serverFlight{}, fmt.Errorf("truncated ServerHello")
	}
	f := serverFlight{version: binary.BigEndian.Uint16(b[0:2])}
	sidLen := int(b[34])
	rest := b[35:]
	if len(rest) < sidLen+2 {
		return serverFlight{}, fmt.Errorf("truncated ServerHello")
	}
	rest = rest[sidLen:]
	f.suite = binary.BigEndian.Uint16(rest)
	rest = rest[2:]
	if len(rest) < 1+2 {
		return f, nil // compression, and no extensions
	}
	extLen := int(binary.BigEndian.Uint16(rest[1:3]))
	ext := rest[3:]
	if extLen < len(ext) {
		ext = ext[:extLen]
	}
	for len(ext) >= 4 {
		typ, n := binary.BigEndian.Uint16(ext), int(binary.BigEndian.Uint16(ext[2:]))
		if len(ext) < 4+n {
			break
		}
		if typ == 0x002b && n == 2 {
			f.version = binary.BigEndian.Uint16(ext[4:])
		}
		ext = ext[4+n:]
	}
	return f, nil
}

// parseCertificateMsg returns the DER certificates of a TLS 1.0–1.2
// Certificate message (nil when it is malformed).
func parseCertificateMsg(b []byte) [][]byte {
	if len(b) < 3 {
		return nil
	}
	n := int(b[0])<<16 | int(b[1])<<8 | int(b[2])
	b = b[3:]
	if n > len(b) {
		return nil
	}
	b = b[:n]
	var certs [][]byte
	for len(b) >= 3 {
		m := int(b[0])<<16 | int(b[1])<<8 | int(b[2])
		if m == 0 || m > len(b)-3 {
			return nil
		}
		certs = append(certs, b[3:3+m])
		b = b[3+m:]
	}
	return certs
}

// dhPrimeBits is the size in bits of the prime p of a DHE (or anonymous
// DH) ServerKeyExchange, which starts with p, g and Ys, each with a
// two-byte length; 0 when it is malformed.
func dhPrimeBits(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	n := int(binary.BigEndian.Uint16(b))
	if n == 0 || n > len(b)-2 {
		return 0
	}
	return new(big.Int).SetBytes(b[2 : 2+n]).BitLen()
}

// prober offers handshakes to one TLS endpoint.
type prober struct {
	addr       string
	serverName string
	dialer     *net.Dialer
	timeout    time.Duration
	pace       func(ctx context.Context, host string) error
}

// offer sends one ClientHello and returns what the server chose (and,
// when full, the rest of its first flight), or errRefused.
func (p *prober) offer(ctx context.Context, version uint16, suites []uint16, full bool) (serverFlight, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	if p.pace != nil {
		if err := p.pace(ctx, p.serverName); err != nil {
			return serverFlight{}, err
		}
	}
	conn, err := p.dialer.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return serverFlight{}, err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if _, err := conn.Write(clientHello(version, suites, p.serverName)); err != nil {
		return serverFlight{}, errRefused
	}
	return readServerFlight(conn, full)
}

// accepts reports whether the server completes a hello offering only
// suites at version (and at no higher version than asked; a TLS 1.2
// offer also counts when the server answers with TLS 1.0 or 1.1).
func (p *prober) accepts(ctx context.Context, version uint16, suites []uint16) (bool, uint16, error) {
	ok, f, err := p.acceptsFlight(ctx, version, suites, false)
	return ok, f.suite, err
}

// acceptsFlight is accepts that also returns the server's flight.
func (p *prober) acceptsFlight(ctx context.Context, version uint16, suites []uint16, full bool) (bool, serverFlight, error) {
	f, err := p.offer(ctx, version, suites, full)
	switch {
	case errors.Is(err, errRefused):
		return false, serverFlight{}, nil
	case err != nil:
		return false, serverFlight{}, err
	}
	return f.version == version || (version == versionTLS12 && f.version >= versionTLS10 && f.version <= versionTLS12), f, nil
}
