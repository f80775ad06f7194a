package ingest_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/feature/ingest"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/testkit/need"
)

// clientCA is a CA that issues syslog senders' client certificates.
type clientCA struct {
	t    *testing.T
	dir  string
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
	n    int64
}

// newClientCA writes the CA's certificate to dir/name.pem.
func newClientCA(t *testing.T, dir, name string) *clientCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	writePEM(t, filepath.Join(dir, name+".pem"), "CERTIFICATE", der)
	return &clientCA{t: t, dir: dir, key: key, cert: cert, n: 1}
}

// issue writes a client certificate for cn and its key: dir/cn.crt,
// dir/cn.key.
func (ca *clientCA) issue(cn string) (certFile, keyFile string) {
	ca.t.Helper()
	ca.n++
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(ca.n), Subject: pkix.Name{CommonName: cn}, DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		ca.t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(ca.dir, cn+".crt"), filepath.Join(ca.dir, cn+".key")
	writePEM(ca.t, certFile, "CERTIFICATE", der)
	writePEM(ca.t, keyFile, "EC PRIVATE KEY", keyDER)
	return certFile, keyFile
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// mtlsRig is a rig whose TLS receiver requires client certificates of
// the CA "senders".
func mtlsRig(t *testing.T) (*rig, *clientCA, string) {
	dir := t.TempDir()
	writeCerts(t, dir)
	ca := newClientCA(t, dir, "senders")
	r := newRig(t, rigOptions{cfg: ingest.Config{SyslogTLS: "127.0.0.1:0", TLSCert: filepath.Join(dir, "cert.pem"), TLSKey: filepath.Join(dir, "key.pem"),
		TLSClientCA: filepath.Join(dir, "senders.pem")}})
	return r, ca, dir
}

// TestMutualTLS: with ingest.tls_client_ca, a sender without a client
// certificate, or with one of another CA, is refused and counted; a
// certificate whose CN is an agency's code binds the events to that
// agency (keeping the address's system only when it is that agency's);
// one whose CN names no agency leaves the address to decide. 127.0.0.1
// is system A's address in the rig.
func TestMutualTLS(t *testing.T) {
	r, ca, dir := mtlsRig(t)
	addr := r.addr(logstream.ReceiverSyslogTLS)
	pool := x509.NewCertPool()
	caPEM, _ := os.ReadFile(filepath.Join(dir, "ca.pem"))
	pool.AppendCertsFromPEM(caPEM)
	dial := func(certFile, keyFile string) (*tls.Conn, error) {
		cfg := &tls.Config{RootCAs: pool, ServerName: "localhost"}
		if certFile != "" {
			c, err := tls.LoadX509KeyPair(certFile, keyFile)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Certificates = []tls.Certificate{c}
		}
		return tls.Dial("tcp", addr, cfg)
	}
	// Refused: no certificate, and one of a CA the receiver does not trust.
	rogue := newClientCA(t, t.TempDir(), "rogue")
	rogueCert, rogueKey := rogue.issue(r.b.Code)
	for _, c := range []struct{ name, cert, key string }{{"no certificate", "", ""}, {"another CA", rogueCert, rogueKey}} {
		conn, err := dial(c.cert, c.key)
		if err != nil {
			continue // refused in the handshake already
		}
		fmt.Fprintf(conn, "<13>1 2026-12-01T10:00:00Z h app - - - refused %s\n", c.name)
		if _, err := io.ReadAll(conn); err == nil {
			t.Errorf("%s: the connection ended without an error", c.name)
		}
		conn.Close()
	}
	for deadline := time.Now().Add(10 * time.Second); r.count("khien_ingest_rejected_total", map[string]string{"reason": ingest.ReasonTLSHandshake}) < 2; {
		if time.Now().After(deadline) {
			t.Fatalf("refused handshakes counted: %v, want 2", r.count("khien_ingest_rejected_total", map[string]string{"reason": ingest.ReasonTLSHandshake}))
		}
		time.Sleep(20 * time.Millisecond)
	}
	cases := []struct {
		cn             string
		agency, system int64
	}{
		{r.b.Code, r.b.ID, 0},         // bound to B: A's system is not B's
		{r.a.Code, r.a.ID, r.sysA.ID}, // bound to A: the address's system is A's
		{"web01.soa.example", r.a.ID, r.sysA.ID},
	}
	marks := map[string]string{}
	for _, c := range cases {
		marks[c.cn] = marker(t, "mtls")
		cert, key := ca.issue(c.cn)
		conn, err := dial(cert, key)
		if err != nil {
			t.Fatalf("%s: %v", c.cn, err)
		}
		fmt.Fprintf(conn, "<13>1 2026-12-01T10:00:00Z h app - - - sent with %s %s\n", c.cn, marks[c.cn])
		conn.Close()
	}
	recs := r.collect(len(cases), 20*time.Second)
	if len(recs) != len(cases) {
		t.Fatalf("%d records, want %d", len(recs), len(cases))
	}
	for _, c := range cases {
		got := withMessage(recs, marks[c.cn])
		if len(got) != 1 || got[0].AgencyID != c.agency || got[0].SystemID != c.system || got[0].Receiver != logstream.ReceiverSyslogTLS {
			t.Errorf("CN %s: %+v, want agency %d system %d", c.cn, got, c.agency, c.system)
		}
	}
}

// TestRsyslogClientCertificate: a real rsyslogd presents its client
// certificate (CN = agency B's code) over TLS, and its events are B's
// although its address is system A's.
func TestRsyslogClientCertificate(t *testing.T) {
	rsyslogd, err := exec.LookPath("rsyslogd")
	if err != nil {
		need.Skip(t, "rsyslogd is not installed (apt-get install rsyslog rsyslog-gnutls)")
	}
	if m, _ := filepath.Glob("/usr/lib/*/rsyslog/lmnsd_gtls.so"); len(m) == 0 {
		need.Skip(t, "rsyslog's TLS driver is not installed (apt-get install rsyslog-gnutls)")
	}
	r, ca, dir := mtlsRig(t)
	cert, key := ca.issue(r.b.Code)
	inPort := freeUDPPort(t)
	_, tlsPort, _ := net.SplitHostPort(r.addr(logstream.ReceiverSyslogTLS))
	conf := fmt.Sprintf(`global(workDirectory=%[1]q defaultNetstreamDriverCAFile=%[2]q defaultNetstreamDriverCertFile=%[3]q defaultNetstreamDriverKeyFile=%[4]q)
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="%[5]d")
action(type="omfwd" target="localhost" port="%[6]s" protocol="tcp" StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="localhost" TCP_Framing="octet-counted")
`, dir, filepath.Join(dir, "ca.pem"), cert, key, inPort, tlsPort)
	confFile := filepath.Join(dir, "rsyslog.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(rsyslogd, "-n", "-f", confFile, "-i", filepath.Join(dir, "rsyslogd.pid"))
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	time.Sleep(time.Second) // rsyslogd binds its input
	mark := marker(t, "rsyslog-mtls")
	if b, err := exec.Command("logger", "--udp", "-n", "127.0.0.1", "-P", fmt.Sprint(inPort), "-t", "sshd", "--rfc3164", "Accepted publickey for deploy "+mark).CombinedOutput(); err != nil {
		t.Fatalf("logger: %v %s", err, b)
	}
	recs := r.collect(1, 20*time.Second)
	got := withMessage(recs, mark)
	if len(got) != 1 || got[0].AgencyID != r.b.ID || got[0].SystemID != 0 || got[0].Receiver != logstream.ReceiverSyslogTLS {
		t.Fatalf("got %+v (rsyslogd said: %s)", got, out.String())
	}
}
