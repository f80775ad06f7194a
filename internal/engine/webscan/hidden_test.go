package webscan

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestStylesheetHiddenGambling: betting links and text hidden by the
// page's own stylesheet — by a class in <style>, in a 1px box, in white
// on the default white — are hidden findings (critical), and the detail
// says how, in both languages. Before stylesheets were read, each was a
// visible link (high) or nothing.
func TestStylesheetHiddenGambling(t *testing.T) {
	cases := []struct {
		name, page string
		vi, en     string
	}{
		{"class in <style>", `<style>.seo{display:none}</style><div class="seo"><a href="https://nhacai.example/">Nhà cái uy tín</a></div>`,
			"ẩn bằng lớp .seo trong <style>: display:none", "hidden by class .seo in <style>: display:none"},
		{"text only, by id", `<style>#k { position: absolute; top: -5000px }</style><p>Tin tức</p><div id="k"><p>Soi kèo bóng đá hôm nay</p></div>`,
			"ẩn bằng định danh #k trong <style>: position:absolute; top:-5000px", "hidden by id #k in <style>: position:absolute; top:-5000px"},
		{"1px box", `<style>.px{width:1px;height:1px;overflow:hidden}</style><span class="px"><a href="https://fb88.example/">xem thêm</a></span>`,
			"ẩn bằng lớp .px trong <style>: width:1px; overflow:hidden", "hidden by class .px in <style>: width:1px; overflow:hidden"},
		{"white link", `<style>.l{color:#ffffff}</style><p>Liên kết</p><a class="l" href="https://kubet.example/">đăng ký</a>`,
			"ẩn bằng lớp .l trong <style>: color:#ffffff trên nền #ffffff (nền trắng mặc định)", "hidden by class .l in <style>: color:#ffffff on a #ffffff background (the default white)"},
		{"white link by its style attribute", `<a href="https://w88.example/" style="color:#fff">w88</a>`,
			"ẩn bằng thuộc tính style: color:#fff trên nền #ffffff (nền trắng mặc định)", "hidden by its style attribute: color:#fff on a #ffffff background (the default white)"},
	}
	for _, c := range cases {
		got := injectedLinksResult("<html><head></head><body><h1>Cổng thông tin</h1>" + c.page + "</body></html>")
		if got.Result != Fail || got.Severity != "critical" {
			t.Errorf("%s: %s %s, want a critical failure:\n%s", c.name, got.Result, got.Severity, got.Evidence)
			continue
		}
		if !strings.Contains(got.Detail, c.vi) || !strings.Contains(got.DetailEN, c.en) {
			t.Errorf("%s: detail %q / %q lacks %q / %q", c.name, got.Detail, got.DetailEN, c.vi, c.en)
		}
		if !strings.Contains(got.Evidence, c.vi+" / "+c.en) {
			t.Errorf("%s: evidence lacks how it is hidden:\n%s", c.name, got.Evidence)
		}
	}
}

