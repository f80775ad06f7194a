package webscan

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"encoding/binary"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

// Public Diffie-Hellman groups for the DHE test servers (fixed, so that
// no test waits for a safe prime to be generated).
var (
	// rfc2409Group2 is the 1,024-bit MODP group of RFC 2409 (Oakley
	// group 2), the group behind most of the weak DH servers Logjam found.
	rfc2409Group2 = dhPrime(`FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1
		29024E08 8A67CC74 020BBEA6 3B139B22 514A0879 8E3404DD EF9519B3 CD3A431B 302B0A6D F25F1437
		4FE1356D 6D51C245 E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED EE386BFB 5A899FA5
		AE9F2411 7C4B1FE6 49286651 ECE65381 FFFFFFFF FFFFFFFF`)
	// rfc7919FFDHE2048 is ffdhe2048 of RFC 7919.
	rfc7919FFDHE2048 = dhPrime(`FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1
		D8B9C583 CE2D3695 A9E13641 146433FB CC939DCE 249B3EF9 7D2FE363 630C75D8 F681B202 AEC4617A
		D3DF1ED5 D5FD6561 2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935 984F0C70 E0E68B77
		E2A689DA F3EFE872 1DF158A1 36ADE735 30ACCA4F 483A797A BC0AB182 B324FB61 D108A94B B2C8E3FB
		B96ADAB7 60D7F468 1D4F42A3 DE394DF4 AE56EDE7 6372BB19 0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC
		C03404CD 28342F61 9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73 3BB5FCBC 2EC22005
		C58EF183 7D1683B2 C6F34A26 C1B2EFFA 886B4238 61285C97 FFFFFFFF FFFFFFFF`)
)

func dhPrime(hex string) *big.Int {
	p, ok := new(big.Int).SetString(strings.Join(strings.Fields(hex), ""), 16)
	if !ok {
		panic("bad DH prime")
	}
	return p
}

// dhParamsPEM is p with generator 2 as an OpenSSL "DH PARAMETERS" file
// (PKCS #3), which nginx's ssl_dhparam reads.
func dhParamsPEM(p *big.Int) []byte {
	der, err := asn1.Marshal(struct{ P, G *big.Int }{p, big.NewInt(2)})
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "DH PARAMETERS", Bytes: der})
}

// TestDHGroups: the hard-coded groups are safe primes of their size (a
// typo in a constant would not be).
func TestDHGroups(t *testing.T) {
	for bits, p := range map[int]*big.Int{1024: rfc2409Group2, 2048: rfc7919FFDHE2048} {
		q := new(big.Int).Rsh(p, 1)
		if p.BitLen() != bits || !p.ProbablyPrime(16) || !q.ProbablyPrime(16) {
			t.Errorf("the %d-bit group is not a safe prime of %d bits", bits, bits)
		}
	}
}

// The DHE configurations of the nginx tests. OpenSSL 3 offers TLS 1.0/1.1
// only at security level 0, and a 1,024-bit group only below level 2
// (Debian's default).
const (
	dheOnlyLegacyTLS = `  ssl_protocols TLSv1 TLSv1.1 TLSv1.2;
  ssl_ciphers DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-SHA256:DHE-RSA-AES128-SHA256:DHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA:@SECLEVEL=0;
  ssl_prefer_server_ciphers on;`
	tls13DHEOnly12 = `  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_ciphers DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=1;
  ssl_prefer_server_ciphers on;`
	// intermediateTLS is Mozilla's "intermediate" profile: ECDHE first,
	// DHE with ffdhe2048 for old clients.
	intermediateTLS = `  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305;
  ssl_prefer_server_ciphers off;`
)

