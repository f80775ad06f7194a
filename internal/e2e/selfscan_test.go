package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// selfSigned writes a certificate and key for 127.0.0.1 into dir.
func selfSigned(t *testing.T, dir string) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "khien test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(90 * 24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	cert, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	return cert, keyFile
}

// TestOwnUIScoresAPlus serves Khiên over TLS, records its login page and
// dashboard the way a browser's HAR export does, and assesses them with
// khien scan --har: the header part must grade A+.
func TestOwnUIScoresAPlus(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	addr := freePort(t)
	cmd := exec.Command(khien, "serve", "--data", filepath.Join(dir, "data"), "--addr", addr, "--tls-cert", cert, "--tls-key", key)
	cmd.Env = append(os.Environ(), "KHIEN_ADMIN_PASSWORD="+adminPassword)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, // the test's own certificate
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	base := "https://" + addr
	var entries []map[string]any
	record := func(method, path string) {
		var resp *http.Response
		var err error
		for i := 0; i < 100; i++ {
			req, _ := http.NewRequest(method, base+path, nil)
			if resp, err = client.Do(req); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var headers []map[string]string
		for k, vs := range resp.Header {
			for _, v := range vs {
				headers = append(headers, map[string]string{"name": k, "value": v})
			}
		}
		entries = append(entries, map[string]any{
			"request":  map[string]any{"method": method, "url": base + path},
			"response": map[string]any{"status": resp.StatusCode, "headers": headers, "redirectURL": resp.Header.Get("Location"), "content": map[string]any{"text": string(body)}},
		})
	}
	record("GET", "/")      // redirects to the login page
	record("GET", "/login") // the page a visitor sees
	raw, _ := json.Marshal(map[string]any{"log": map[string]any{"entries": entries}})
	harFile := filepath.Join(dir, "khien.har")
	os.WriteFile(harFile, raw, 0o600)
	out, err := exec.Command(khien, "scan", "--har", harFile, "--json").Output()
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	var rep struct {
		Grade  string
		Score  int
		Checks []struct {
			ID                string
			Result            string
			ObservatoryResult string `json:"observatory_result"`
		}
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	if rep.Grade != "A+" {
		t.Fatalf("Khiên's own UI grades %s (%d):\n%s", rep.Grade, rep.Score, out)
	}
	ids := map[string]string{}
	for _, c := range rep.Checks {
		ids[c.ID] = c.Result
	}
	if len(ids) < 16 || ids["leak.server-version"] != "pass" || ids["headers.csp"] != "pass" || ids["content.injected-links"] != "pass" || ids["content.mixed"] != "pass" {
		t.Fatalf("checks: %v", ids)
	}
	t.Logf("own UI (HAR): %s, score %d", rep.Grade, rep.Score)

	// The same UI scanned live, TLS probes and exposure checks included.
	out, err = exec.Command(khien, "scan", base+"/", "--json", "--allow-private", "--ca-file", cert).Output()
	if err != nil {
		t.Fatalf("live scan: %v", err)
	}
	var live struct {
		Grade  string
		Score  int
		Checks []struct{ ID, Result, Evidence string }
	}
	if err := json.Unmarshal(out, &live); err != nil {
		t.Fatal(err)
	}
	for _, c := range live.Checks {
		if c.Result == "fail" || c.Result == "error" || (c.Result == "warn" && c.ID != "tls.certificate.expiry") {
			t.Errorf("live self-scan: %s is %s (%s)", c.ID, c.Result, c.Evidence)
		}
	}
	if live.Grade != "A+" {
		t.Fatalf("Khiên's own UI, scanned live, grades %s (%d)", live.Grade, live.Score)
	}
	t.Logf("own UI (live): %s, score %d", live.Grade, live.Score)
}

func TestScanCommandErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.har")
	os.WriteFile(bad, []byte("not json"), 0o600)
	for _, args := range [][]string{{"scan", "--har", bad}, {"scan", "--har", "/no/such/file.har"}, {"scan", "https://portal.example/"}} {
		if out, err := run(t, nil, args...); err == nil || len(out) == 0 {
			t.Errorf("%v: want a clear error, got %v %q", args, err, out)
		}
	}
}