// ordinaryPortal is a portal page whose stylesheet hides the usual
// things: drop-down menus, the mobile menu, a skip link and screen-reader
// text, a cookie banner; with a dark footer in white.
const ordinaryPortal = `<!doctype html><html lang="vi"><head><title>Cổng thông tin điện tử tỉnh</title><style>
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
.skip-link{position:absolute;left:-10000px;top:auto}
.menu li ul{display:none;position:absolute}
.menu li:hover ul{display:block}
.mobile-nav{display:block}
@media (min-width: 992px){.mobile-nav{display:none}}
#cookie-banner{display:none;position:fixed;bottom:0}
#cookie-banner.show{display:block}
.tab-pane{display:none}.tab-pane.active{display:block}
.footer{background:#0b3d6e;color:#fff}.footer a{color:#fff}
.row{font-size:0}.row>.col{font-size:15px}
</style></head><body>
<a class="skip-link" href="#main">Chuyển đến nội dung chính</a>
<nav class="mobile-nav"><a href="/">Trang chủ</a><a href="/tin-tuc">Tin tức</a><a href="/van-ban">Văn bản</a></nav>
<ul class="menu"><li><a href="/gioi-thieu">Giới thiệu</a><ul><li><a href="/gioi-thieu/lich-su">Lịch sử</a></li><li><a href="/gioi-thieu/co-cau">Cơ cấu tổ chức</a></li></ul></li>
<li><a href="/dich-vu-cong">Dịch vụ công</a><ul><li><a href="https://dichvucong.gov.vn/">Cổng Dịch vụ công quốc gia</a></li><li><a href="/dich-vu-cong/dang-ky">Đăng ký tài khoản</a></li></ul></li></ul>
<button><span class="sr-only">Mở menu</span></button>
<main id="main"><h1>Tin tức</h1><div class="row"><div class="col"><a href="/tin/1">Công an tỉnh triệt phá đường dây cá độ bóng đá qua mạng</a></div>
<div class="col"><a href="https://baochinhphu.vn/canh-bao">Cảnh báo lừa đảo tuyển cộng tác viên online</a></div></div>
<div class="tab-pane active"><a href="/tin/2">Hội nghị tổng kết công tác năm</a></div>
<div class="tab-pane"><a href="/tin/3">Tuyên truyền phòng chống tệ nạn cờ bạc, số đề</a><a href="https://vnexpress.net/x">Xử lý nghiêm hành vi tổ chức đánh bạc</a></div></main>
<div id="cookie-banner">Trang sử dụng cookie để cải thiện trải nghiệm. <a href="https://www.google.com/policies/privacy/">Chính sách quyền riêng tư</a> <a href="#">Đồng ý</a></div>
<footer class="footer"><a href="https://chinhphu.vn/">Cổng thông tin Chính phủ</a> <a href="https://mic.gov.vn/">Bộ Thông tin và Truyền thông</a> Đăng ký nhận tin</footer>
</body></html>`

// TestOrdinaryHiddenPartsRaiseNothing: the hidden parts of an ordinary
// portal are hidden (the reader sees them so) and raise nothing.
func TestOrdinaryHiddenPartsRaiseNothing(t *testing.T) {
	page := readPage(ordinaryPortal)
	want := map[string]bool{"#main": true, "/gioi-thieu/lich-su": true, "https://dichvucong.gov.vn/": true, "/tin-tuc": true, "/tin/3": true,
		"https://www.google.com/policies/privacy/": true, "/gioi-thieu": false, "/tin/1": false, "/tin/2": false, "https://chinhphu.vn/": false}
	for href, hidden := range want {
		if got, _ := linkState(t, page, href); got != hidden {
			t.Errorf("%s: hidden=%v, want %v", href, got, hidden)
		}
	}
	checks, caps := ContentChecks(pageExchange(corpusPage, ordinaryPortal), nil, nil)
	for _, c := range checks {
		if c.Result != Pass && c.ID == string(ContentInjectedLinks) {
			t.Errorf("%s = %s: %s\n%s", c.ID, c.Result, c.DetailEN, c.Evidence)
		}
	}
	if len(caps) != 0 {
		t.Errorf("caps %v", caps)
	}
}