// dheCases are the nginx configurations with finite-field DHE, on
// addresses the other cases do not use.
func dheCases(t testing.TB, ca *testCA) []nginxCase {
	now := time.Now()
	rsa := func(ip string) ([]byte, []byte) {
		return pemCert(ca, t, ip, nil, now.Add(-time.Hour), now.Add(90*24*time.Hour), 2048)
	}
	site := func(name, ip, tlsConf string, dh *big.Int) nginxSite {
		c, k := rsa(ip)
		return nginxSite{name: name, ip: ip, certPEM: c, keyPEM: k, tls: tlsConf, headers: strictHeaders, files: siteFiles(cleanIndex, nil), dhparam: dhParamsPEM(dh)}
	}
	// Only DHE, TLS 1.0–1.2, 2048-bit group: no current browser (nor Go)
	// connects, so the page is not fetched; every TLS check still runs.
	pageChecks := []string{"exposed.files", "exposed.directory-listing", "http.methods", "security.txt",
		"headers.csp", "headers.cookies", "headers.cors", "headers.redirection", "headers.referrer-policy", "headers.hsts",
		"headers.sri", "headers.x-content-type-options", "headers.x-frame-options", "headers.coop", "headers.coep", "headers.corp",
		"https.redirect", "leak.server-version", "content.injected-links", "content.defacement", "content.mixed"}
	return []nginxCase{
		{site: site("dhe-legacy", "127.0.80.21", dheOnlyLegacyTLS, rfc7919FFDHE2048), wantGrade: "F",
			wantFail: []string{"https.available", "tls.protocols"}, wantWarn: []string{"tls.ciphers"}, wantError: pageChecks,
			evidence: map[string][]string{"tls.protocols": {"TLSv1.0, TLSv1.1, TLSv1.2"}, "tls.ciphers": {"DH group 2048 bits", "CBC"},
				"https.available": {"TLSv1.2 DHE-RSA-AES256-GCM-SHA384"}, "tls.certificate": {"127.0.80.21"}}},
		// TLS 1.3, and TLS 1.2 with DHE only on a 1,024-bit group: the page
		// comes over TLS 1.3; the group caps the grade at B.
		{site: site("dhe1024-tls13", "127.0.80.22", tls13DHEOnly12, rfc2409Group2), wantGrade: "B",
			wantFail: []string{"tls.ciphers"},
			evidence: map[string][]string{"tls.protocols": {"TLSv1.2, TLSv1.3"}, "tls.ciphers": {"DH group 1024 bits"}}},
		// ECDHE first, DHE with ffdhe2048 for old clients: nothing to fault.
		{site: site("intermediate", "127.0.80.23", intermediateTLS, rfc7919FFDHE2048), wantGrade: "A+",
			evidence: map[string][]string{"tls.protocols": {"TLSv1.2, TLSv1.3"}, "tls.ciphers": {"DH group 2048 bits"}}},
	}
}

// TestDHGroupCap: the DH group caps the grade after the SSL Labs guide;
// a server without DHE, or with a 2048-bit group, is not capped.
func TestDHGroupCap(t *testing.T) {
	ca := newTestCA(t)
	leaf := ca.rsaLeaf(t, 2048)
	for _, c := range []struct {
		dhe    bool
		bits   int
		result string
		grade  string
		sev    string
	}{
		{false, 0, Pass, "", Info}, {true, 0, Pass, "", Info}, {true, 4096, Pass, "", Info}, {true, 2048, Pass, "", Info},
		{true, 2047, Fail, "B", "medium"}, {true, 1536, Fail, "B", "medium"}, {true, 1024, Fail, "B", "medium"},
		{true, 1023, Fail, "F", "critical"}, {true, 768, Fail, "F", "critical"}, {true, 512, Fail, "F", "critical"},
	} {
		f := &TLSFacts{Versions: map[string]bool{"TLSv1.2": true, "TLSv1.3": true}, Weak: map[string]bool{}, ForwardSecrecy: true, AEAD: true,
			DHE: c.dhe, DHBits: c.bits, Chain: leafChain(t, leaf.Certificate[0]), Now: time.Now()}
		checks, caps := TLSChecks(f)
		ciphers := checks[1]
		grade := ""
		for _, cp := range caps {
			if cp.Check == TLSCiphers {
				grade = cp.Grade
			}
		}
		if ciphers.ID != "tls.ciphers" || ciphers.Result != c.result || grade != c.grade || ciphers.Severity != c.sev {
			t.Errorf("DHE %v, %d bits: %s %s %s, cap %q; want %s %s, cap %q", c.dhe, c.bits, ciphers.ID, ciphers.Result, ciphers.Severity, grade, c.result, c.sev, c.grade)
		}
		if c.bits > 0 && !strings.Contains(ciphers.Evidence, "DH group") {
			t.Errorf("%d bits: evidence %q names no DH group", c.bits, ciphers.Evidence)
		}
		if c.grade != "" && (!strings.Contains(ciphers.DetailEN, "DH group") || !strings.Contains(ciphers.Detail, "nhóm DH")) {
			t.Errorf("%d bits: detail %q / %q", c.bits, ciphers.DetailEN, ciphers.Detail)
		}
	}
}

