package webscan

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/testkit/need"
)

// These tests run the scanner against real nginx (the Debian package) on
// loopback. Each site gets its own loopback address with ports 80 and 443,
// so that the scanner's own HTTP → HTTPS logic is exercised unchanged.

// nginxSite is one nginx configuration under test.
type nginxSite struct {
	name     string
	ip       string
	certPEM  []byte
	keyPEM   []byte
	tls      string            // ssl_* directives
	headers  string            // add_header lines (and anything else in the server)
	files    map[string]string // document root content
	tokens   bool              // server_tokens on
	httpOnly bool              // no HTTPS server
	dhparam  []byte            // ssl_dhparam file (PEM), which DHE suites need
}

// nginxBinary finds nginx ($KHIEN_TEST_NGINX or the Debian path) or skips.
func nginxBinary(t testing.TB) string {
	t.Helper()
	for _, p := range []string{os.Getenv("KHIEN_TEST_NGINX"), "/usr/sbin/nginx"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if _, err := exec.LookPath("nginx"); err == nil {
		return "nginx"
	}
	need.Skip(t, "nginx is not installed (scripts/test.sh installs the Debian package)")
	return ""
}

func pemCert(ca *testCA, t testing.TB, ip string, dns []string, notBefore, notAfter time.Time, rsaBits int) (certPEM, keyPEM []byte) {
	c := ca.leaf(t, ip, dns, notBefore, notAfter)
	if rsaBits > 0 {
		c = ca.rsaLeafFor(t, ip, rsaBits)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]})
	der, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	return
}

