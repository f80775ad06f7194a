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
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/engine/normalize"
	"github.com/khien-project/khien/internal/feature/ingest"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/testkit/need"
)

// writeCerts makes a CA and a server certificate for localhost and
// 127.0.0.1 in dir: ca.pem, cert.pem, key.pem.
func writeCerts(t *testing.T, dir string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Khiên test CA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	caCert, _ := x509.ParseCertificate(caDER)
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	write := func(name, kind string, der []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("ca.pem", "CERTIFICATE", caDER)
	write("cert.pem", "CERTIFICATE", leafDER)
	write("key.pem", "EC PRIVATE KEY", keyDER)
}

// TestRsyslogForwardsOverTCPAndTLS runs a private rsyslogd on loopback
// that takes messages over UDP (from logger) and forwards each to
// Khiên twice: over plain TCP with octet-counted framing, and over TLS
// (gtls, the server's certificate checked against the CA and its name).
func TestRsyslogForwardsOverTCPAndTLS(t *testing.T) {
	rsyslogd, err := exec.LookPath("rsyslogd")
	if err != nil {
		need.Skip(t, "rsyslogd is not installed (apt-get install rsyslog rsyslog-gnutls)")
	}
	if m, _ := filepath.Glob("/usr/lib/*/rsyslog/lmnsd_gtls.so"); len(m) == 0 {
		need.Skip(t, "rsyslog's TLS driver is not installed (apt-get install rsyslog-gnutls)")
	}
	dir := t.TempDir()
	writeCerts(t, dir)
	r := newRig(t, rigOptions{cfg: ingest.Config{SyslogTLS: "127.0.0.1:0", TLSCert: filepath.Join(dir, "cert.pem"), TLSKey: filepath.Join(dir, "key.pem")}})
	inPort := freeUDPPort(t)
	_, tcpPort, _ := net.SplitHostPort(r.addr(logstream.ReceiverSyslogTCP))
	_, tlsPort, _ := net.SplitHostPort(r.addr(logstream.ReceiverSyslogTLS))
	conf := fmt.Sprintf(`global(workDirectory=%[1]q defaultNetstreamDriverCAFile=%[2]q)
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="%[3]d")
action(type="omfwd" target="127.0.0.1" port="%[4]s" protocol="tcp" TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
action(type="omfwd" target="localhost" port="%[5]s" protocol="tcp" StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="localhost")
`, dir, filepath.Join(dir, "ca.pem"), inPort, tcpPort, tlsPort)
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
	mark := marker(t, "rsyslog")
	msg := "Accepted publickey for deploy from 192.0.2.44 port 40022 ssh2: ED25519 SHA256:abc " + mark
	if b, err := exec.Command("logger", "--udp", "-n", "127.0.0.1", "-P", fmt.Sprint(inPort), "-t", "sshd", "--rfc3164", msg).CombinedOutput(); err != nil {
		t.Fatalf("logger: %v %s", err, b)
	}
	recs := r.collect(2, 20*time.Second)
	got := withMessage(recs, mark)
	byReceiver := map[string]int{}
	for _, rec := range got {
		byReceiver[rec.Receiver]++
		if rec.Source != normalize.SourceSSHD || rec.Fields["user.name"] != "deploy" || rec.AgencyID != r.a.ID || rec.SystemID != r.sysA.ID {
			t.Errorf("%s: source %s agency %d fields %v", rec.Receiver, rec.Source, rec.AgencyID, rec.Fields)
		}
	}
	if byReceiver[logstream.ReceiverSyslogTCP] != 1 || byReceiver[logstream.ReceiverSyslogTLS] != 1 {
		t.Fatalf("arrived by receiver: %v (rsyslogd said: %s)", byReceiver, out.String())
	}
}

func freeUDPPort(t *testing.T) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// TestTLSPortSurvivesPlainTextAndSilence: plain text, and a client that
// connects and says nothing, on the TLS port are dropped (the silent one
// after the handshake timeout at most); a TLS client is served meanwhile.
func TestTLSPortSurvivesPlainTextAndSilence(t *testing.T) {
	dir := t.TempDir()
	writeCerts(t, dir)
	r := newRig(t, rigOptions{cfg: ingest.Config{SyslogTLS: "127.0.0.1:0", TLSCert: filepath.Join(dir, "cert.pem"), TLSKey: filepath.Join(dir, "key.pem")}})
	addr := r.addr(logstream.ReceiverSyslogTLS)
	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	plain, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(plain, "<13>1 2026-12-01T10:00:00Z h app - - - plain text on the TLS port\n")
	plain.Close()
	pool := x509.NewCertPool()
	caPEM, _ := os.ReadFile(filepath.Join(dir, "ca.pem"))
	pool.AppendCertsFromPEM(caPEM)
	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	mark := marker(t, "tls")
	fmt.Fprintf(c, "<13>1 2026-12-01T10:00:00Z h app - - - %s\n", mark)
	c.Close()
	recs := r.collect(1, 10*time.Second)
	if len(recs) != 1 || len(withMessage(recs, mark)) != 1 || recs[firstKey(recs)].Receiver != logstream.ReceiverSyslogTLS {
		t.Fatalf("got %+v", recs)
	}
}

func firstKey(m map[string]logstream.Record) string {
	for k := range m {
		return k
	}
	return ""
}
