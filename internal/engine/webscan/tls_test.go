package webscan

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// testCA issues leaf certificates for TLS test servers.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
	// issuerURL, when set, goes into the certificates it issues as where
	// its own certificate is published (AIA caIssuers).
	issuerURL string
}

func newTestCA(t testing.TB) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Khiên test CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

func (ca *testCA) leaf(t testing.TB, ip string, dns []string, notBefore, notAfter time.Time) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	return ca.sign(t, ip, dns, notBefore, notAfter, key, &key.PublicKey)
}

// rsaLeaf issues an RSA certificate (static-RSA key exchange needs one).
func (ca *testCA) rsaLeaf(t testing.TB, bits int) tls.Certificate {
	return ca.rsaLeafFor(t, "127.0.0.1", bits)
}

func (ca *testCA) rsaLeafFor(t testing.TB, ip string, bits int) tls.Certificate {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return ca.sign(t, ip, nil, time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour), key, &key.PublicKey)
}

func (ca *testCA) sign(t testing.TB, ip string, dns []string, notBefore, notAfter time.Time, key crypto.Signer, pub any) tls.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "portal"}, DNSNames: dns,
		NotBefore: notBefore, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	if ip != "" {
		tmpl.IPAddresses = []net.IP{net.ParseIP(ip)}
	}
	if ca.issuerURL != "" {
		tmpl.IssuingCertificateURL = []string{ca.issuerURL}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func tlsServer(t *testing.T, cfg *tls.Config) *httptest.Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(http.HandlerFunc(strictHandler))
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // refused probes are expected
	ts.TLS = cfg
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts
}

func checksByID(rep Report) map[string]Check {
	m := map[string]Check{}
	for _, c := range rep.Checks {
		m[c.ID] = c
	}
	return m
}

func TestTLSConfigurations(t *testing.T) {
	ca := newTestCA(t)
	now := time.Now()
	good := ca.leaf(t, "127.0.0.1", nil, now.Add(-time.Hour), now.Add(90*24*time.Hour))
	cases := []struct {
		name  string
		cfg   *tls.Config
		fails []string
		grade string
	}{
		{"modern", &tls.Config{Certificates: []tls.Certificate{good}}, nil, "A+"},
		{"legacy TLS 1.0 with RSA key exchange, 3DES and CBC only", &tls.Config{Certificates: []tls.Certificate{ca.rsaLeaf(t, 2048)}, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS12,
			CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}}, []string{"tls.protocols", "tls.ciphers"}, "C"},
		{"expired certificate", &tls.Config{Certificates: []tls.Certificate{ca.leaf(t, "127.0.0.1", nil, now.Add(-60*24*time.Hour), now.Add(-24*time.Hour))}},
			[]string{"tls.certificate", "tls.certificate.expiry", "https.available"}, "F"},
		{"wrong host", &tls.Config{Certificates: []tls.Certificate{ca.leaf(t, "", []string{"other.example"}, now.Add(-time.Hour), now.Add(90*24*time.Hour))}},
			[]string{"tls.certificate", "https.available"}, "F"},
		{"1024-bit RSA key", &tls.Config{Certificates: []tls.Certificate{ca.rsaLeaf(t, 1024)}}, []string{"tls.certificate"}, "B"},
		{"expiring in 3 days", &tls.Config{Certificates: []tls.Certificate{ca.leaf(t, "127.0.0.1", nil, now.Add(-time.Hour), now.Add(3*24*time.Hour))}},
			[]string{"tls.certificate.expiry"}, "A+"},
	}
	for _, c := range cases {
		ts := tlsServer(t, c.cfg)
		rep, err := Assess(context.Background(), ts.URL+"/", Options{RootCAs: ca.pool, AllowPrivate: true, Timeout: 20 * time.Second})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := checksByID(rep)
		for _, id := range []string{"tls.protocols", "tls.ciphers", "tls.certificate", "tls.certificate.expiry", "https.available"} {
			want := false
			for _, f := range c.fails {
				want = want || f == id
			}
			if (got[id].Result == Fail) != want {
				t.Errorf("%s: %s = %s (%s; %s), want fail=%v", c.name, id, got[id].Result, got[id].DetailEN, got[id].Evidence, want)
			}
		}
		if rep.Grade != c.grade {
			t.Errorf("%s: grade %s, want %s", c.name, rep.Grade, c.grade)
		}
	}
}

func TestClientHelloParsesBack(t *testing.T) {
	hello := clientHello(versionTLS12, suitesFS, "portal.example")
	if hello[0] != 22 || hello[5] != 1 {
		t.Fatalf("not a handshake ClientHello: % x", hello[:6])
	}
	if int(hello[3])<<8|int(hello[4]) != len(hello)-5 {
		t.Fatal("record length")
	}
	if _, _, err := parseServerHello(bytesReader([]byte{21, 3, 3, 0, 2, 2, 40})); err != errRefused {
		t.Fatalf("alert: %v", err)
	}
}

type sliceReader struct{ b []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func bytesReader(b []byte) *sliceReader { return &sliceReader{b} }

func FuzzParseServerHello(f *testing.F) {
	f.Add([]byte{22, 3, 3, 0, 42, 2, 0, 0, 38, 3, 3})
	f.Add([]byte{21, 3, 3, 0, 2, 2, 40})
	f.Fuzz(func(t *testing.T, data []byte) {
		v, suite, err := parseServerHello(bytesReader(data))
		if err == nil && v == 0 && suite == 0 && len(data) < 5 {
			t.Fatalf("accepted %d bytes", len(data))
		}
	})
}