// startNginx writes one nginx.conf for all sites and runs nginx in the
// foreground (no master process, so no user switch) until the test ends.
func startNginx(t testing.TB, sites []nginxSite) {
	t.Helper()
	bin := nginxBinary(t)
	dir := t.TempDir()
	var conf bytes.Buffer
	fmt.Fprintf(&conf, "daemon off;\nmaster_process off;\nerror_log %s/error.log warn;\npid %s/nginx.pid;\nevents { worker_connections 8192; }\n", dir, dir)
	fmt.Fprintf(&conf, "http {\n access_log off;\n client_body_temp_path %[1]s/tmp; proxy_temp_path %[1]s/tmp; fastcgi_temp_path %[1]s/tmp; uwsgi_temp_path %[1]s/tmp; scgi_temp_path %[1]s/tmp;\n", dir)
	conf.WriteString(" types { text/html html; text/plain txt env; text/css css; application/octet-stream bin; }\n default_type application/octet-stream;\n charset utf-8;\n")
	for _, s := range sites {
		root := filepath.Join(dir, s.name)
		for name, body := range s.files {
			p := filepath.Join(root, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.MkdirAll(root, 0o755); err != nil {
			t.Fatal(err)
		}
		tokens := "off"
		if s.tokens {
			tokens = "on"
		}
		cloak := ` if ($http_user_agent ~* "googlebot") { rewrite ^/$ /bot.html last; }` + "\n"
		if s.httpOnly {
			fmt.Fprintf(&conf, " server {\n  listen %s:80;\n  server_tokens %s;\n  root %s;\n%s }\n", s.ip, tokens, root, cloak)
			continue
		}
		cert, key := filepath.Join(dir, s.name+".crt"), filepath.Join(dir, s.name+".key")
		os.WriteFile(cert, s.certPEM, 0o644)
		os.WriteFile(key, s.keyPEM, 0o600)
		tlsConf := s.tls
		if len(s.dhparam) > 0 {
			dh := filepath.Join(dir, s.name+".dh.pem")
			os.WriteFile(dh, s.dhparam, 0o644)
			tlsConf += "\n  ssl_dhparam " + dh + ";"
		}
		fmt.Fprintf(&conf, " server {\n  listen %s:80;\n  server_tokens %s;\n  return 301 https://$host$request_uri;\n }\n", s.ip, tokens)
		fmt.Fprintf(&conf, " server {\n  listen %s:443 ssl;\n  http2 on;\n  server_tokens %s;\n  ssl_certificate %s;\n  ssl_certificate_key %s;\n%s\n%s\n  root %s;\n%s }\n",
			s.ip, tokens, cert, key, tlsConf, s.headers, root, cloak)
	}
	conf.WriteString("}\n")
	// nginx 1.22 has no "http2 on;" (1.25+): use the listen parameter then.
	cfg := conf.String()
	if out, _ := exec.Command(bin, "-v").CombinedOutput(); bytes.Contains(out, []byte("nginx/1.2")) && !newerThan125(string(out)) {
		cfg = strings.ReplaceAll(cfg, "  http2 on;\n", "")
		cfg = strings.ReplaceAll(cfg, ":443 ssl;", ":443 ssl http2;")
	}
	confPath := filepath.Join(dir, "nginx.conf")
	os.MkdirAll(filepath.Join(dir, "tmp"), 0o755)
	if err := os.WriteFile(confPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", confPath)
	stderrPath := filepath.Join(dir, "stderr.log")
	errFile, err := os.Create(stderrPath)
	if err != nil {
		t.Fatal(err)
	}
	defer errFile.Close()
	cmd.Stderr = errFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	logs := func() string {
		a, _ := os.ReadFile(stderrPath)
		b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
		return string(a) + string(b)
	}
	// Ready once nginx has bound every socket (it writes its pid file only
	// after that) and the last site answers.
	last := sites[len(sites)-1]
	port := "443"
	if last.httpOnly {
		port = "80"
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			if strings.Contains(logs(), "Address already in use") {
				need.Skip(t, "ports 80/443 on 127.0.80.x are taken by another server on this machine (stop it to run the nginx tests):\n%s", logs())
			}
			t.Fatalf("nginx exited: %v\n%s\n%s", err, logs(), cfg)
		default:
		}
		if _, err := os.Stat(filepath.Join(dir, "nginx.pid")); err == nil {
			c, err := net.DialTimeout("tcp", net.JoinHostPort(last.ip, port), time.Second)
			if err == nil {
				c.Close()
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not start within 15 s\n%s\n%s", logs(), cfg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func newerThan125(v string) bool {
	var major, minor int
	if i := strings.Index(v, "nginx/"); i >= 0 {
		fmt.Sscanf(v[i+len("nginx/"):], "%d.%d", &major, &minor)
	}
	return major > 1 || minor >= 25
}

const (
	modernTLS = `  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305;
  ssl_prefer_server_ciphers off;`
	// OpenSSL 3 needs security level 0 to offer TLS 1.0/1.1 and SHA-1
	// suites. (Debian's OpenSSL 3 has no RC4, 3DES or EXPORT suites left.)
	legacyTLS = `  ssl_protocols TLSv1 TLSv1.1 TLSv1.2;
  ssl_ciphers HIGH:!aNULL:@SECLEVEL=0;
  ssl_prefer_server_ciphers on;`
	weakTLS = `  ssl_protocols TLSv1 TLSv1.1 TLSv1.2;
  ssl_ciphers ALL:eNULL:@SECLEVEL=0;
  ssl_prefer_server_ciphers on;`
	strictHeaders = `  add_header Strict-Transport-Security "max-age=63072000; includeSubDomains; preload" always;
  add_header Content-Security-Policy "default-src 'none'; img-src 'self'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'" always;
  add_header X-Content-Type-Options nosniff always;
  add_header X-Frame-Options DENY always;
  add_header Referrer-Policy no-referrer always;
  add_header Cross-Origin-Opener-Policy same-origin always;
  add_header Cross-Origin-Resource-Policy same-origin always;`
)

const cleanIndex = `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Cổng thông tin điện tử</title><link rel="stylesheet" href="/site.css"></head>
<body><h1>Sở Khoa học và Công nghệ</h1><p>Thông tin, dịch vụ công trực tuyến và văn bản chỉ đạo.</p><a href="/lien-he.html">Liên hệ</a></body></html>`

func securityTxt() string {
	return "Contact: mailto:attt@sokhcn.example.gov.vn\nExpires: " + time.Now().Add(180*24*time.Hour).UTC().Format(time.RFC3339) + "\nPreferred-Languages: vi, en\n"
}

func siteFiles(index string, extra map[string]string) map[string]string {
	m := map[string]string{"index.html": index, "site.css": "body{font-family:sans-serif}", ".well-known/security.txt": securityTxt()}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

type nginxCase struct {
	site      nginxSite
	wantFail  []string // exactly the checks that fail
	wantGrade string
	wantWarn  []string // checks that must warn (others may too)
	wantError []string // exactly the checks that give an error result
	evidence  map[string][]string
	detail    map[string][]string // in the detail, Vietnamese or English
}

func nginxCases(t testing.TB, ca *testCA) []nginxCase {
	now := time.Now()
	good := func(ip string) ([]byte, []byte) {
		return pemCert(ca, t, ip, nil, now.Add(-time.Hour), now.Add(90*24*time.Hour), 0)
	}
	mk := func(name, ip string, certPEM, keyPEM []byte, tlsConf, headers string, files map[string]string) nginxSite {
		return nginxSite{name: name, ip: ip, certPEM: certPEM, keyPEM: keyPEM, tls: tlsConf, headers: headers, files: files}
	}
	var cases []nginxCase
	c, k := good("127.0.80.1")
	cases = append(cases, nginxCase{site: mk("modern", "127.0.80.1", c, k, modernTLS, strictHeaders, siteFiles(cleanIndex, nil)), wantGrade: "A+",
		evidence: map[string][]string{"https.redirect": {"http://127.0.80.1/ (301)", "https://127.0.80.1/ (200)"}}})

	c, k = pemCert(ca, t, "127.0.80.2", nil, now.Add(-time.Hour), now.Add(90*24*time.Hour), 2048)
	cases = append(cases, nginxCase{site: mk("legacy", "127.0.80.2", c, k, legacyTLS, strictHeaders, siteFiles(cleanIndex, nil)), wantGrade: "B",
		wantFail: []string{"tls.protocols", "tls.ciphers"}, evidence: map[string][]string{"tls.ciphers": {"RSA key exchange", "CBC"}}})

	c, k = pemCert(ca, t, "127.0.80.9", nil, now.Add(-time.Hour), now.Add(90*24*time.Hour), 2048)
	weak := mk("weak", "127.0.80.9", c, k, weakTLS, "", siteFiles(cleanIndex, nil))
	weak.tokens = true
	cases = append(cases, nginxCase{site: weak, wantGrade: "F", evidence: map[string][]string{"tls.ciphers": {"NULL", "anon", "RSA key exchange", "CBC"}, "tls.protocols": {"TLSv1.0", "TLSv1.1", "TLSv1.2"}}, wantWarn: []string{"leak.server-version", "headers.x-content-type-options"},
		wantFail: []string{"tls.protocols", "tls.ciphers", "headers.csp", "headers.hsts", "headers.x-frame-options"}})

	c, k = pemCert(ca, t, "127.0.80.3", nil, now.Add(-60*24*time.Hour), now.Add(-24*time.Hour), 0)
	cases = append(cases, nginxCase{site: mk("expired", "127.0.80.3", c, k, modernTLS, strictHeaders, siteFiles(cleanIndex, nil)), wantGrade: "F",
		wantFail: []string{"https.available", "tls.certificate", "tls.certificate.expiry", "headers.hsts", "headers.redirection"}})

	c, k = pemCert(ca, t, "", []string{"other.example"}, now.Add(-time.Hour), now.Add(90*24*time.Hour), 0)
	cases = append(cases, nginxCase{site: mk("wronghost", "127.0.80.4", c, k, modernTLS, strictHeaders, siteFiles(cleanIndex, nil)), wantGrade: "F",
		wantFail: []string{"https.available", "tls.certificate", "headers.hsts", "headers.redirection"}})

	c, k = good("127.0.80.5")
	cases = append(cases, nginxCase{site: mk("exposed", "127.0.80.5", c, k, modernTLS, strictHeaders, siteFiles(cleanIndex, map[string]string{
		".git/HEAD":   "ref: refs/heads/main\n",
		".git/config": "[core]\n\trepositoryformatversion = 0\n\tbare = false\n",
		".env":        "APP_ENV=production\nDB_HOST=10.0.0.5\nDB_PASSWORD=matkhau-bi-lo\n",
	})), wantGrade: "F", wantFail: []string{"exposed.files"}})

	c, k = good("127.0.80.6")
	gambling := strings.Replace(cleanIndex, "</body>", `<div style="position:absolute;left:-10000px"><a href="https://nhacai-uytin.example/">nhà cái uy tín</a> <a href="https://soikeo.example/">soi kèo bóng đá</a></div></body>`, 1)
	cases = append(cases, nginxCase{site: mk("gambling", "127.0.80.6", c, k, modernTLS, strictHeaders, siteFiles(gambling, nil)), wantGrade: "F", wantFail: []string{"content.injected-links"}})

	c, k = good("127.0.80.7")
	bot := strings.Replace(cleanIndex, "</body>", `<p>Đối tác: <a href="https://fb88.example/">FB88 cá cược thể thao</a></p></body>`, 1)
	cases = append(cases, nginxCase{site: mk("cloaked", "127.0.80.7", c, k, modernTLS, strictHeaders, siteFiles(cleanIndex, map[string]string{"bot.html": bot})), wantGrade: "F", wantFail: []string{"content.injected-links"}})

	plain := nginxSite{name: "plain", ip: "127.0.80.10", httpOnly: true, files: siteFiles(cleanIndex, nil)}
	cases = append(cases, nginxCase{site: plain, wantGrade: "F", wantFail: []string{"https.available", "https.redirect", "headers.redirection", "headers.hsts", "headers.csp", "headers.x-frame-options"}})

	c, k = good("127.0.80.8")
	defaced := `<!doctype html><html><head><title>HACKED BY GHOST CYBER ARMY</title></head><body style="background:#000;color:#0f0"><h1>Hacked by Ghost</h1><p>Your security is low. Greetz to all.</p></body></html>`
	cases = append(cases, nginxCase{site: mk("defaced", "127.0.80.8", c, k, modernTLS, strictHeaders, siteFiles(defaced, nil)), wantGrade: "F", wantFail: []string{"content.defacement"}})
	cases = append(cases, dheCases(t, ca)...)
	return append(cases, accuracyCases(t, ca)...)
}

func TestNginxConfigurations(t *testing.T) {
	nginxBinary(t)
	ca := newTestCA(t)
	cases := nginxCases(t, ca)
	sites := make([]nginxSite, len(cases))
	for i, c := range cases {
		sites[i] = c.site
	}
	startNginx(t, sites)
	for _, c := range cases {
		t.Run(c.site.name, func(t *testing.T) {
			rep, err := Assess(context.Background(), "https://"+c.site.ip+"/", Options{RootCAs: ca.pool, AllowPrivate: true, Timeout: 20 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			var failed, errored []string
			byID := map[string]Check{}
			for _, ch := range rep.Checks {
				byID[ch.ID] = ch
				if ch.Result == Fail {
					failed = append(failed, ch.ID)
				}
				if ch.Result == Error {
					errored = append(errored, ch.ID)
					if !slices.Contains(c.wantError, ch.ID) {
						t.Errorf("%s: error result: %s", ch.ID, ch.Detail)
					}
				}
			}
			for _, id := range c.wantError {
				if !slices.Contains(errored, id) {
					t.Errorf("%s = %s, want error", id, byID[id].Result)
				}
			}
			slices.Sort(failed)
			want := slices.Clone(c.wantFail)
			slices.Sort(want)
			if !slices.Equal(failed, want) || rep.Grade != c.wantGrade {
				for _, ch := range rep.Checks {
					if ch.Result != Pass {
						t.Logf("%-30s %-5s %s | %s", ch.ID, ch.Result, ch.DetailEN, strings.ReplaceAll(ch.Evidence, "\n", " / "))
					}
				}
				t.Errorf("grade %s (score %d), failed %v; want grade %s, failed %v", rep.Grade, rep.Score, failed, c.wantGrade, want)
			}
			for id, parts := range c.evidence {
				for _, p := range parts {
					if !strings.Contains(byID[id].Evidence, p) {
						t.Errorf("%s evidence %q lacks %q", id, byID[id].Evidence, p)
					}
				}
			}
			for id, parts := range c.detail {
				for _, p := range parts {
					if d := byID[id].Detail + " | " + byID[id].DetailEN; !strings.Contains(d, p) {
						t.Errorf("%s detail %q lacks %q", id, d, p)
					}
				}
			}
			for _, id := range c.wantWarn {
				if byID[id].Result != Warn {
					t.Errorf("%s = %s, want warn", id, byID[id].Result)
				}
			}
		})
	}
}
