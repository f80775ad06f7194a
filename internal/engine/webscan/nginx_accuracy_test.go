package webscan

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

// The nginx configurations of issue 9 ("scanner accuracy") on
// 127.0.80.40–46: text and links hidden by the page's stylesheets (a
// <style> block, a linked same-site sheet) beside an ordinary portal whose
// stylesheet hides menus and banners, a directory listed only under a
// directory the page links to, an incomplete chain and a self-signed
// certificate; and (TestNginxCookies) every cookie combination of the
// Observatory table served by nginx. Certificates and keys are made here,
// never committed.

// intermediateCA is a CA signed by root, named name.
func intermediateCA(t testing.TB, root *testCA, name string) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: name}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, root.cert, &key.PublicKey, root.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key}
}

// selfSignedPEM is a certificate for ip signed by its own key.
func selfSignedPEM(t testing.TB, ip string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "portal"}, IPAddresses: []net.IP{net.ParseIP(ip)},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(90 * 24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k})
}

// A page with betting links hidden by its <style> block.
const styleHiddenIndex = `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Cổng thông tin điện tử</title>
<style>.doi-tac{display:none}</style></head>
<body><h1>Sở Khoa học và Công nghệ</h1><p>Thông tin, dịch vụ công trực tuyến.</p>
<div class="doi-tac"><a href="https://nhacai-uytin.example/">nhà cái uy tín</a> <a href="https://soikeo.example/">soi kèo bóng đá</a></div></body></html>`

// A page whose linked sheet hides a block in a 1px box and whose links
// are white on the default white.
const sheetHiddenIndex = `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Cổng thông tin điện tử</title>
<link rel="stylesheet" href="/assets/site.css"></head>
<body><h1>Sở Khoa học và Công nghệ</h1><p>Thông tin, dịch vụ công trực tuyến.</p>
<div class="lien-ket"><a href="https://fb88vn.example/">xem thêm</a></div>
<p class="chu-trang">Tài xỉu online uy tín <a href="https://taixiu.example/">tại đây</a></p></body></html>`

const sheetHiddenCSS = `body{font-family:sans-serif}
.lien-ket{width:1px;height:1px;overflow:hidden}
.chu-trang, .chu-trang a{color:#ffffff}`