// TestCorporaHiddenByStylesheet: the spam corpus hidden by a class or in
// white is found; the clean corpus (news and law about gambling) in a
// stylesheet-hidden drop-down menu or tab, or as screen-reader text, is
// not.
func TestCorporaHiddenByStylesheet(t *testing.T) {
	const css = `<style>.ad{position:absolute;left:-9999px}.menu .sub{display:none}.tab{display:none}.tab.on{display:block}` +
		`.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}.w,.w a{color:#fefefe}</style>`
	for _, c := range readCorpus(t, "testdata/vocab/spam.txt") {
		inner := "<p>" + esc(c.text) + "</p>"
		if c.href != "" {
			inner = `<a href="` + esc(c.href) + `">` + esc(c.text) + "</a>"
		}
		for _, shape := range []string{`<div class="ad">` + inner + `</div>`, `<div class="w">` + inner + `</div>`} {
			if got := injectedLinksResult(`<html><head>` + css + `</head><body><h1>Cổng thông tin</h1>` + shape + `</body></html>`); got.Result != Fail || got.Severity != "critical" {
				t.Errorf("spam.txt:%d %q not found hidden: %s %s", c.line, shape, got.Result, got.Severity)
			}
		}
	}
	for _, c := range readCorpus(t, "testdata/vocab/clean.txt") {
		s, e := slug(c.text), esc(c.text)
		for _, shape := range []string{
			`<ul class="menu"><li><a href="/">Trang chủ</a><ul class="sub"><li><a href="/tin-tuc/` + s + `">` + e + `</a></li></ul></li></ul>`,
			`<div class="tab on"><a href="/a">Tin mới</a></div><div class="tab"><a href="/tin/` + s + `">` + e + `</a></div>`,
			`<a href="/tin/` + s + `">` + e + `<span class="sr">(mở trong trang mới)</span></a>`,
		} {
			if got := injectedLinksResult(`<html><head>` + css + `</head><body>` + shape + `</body></html>`); got.Result != Pass {
				t.Errorf("clean.txt:%d %q is %s:\n%s", c.line, c.text, got.Result, got.Evidence)
			}
		}
	}
}

// cssSite serves a page and its stylesheets over TLS, counting the
// requests for sheets.
func cssSite(t *testing.T, page string, sheets map[string]string, sheetRequests *atomic.Int32) string {
	ts := exposureServer(t, func(w http.ResponseWriter, r *http.Request) {
		if body, ok := sheets[r.URL.Path]; ok {
			sheetRequests.Add(1)
			if strings.HasSuffix(r.URL.Path, ".html") {
				w.Header().Set("Content-Type", "text/html")
			} else {
				w.Header().Set("Content-Type", "text/css")
			}
			io.WriteString(w, body)
			return
		}
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		strictHeaders := w.Header()
		strictHeaders.Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page)
	})
	t.Cleanup(func() {})
	return ts.URL
}