func leafChain(t *testing.T, der []byte) []*x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return []*x509.Certificate{c}
}

// fakeDHEServer is a TLS server that, like an old one, speaks only DHE:
// to a ClientHello offering one of its suites at a version it has, it
// answers ServerHello, Certificate, ServerKeyExchange (the DH prime p)
// and ServerHelloDone, the certificate split across two records; to any
// other hello, a handshake_failure alert. It completes no handshake:
// the probes read no further.
func fakeDHEServer(t *testing.T, certDER []byte, p *big.Int, minV, maxV uint16, suites ...uint16) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				var hdr [5]byte
				if _, err := io.ReadFull(c, hdr[:]); err != nil {
					return
				}
				body := make([]byte, binary.BigEndian.Uint16(hdr[3:]))
				if _, err := io.ReadFull(c, body); err != nil || len(body) < 4+2+32+1 {
					return
				}
				h := body[4:]
				v := min(binary.BigEndian.Uint16(h), maxV)
				h = h[34:]
				h = h[1+int(h[0]):]
				n := int(binary.BigEndian.Uint16(h))
				offered := h[2 : 2+n]
				chosen := uint16(0)
				for _, s := range suites {
					for i := 0; i+1 < len(offered); i += 2 {
						if binary.BigEndian.Uint16(offered[i:]) == s && chosen == 0 {
							chosen = s
						}
					}
				}
				if chosen == 0 || v < minV {
					c.Write([]byte{21, 3, 3, 0, 2, 2, 40}) // handshake_failure
					return
				}
				c.Write(dheFlight(v, chosen, certDER, p))
			}()
		}
	}()
	return ln.Addr().String()
}