// accuracyCases are the issue 9 configurations of TestNginxConfigurations.
func accuracyCases(t testing.TB, ca *testCA) []nginxCase {
	now := time.Now()
	good := func(ip string) ([]byte, []byte) {
		return pemCert(ca, t, ip, nil, now.Add(-time.Hour), now.Add(90*24*time.Hour), 0)
	}
	site := func(name, ip string, files map[string]string, extra string) nginxSite {
		c, k := good(ip)
		return nginxSite{name: name, ip: ip, certPEM: c, keyPEM: k, tls: modernTLS, headers: strictHeaders + extra, files: files}
	}
	// The ordinary portal's stylesheet, in its own file.
	portalCSS := ordinaryPortal[strings.Index(ordinaryPortal, "<style>")+len("<style>") : strings.Index(ordinaryPortal, "</style>")]
	portal := strings.Replace(ordinaryPortal, "<style>"+portalCSS+"</style>", `<link rel="stylesheet" href="/css/portal.css">`, 1)
	listed := strings.Replace(cleanIndex, "</body>", `<p><a href="/tai-lieu/2024/bao-cao.pdf">Báo cáo năm 2024</a></p></body>`, 1)
	inter := intermediateCA(t, ca, "Khiên nginx intermediate")
	inter.issuerURL = "http://pki.example.gov.vn/intermediate.crt" // as public intermediates publish theirs
	chainC, chainK := pemCert(inter, t, "127.0.80.45", nil, now.Add(-time.Hour), now.Add(90*24*time.Hour), 0)
	selfC, selfK := selfSignedPEM(t, "127.0.80.46")
	certFails := []string{"https.available", "tls.certificate", "headers.hsts", "headers.redirection"}
	return []nginxCase{
		{site: site("css-style", "127.0.80.40", siteFiles(styleHiddenIndex, nil), ""), wantGrade: "F", wantFail: []string{"content.injected-links"},
			evidence: map[string][]string{"content.injected-links": {"nhà cái uy tín", "hidden by class .doi-tac in <style>: display:none", "ẩn bằng lớp .doi-tac trong <style>: display:none"}}},
		{site: site("css-linked", "127.0.80.41", siteFiles(sheetHiddenIndex, map[string]string{"assets/site.css": sheetHiddenCSS}), ""), wantGrade: "F", wantFail: []string{"content.injected-links"},
			evidence: map[string][]string{"content.injected-links": {
				"hidden by class .lien-ket in https://127.0.80.41/assets/site.css: width:1px; overflow:hidden",
				"hidden by class .chu-trang in https://127.0.80.41/assets/site.css: color:#ffffff on a #ffffff background (the default white)",
				"(hidden text) Tài xỉu online uy tín", "https://taixiu.example/ — tại đây",
				"https://fb88vn.example/ — xem thêm"}},
			detail: map[string][]string{"content.injected-links": {"Cách ẩn: ẩn bằng lớp .lien-ket trong https://127.0.80.41/assets/site.css", "How it is hidden: hidden by class .lien-ket"}}},
		{site: site("css-ordinary", "127.0.80.42", siteFiles(portal, map[string]string{"css/portal.css": portalCSS}), ""), wantGrade: "A+"},
		{site: site("listing", "127.0.80.44", siteFiles(listed, map[string]string{"tai-lieu/2024/bao-cao.pdf": "%PDF-1.4\n"}), "  location /tai-lieu/ { autoindex on; }"),
			wantGrade: "A+", wantFail: []string{"exposed.directory-listing"}, evidence: map[string][]string{"exposed.directory-listing": {"https://127.0.80.44/tai-lieu/2024/"}}},
		{site: nginxSite{name: "incomplete-chain", ip: "127.0.80.45", certPEM: chainC, keyPEM: chainK, tls: modernTLS, headers: strictHeaders, files: siteFiles(cleanIndex, nil)},
			wantGrade: "F", wantFail: certFails, evidence: map[string][]string{"tls.certificate": {"127.0.80.45"}},
			detail: map[string][]string{"tls.certificate": {"incomplete", `"Khiên nginx intermediate"`, "không đầy đủ"}}},
		{site: nginxSite{name: "self-signed", ip: "127.0.80.46", certPEM: selfC, keyPEM: selfK, tls: modernTLS, headers: strictHeaders, files: siteFiles(cleanIndex, nil)},
			wantGrade: "F", wantFail: certFails, evidence: map[string][]string{"tls.certificate": {"127.0.80.46"}},
			detail: map[string][]string{"tls.certificate": {"self-signed", "tự ký"}}},
	}
}

// TestNginxCookies: each combination of the Observatory cookie table,
// served by nginx (Set-Cookie and HSTS by add_header, each at its own
// path of 127.0.80.43), gives the same result over a live fetch as in
// the Go table (TestCookieCombinations).
func TestNginxCookies(t *testing.T) {
	nginxBinary(t)
	ca := newTestCA(t)
	now := time.Now()
	c, k := pemCert(ca, t, "127.0.80.43", nil, now.Add(-time.Hour), now.Add(90*24*time.Hour), 0)
	var locs strings.Builder
	files := map[string]string{"index.html": cleanIndex}
	for i, cc := range cookieCombinations {
		fmt.Fprintf(&locs, "  location /c%02d/ {\n", i)
		if cc.hsts {
			locs.WriteString("   add_header Strict-Transport-Security \"max-age=63072000\" always;\n")
		}
		for _, line := range cc.cookies {
			fmt.Fprintf(&locs, "   add_header Set-Cookie %q always;\n", line)
		}
		locs.WriteString("  }\n")
		files[fmt.Sprintf("c%02d/index.html", i)] = cleanIndex
	}
	startNginx(t, []nginxSite{{name: "cookies", ip: "127.0.80.43", certPEM: c, keyPEM: k, tls: modernTLS, headers: locs.String(), files: files}})
	for i, cc := range cookieCombinations {
		ex, err := Fetch(context.Background(), fmt.Sprintf("https://127.0.80.43/c%02d/", i), Options{RootCAs: ca.pool, AllowPrivate: true, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatalf("%s: %v", cc.name, err)
		}
		if got := Cookies(ex); got.Result != cc.want {
			t.Errorf("%s: nginx gives %s, the table %s (Set-Cookie %q)", cc.name, got.Result, cc.want, ex.Final.Header.Values("Set-Cookie"))
		}
	}
}