// TestLinkedStylesheets: a live scan reads the same-site sheets the page
// links and imports, at most maxSheets of them, each up to maxSheetBytes,
// only when they answer as CSS; the evidence names the sheet.
func TestLinkedStylesheets(t *testing.T) {
	spam := `<div class="seo"><a href="https://nhacai.example/">Nhà cái uy tín</a></div>`
	var many strings.Builder
	sheets := map[string]string{
		"/css/site.css":  `@import url("/css/hide.css"); body{font-family:sans-serif}`,
		"/css/hide.css":  `.seo { display: none }`,
		"/css/big.css":   strings.Repeat("/* padding */", (maxSheetBytes+1000)/13) + `.late{display:none}`,
		"/css/early.css": `.early{display:none}` + strings.Repeat("/* padding */", (maxSheetBytes+1000)/13),
		"/css/page.html": `.seo{display:none}`,
	}
	for i := range 12 {
		p := fmt.Sprintf("/css/m%d.css", i)
		sheets[p] = fmt.Sprintf(".m%d{color:red}", i)
		fmt.Fprintf(&many, `<link rel="stylesheet" href="%s">`, p)
	}
	var n atomic.Int32
	cases := []struct {
		name, head string
		found      bool
		sheet      string // named in the detail
		maxFetches int32
	}{
		{"imported sheet", `<link rel="stylesheet" href="/css/site.css">`, true, "/css/hide.css", 2},
		{"print sheet is not read", `<link rel="stylesheet" href="/css/hide.css" media="print">`, false, "", 0},
		{"a rule past the size limit is not read", `<link rel="stylesheet" href="/css/big.css"><style>.late .seo{}</style>`, false, "", 1},
		{"a rule before the size limit is", `<link rel="stylesheet" href="/css/early.css">`, true, "/css/early.css", 1},
		{"an answer that is not CSS is not read", `<link rel="stylesheet" href="/css/page.html">`, false, "", 1},
		{"at most eight sheets", many.String() + `<link rel="stylesheet" href="/css/hide.css">`, false, "", maxSheets},
	}
	for _, c := range cases {
		body := strings.ReplaceAll(spam, `class="seo"`, `class="seo late early"`)
		base := cssSite(t, `<!doctype html><html><head>`+c.head+`</head><body><h1>Cổng</h1>`+body+`</body></html>`, sheets, &n)
		n.Store(0)
		rep, err := Assess(context.Background(), base+"/", Options{RootCAs: nil, AllowPrivate: true, Timeout: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		got := checksByID(rep)[string(ContentInjectedLinks)]
		hidden := got.Severity == "critical"
		if hidden != c.found || !strings.Contains(got.DetailEN, c.sheet) || (c.found && !strings.Contains(got.Detail, "trong "+base+c.sheet)) {
			t.Errorf("%s: %s %s %q, want hidden=%v naming %s", c.name, got.Result, got.Severity, got.DetailEN, c.found, c.sheet)
		}
		if n.Load() > c.maxFetches {
			t.Errorf("%s: %d sheets fetched, at most %d expected", c.name, n.Load(), c.maxFetches)
		}
	}
}

// TestStylesheetSources: which linked sheets are the page's own.
func TestStylesheetSources(t *testing.T) {
	page := mustParse("https://portal.example.gov.vn/tin/a.html")
	for href, want := range map[string]string{
		"/css/a.css": "https://portal.example.gov.vn/css/a.css", "b.css#x": "https://portal.example.gov.vn/tin/b.css",
		"https://static.example.gov.vn/c.css": "https://static.example.gov.vn/c.css", "//www.example.gov.vn/d.css": "https://www.example.gov.vn/d.css",
		"https://cdn.jsdelivr.net/bootstrap.css": "", "https://fonts.googleapis.com/css?family=Roboto": "", "http://portal.example.gov.vn/e.css": "",
		"https://other.gov.vn/f.css": "", "javascript:alert(1)": "", "": "",
	} {
		if got := sheetURL(page, href); got != want {
			t.Errorf("sheetURL(%q) = %q, want %q", href, got, want)
		}
	}
	if got := sheetURL(mustParse("https://127.0.0.1:8443/"), "https://127.0.0.2/x.css"); got != "" {
		t.Errorf("another address is not the site's: %q", got)
	}
}

// TestProbeAndHARReadLinkedStylesheets: a monitoring probe fetches the
// page's same-site sheets and judges them; a HAR file's own CSS answers
// are read offline.
func TestProbeAndHARReadLinkedStylesheets(t *testing.T) {
	var n atomic.Int32
	page := `<!doctype html><html><head><link rel="stylesheet" href="/s.css"></head><body><h1>Cổng</h1><div class="seo"><a href="https://nhacai.example/">Nhà cái uy tín</a></div></body></html>`
	base := cssSite(t, page, map[string]string{"/s.css": ".seo{display:none}"}, &n)
	obs, err := ProbeSite(context.Background(), base+"/", Options{AllowPrivate: true, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(obs.Stylesheets) != 1 {
		t.Fatalf("stylesheets %v", obs.Stylesheets)
	}
	v := EvaluateProbe(*obs, "", "", time.Now())
	if len(v.HiddenLinks) == 0 || v.Failing()[string(ContentInjectedLinks)] == "" {
		t.Errorf("the probe missed the block hidden by the linked sheet: %v", v.Failing())
	}

	har := `{"log":{"entries":[
	 {"request":{"url":"https://portal.example/"},"response":{"status":200,"headers":[{"name":"Content-Type","value":"text/html"}],"content":{"text":` + fmt.Sprintf("%q", page) + `}}},
	 {"request":{"url":"https://portal.example/s.css"},"response":{"status":200,"headers":[{"name":"Content-Type","value":"text/css"}],"content":{"text":".seo{display:none}"}}}
	]}}`
	ex, err := ExchangeFromHAR([]byte(har))
	if err != nil {
		t.Fatal(err)
	}
	c := checksByID(AssessExchange(ex, time.Now()))[string(ContentInjectedLinks)]
	if c.Severity != "critical" || !strings.Contains(c.DetailEN, "in https://portal.example/s.css: display:none") {
		t.Errorf("HAR: %s %s %q", c.Result, c.Severity, c.DetailEN)
	}
}