// dheFlight is a server's first flight for a DHE suite, in three
// records: ServerHello with the first half of Certificate, the rest of
// Certificate, then ServerKeyExchange and ServerHelloDone.
func dheFlight(version, suite uint16, certDER []byte, p *big.Int) []byte {
	msg := func(typ byte, body []byte) []byte {
		return append([]byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
	}
	sh := binary.BigEndian.AppendUint16(nil, version)
	sh = append(sh, bytes.Repeat([]byte{7}, 32)...)
	sh = append(sh, 0)
	sh = binary.BigEndian.AppendUint16(sh, suite)
	sh = append(sh, 0)
	sh = binary.BigEndian.AppendUint16(sh, 5)
	sh = append(sh, 0xff, 0x01, 0, 1, 0) // renegotiation_info
	chain := append([]byte{byte(len(certDER) >> 16), byte(len(certDER) >> 8), byte(len(certDER))}, certDER...)
	cert := append([]byte{byte(len(chain) >> 16), byte(len(chain) >> 8), byte(len(chain))}, chain...)
	pb := p.Bytes()
	ske := binary.BigEndian.AppendUint16(nil, uint16(len(pb)))
	ske = append(ske, pb...)
	ske = append(ske, 0, 1, 2)                                // g = 2
	ske = binary.BigEndian.AppendUint16(ske, uint16(len(pb))) // Ys
	ske = append(ske, bytes.Repeat([]byte{0x5a}, len(pb))...) //
	ske = append(ske, 4, 1, 1, 0)                             // rsa_pkcs1_sha256, 256-byte signature
	ske = append(ske, bytes.Repeat([]byte{0x33}, 256)...)     //
	hs := append(append(append(msg(2, sh), msg(11, cert)...), msg(12, ske)...), msg(14, nil)...)
	cut1 := len(msg(2, sh)) + len(cert)/2
	cut2 := len(msg(2, sh)) + len(msg(11, cert))
	var out []byte
	for _, part := range [][]byte{hs[:cut1], hs[cut1:cut2], hs[cut2:]} {
		out = append(out, 22, byte(version>>8), byte(version))
		out = binary.BigEndian.AppendUint16(out, uint16(len(part)))
		out = append(out, part...)
	}
	return out
}

// TestDHEOnlyServer: a server that speaks only DHE (TLS 1.0–1.2) and no
// plain HTTP at all is assessed, not reported unreachable: its versions,
// suites, DH group and certificate (read from the raw handshake) are
// judged; the page checks say why the page could not be fetched; the
// grade is F because no current browser connects, and says so.
func TestDHEOnlyServer(t *testing.T) {
	ca := newTestCA(t)
	leaf := ca.rsaLeaf(t, 2048)
	addr := fakeDHEServer(t, leaf.Certificate[0], rfc7919FFDHE2048, versionTLS10, versionTLS12, 0x009F, 0x0039)
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	httpPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	rep, err := Assess(context.Background(), "https://"+addr+"/", Options{RootCAs: ca.pool, AllowPrivate: true, Timeout: 20 * time.Second, HTTPPort: httpPort})
	if err != nil {
		t.Fatalf("a DHE-only server is reported unreachable: %v", err)
	}
	got := checksByID(rep)
	for id, want := range map[string]string{"https.available": Fail, "tls.protocols": Fail, "tls.ciphers": Warn, "tls.certificate": Pass, "tls.certificate.expiry": Pass,
		"headers.hsts": Error, "headers.csp": Error, "https.redirect": Error, "exposed.files": Error, "content.injected-links": Error} {
		if got[id].Result != want {
			t.Errorf("%s = %s (%s | %s), want %s", id, got[id].Result, got[id].DetailEN, got[id].Evidence, want)
		}
	}
	if ev := got["tls.protocols"].Evidence; !strings.Contains(ev, "TLSv1.0, TLSv1.1, TLSv1.2") || strings.Contains(ev, "TLSv1.3") {
		t.Errorf("tls.protocols evidence %q", ev)
	}
	if ev := got["tls.ciphers"].Evidence; !strings.Contains(ev, "DH group 2048 bits") {
		t.Errorf("tls.ciphers evidence %q", ev)
	}
	h := got["https.available"]
	if !strings.Contains(h.DetailEN, "only with DHE key exchange (DHE-RSA-AES256-SHA, DHE-RSA-AES256-GCM-SHA384)") || !strings.Contains(h.Detail, "chỉ cho trao đổi khóa DHE") ||
		strings.Contains(h.DetailEN, "does not answer over HTTPS") || !strings.Contains(h.RemediationEN, "ECDHE") {
		t.Errorf("https.available: %q / %q / %q", h.DetailEN, h.Detail, h.RemediationEN)
	}
	if d := got["headers.hsts"]; !strings.HasPrefix(d.DetailEN, "Not assessed: The server speaks HTTPS") || !strings.HasPrefix(d.Detail, "Không đánh giá được: Máy chủ có HTTPS") ||
		d.ScoreModifier != nil || d.Remediation != "" {
		t.Errorf("headers.hsts: %+v", d)
	}
	if rep.Grade != "F" || rep.Score != 0 || !slices.Equal(rep.CappedBy, []string{"https.available"}) ||
		!strings.Contains(rep.CapReasonEN, capBrowsersRefuse) || !strings.Contains(rep.CapReason, "trình duyệt hiện nay") || rep.Fingerprint.Hash != "" {
		t.Errorf("grade %s score %d capped by %v: %q / %q", rep.Grade, rep.Score, rep.CappedBy, rep.CapReasonEN, rep.CapReason)
	}

	// TLS 1.2 only with a 1,024-bit group (served over the same fake):
	// the DH cap is B, the whole grade still F for want of a usable HTTPS.
	addr = fakeDHEServer(t, leaf.Certificate[0], rfc2409Group2, versionTLS12, versionTLS12, 0x009E)
	facts, err := ProbeTLS(context.Background(), "https://"+addr+"/", Options{RootCAs: ca.pool, AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	if !facts.DHE || facts.DHBits != 1024 || facts.ClientErr == nil || !facts.Versions["TLSv1.2"] || facts.Versions["TLSv1.1"] || facts.Chosen["TLSv1.2"] != "DHE-RSA-AES128-GCM-SHA256" || len(facts.Chain) != 1 {
		t.Errorf("facts: %+v", facts)
	}
}

// TestServerFlight: the hand-built handshake reads the version a TLS 1.3
// server gives in supported_versions, and from a TLS 1.2 flight split
// across records the certificate chain and the DH prime's size.
func TestServerFlight(t *testing.T) {
	ca := newTestCA(t)
	leaf := ca.rsaLeaf(t, 2048)
	for _, bits := range []int{1024, 2048} {
		p := map[int]*big.Int{1024: rfc2409Group2, 2048: rfc7919FFDHE2048}[bits]
		f, err := readServerFlight(bytes.NewReader(dheFlight(versionTLS12, 0x009E, leaf.Certificate[0], p)), true)
		if err != nil || f.version != versionTLS12 || f.suite != 0x009E || f.dhBits != bits || len(f.certs) != 1 || !bytes.Equal(f.certs[0], leaf.Certificate[0]) {
			t.Errorf("%d-bit flight: %v %+v", bits, err, f)
		}
		// Only the ServerHello when the rest is not asked for.
		if f, err := readServerFlight(bytes.NewReader(dheFlight(versionTLS12, 0x009E, leaf.Certificate[0], p)), false); err != nil || f.certs != nil || f.dhBits != 0 {
			t.Errorf("hello only: %v %+v", err, f)
		}
	}
	// A flight cut short after the ServerHello still tells the choice.
	full := dheFlight(versionTLS10, 0x0039, leaf.Certificate[0], rfc7919FFDHE2048)
	first := 5 + int(binary.BigEndian.Uint16(full[3:5]))
	if f, err := readServerFlight(bytes.NewReader(full[:first+10]), true); err != nil || f.version != versionTLS10 || f.suite != 0x0039 {
		t.Errorf("cut flight: %v %+v", err, f)
	}
	// An ECDHE ServerKeyExchange is not read as a DH group.
	ecdhe := dheFlight(versionTLS12, 0xC02F, leaf.Certificate[0], rfc7919FFDHE2048)
	if f, _ := readServerFlight(bytes.NewReader(ecdhe), true); f.dhBits != 0 {
		t.Errorf("ECDHE suite read as a %d-bit DH group", f.dhBits)
	}
	// TLS 1.3: legacy version 1.2, the real one in supported_versions.
	sh := binary.BigEndian.AppendUint16(nil, versionTLS12)
	sh = append(sh, bytes.Repeat([]byte{1}, 32)...)
	sh = append(sh, 0, 0x13, 0x01, 0)
	sh = binary.BigEndian.AppendUint16(sh, 6)
	sh = append(sh, 0x00, 0x2b, 0, 2, 0x03, 0x04)
	rec := append([]byte{22, 3, 3, 0, byte(4 + len(sh)), 2, 0, 0, byte(len(sh))}, sh...)
	if v, s, err := parseServerHello(bytes.NewReader(rec)); err != nil || v != versionTLS13 || s != 0x1301 {
		t.Errorf("TLS 1.3 ServerHello: %x %x %v", v, s, err)
	}
	// An alert, a closed connection, a record that is not TLS.
	for name, in := range map[string][]byte{"alert": {21, 3, 3, 0, 2, 2, 40}, "closed": nil, "truncated": {22, 3, 3, 0, 50, 2}} {
		if _, err := readServerFlight(bytes.NewReader(in), true); err != errRefused {
			t.Errorf("%s: %v, want refused", name, err)
		}
	}
	if _, err := readServerFlight(bytes.NewReader([]byte("HTTP/1.1 400 Bad Request\r\n\r\n")), true); err == nil || err == errRefused {
		t.Errorf("plain HTTP: %v", err)
	}
}

// TestClientHelloOffers: each version's hello offers that version's full
// list (DHE included), a TLS 1.3 hello offers TLS 1.3 alone with a key
// share, and no hello is 256 to 511 bytes long (RFC 7685).
func TestClientHelloOffers(t *testing.T) {
	for _, v := range []uint16{versionSSL30, versionTLS10, versionTLS11, versionTLS12, versionTLS13} {
		suites := suitesFor(v)
		hello := clientHello(v, suites, "portal.example.gov.vn")
		if int(binary.BigEndian.Uint16(hello[3:5])) != len(hello)-5 || int(hello[6])<<16|int(hello[7])<<8|int(hello[8]) != len(hello)-9 {
			t.Fatalf("%s: record or handshake length", versionNames[v])
		}
		if n := len(hello) - 5; n > 0xff && n < 0x200 {
			t.Errorf("%s: a %d-byte ClientHello (some servers hang on 256–511)", versionNames[v], n)
		}
		hasDHE := slices.Contains(suites, 0x0039)
		if (v < versionTLS13) != hasDHE || (v == versionTLS12) != slices.Contains(suites, 0x009F) || (v == versionTLS13) != slices.Contains(suites, 0x1301) ||
			(v >= versionTLS10 && v <= versionTLS12) != slices.Contains(suites, 0xC013) {
			t.Errorf("%s offers %d suites: DHE %v", versionNames[v], len(suites), hasDHE)
		}
		if v == versionTLS13 && (!bytes.Contains(hello, []byte{0x00, 0x2b, 0, 3, 2, 3, 4}) || !bytes.Contains(hello, []byte{0x00, 0x33})) {
			t.Errorf("TLS 1.3 hello without supported_versions or key_share")
		}
	}
	for _, id := range suitesDHE() {
		if s, _ := lookupSuite(id); s.kx != kxDHE || !strings.HasPrefix(s.name, "DHE-") && !strings.HasPrefix(s.name, "EDH-") && !strings.HasPrefix(s.name, "EXP-EDH-") {
			t.Errorf("%04x %s is offered as DHE", id, s.name)
		}
	}
	seen := map[uint16]bool{}
	for _, s := range cipherSuites {
		if seen[s.id] {
			t.Errorf("suite %04x listed twice", s.id)
		}
		seen[s.id] = true
	}
}

// FuzzReadServerFlight: whatever a server sends, the reader neither
// panics nor reads a DH group or a certificate larger than what it got.
func FuzzReadServerFlight(f *testing.F) {
	ca := newTestCA(f)
	leaf := ca.rsaLeaf(f, 1024)
	f.Add(dheFlight(versionTLS12, 0x009E, leaf.Certificate[0], rfc2409Group2))
	f.Add(dheFlight(versionTLS10, 0x0039, []byte{1, 2, 3}, big.NewInt(23)))
	f.Add([]byte{22, 3, 3, 0, 42, 2, 0, 0, 38, 3, 3})
	f.Add([]byte{21, 3, 3, 0, 2, 2, 40})
	f.Fuzz(func(t *testing.T, data []byte) {
		fl, err := readServerFlight(bytes.NewReader(data), true)
		if err != nil {
			return
		}
		if fl.dhBits > 8*len(data) {
			t.Fatalf("a %d-bit DH group from %d bytes", fl.dhBits, len(data))
		}
		total := 0
		for _, c := range fl.certs {
			total += len(c)
		}
		if total > len(data) {
			t.Fatalf("%d certificate bytes from %d", total, len(data))
		}
	})
}
