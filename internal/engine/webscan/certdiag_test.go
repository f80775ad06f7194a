package webscan

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

// TestCertificateDiagnoses: an untrusted certificate says why (self-signed,
// an incomplete chain naming the missing issuer, an untrusted root), its IP
// names are listed, and the severity agrees with the cap.
func TestCertificateDiagnoses(t *testing.T) {
	root := newTestCA(t)
	now := time.Now()
	// An intermediate signed by the root; aia says where its certificate
	// is published, as public intermediates do.
	intermediate := func(aia bool) (*testCA, []byte) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "Khiên test intermediate"}, IsCA: true,
			BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, root.cert, &key.PublicKey, root.key)
		if err != nil {
			t.Fatal(err)
		}
		cert, _ := x509.ParseCertificate(der)
		ca := &testCA{cert: cert, key: key}
		if aia {
			ca.issuerURL = "http://pki.example.gov.vn/intermediate.crt"
		}
		return ca, der
	}
	withAIA, withAIADER := intermediate(true)
	noAIA, _ := intermediate(false)
	selfKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	selfTmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "portal"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"portal.example.gov.vn"}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	selfDER, _ := x509.CreateCertificate(rand.Reader, selfTmpl, selfTmpl, &selfKey.PublicKey, selfKey)
	full := withAIA.leaf(t, "127.0.0.1", nil, now.Add(-time.Hour), now.Add(90*24*time.Hour))
	full.Certificate = append(full.Certificate, withAIADER)
	rootDER := root.cert.Raw
	untrustedRoot := withAIA.leaf(t, "127.0.0.1", nil, now.Add(-time.Hour), now.Add(90*24*time.Hour))
	untrustedRoot.Certificate = append(untrustedRoot.Certificate, withAIADER, rootDER)

	cases := []struct {
		name     string
		cert     tls.Certificate
		roots    *x509.CertPool
		want     []string // in the English detail
		wantVI   string
		severity string
		grade    string
	}{
		{"self-signed", tls.Certificate{Certificate: [][]byte{selfDER}, PrivateKey: selfKey}, root.pool, []string{"self-signed"}, "tự ký", "critical", "F"},
		{"incomplete chain", withAIA.leaf(t, "127.0.0.1", nil, now.Add(-time.Hour), now.Add(90*24*time.Hour)), root.pool,
			[]string{"incomplete", `"Khiên test intermediate"`}, "không đầy đủ", "critical", "F"},
		{"issuer neither sent nor trusted", noAIA.leaf(t, "127.0.0.1", nil, now.Add(-time.Hour), now.Add(90*24*time.Hour)), root.pool,
			[]string{`issued by "Khiên test intermediate"`, "not a trusted authority"}, "không phải tổ chức chứng thực được tin cậy", "critical", "F"},
		{"root nobody trusts", untrustedRoot, x509.NewCertPool(), []string{`ends in the root "Khiên test CA"`}, "kết thúc ở gốc", "critical", "F"},
		{"complete chain", full, root.pool, nil, "", "", "A+"},
		{"1024-bit key caps at B and is medium", root.rsaLeaf(t, 1024), root.pool, []string{"1024 bits"}, "1024 bit", "medium", "B"},
	}
	for _, c := range cases {
		ts := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{c.cert}})
		rep, err := Assess(context.Background(), ts.URL+"/", Options{RootCAs: c.roots, AllowPrivate: true, Timeout: 20 * time.Second})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := checksByID(rep)[string(TLSCertificate)]
		if c.want == nil {
			if got.Result != Pass {
				t.Errorf("%s: %s %s", c.name, got.Result, got.DetailEN)
			}
		} else {
			for _, w := range c.want {
				if !strings.Contains(got.DetailEN, w) {
					t.Errorf("%s: %q lacks %q", c.name, got.DetailEN, w)
				}
			}
			if !strings.Contains(got.Detail, c.wantVI) || got.Severity != c.severity {
				t.Errorf("%s: %q severity %s, want %q %s", c.name, got.Detail, got.Severity, c.wantVI, c.severity)
			}
		}
		if rep.Grade != c.grade {
			t.Errorf("%s: grade %s, want %s", c.name, rep.Grade, c.grade)
		}
		if !strings.Contains(got.Evidence, "127.0.0.1") {
			t.Errorf("%s: the IP name is not in the evidence %q", c.name, got.Evidence)
		}
	}
}
