package webscan

import (
	"strings"
	"testing"
)

// linkState finds the link to href on a page read with its <style>
// blocks: whether it is hidden and how (English), "" when visible.
func linkState(t *testing.T, page pageFacts, href string) (hidden bool, how string) {
	t.Helper()
	for _, l := range page.links {
		if l.href == href {
			if l.hidden && l.block >= 1 && l.block <= len(page.hides) {
				_, en := page.hides[l.block-1].texts()
				return true, en
			}
			return l.hidden, ""
		}
	}
	t.Fatalf("no link to %s", href)
	return false, ""
}

// TestStylesheetVisibility: which links a page's <style> rules hide, and
// how the evidence says so; and what they must not hide.
func TestStylesheetVisibility(t *testing.T) {
	cases := []struct {
		name, css, body string
		hidden          bool
		how             string // part of the English reason
	}{
		{"class, display:none", `.x{display:none}`, `<div class="x"><a href="/t">t</a></div>`, true, "hidden by class .x in <style>: display:none"},
		{"id, visibility:hidden", `#spam { visibility: hidden }`, `<p id="spam"><a href="/t">t</a></p>`, true, "hidden by id #spam in <style>: visibility:hidden"},
		{"tag", `marquee{display:none}`, `<marquee><a href="/t">t</a></marquee>`, true, "hidden by tag <marquee>"},
		{"descendant compound, off-screen", `div.ad a { position:absolute; left:-9999px }`, `<div class="ad"><span><a href="/t">t</a></span></div>`, true, `selector "div.ad a" in <style>: position:absolute; left:-9999px`},
		{"child combinator", `ul > li.h{display:none}`, `<ul><li class="h"><a href="/t">t</a></li></ul>`, true, "display:none"},
		{"child combinator that does not hold", `ul > li.h{display:none}`, `<ul><li><ol><li class="x"></li></ol></li></ul><div><li class="h"><a href="/t">t</a></li></div>`, false, ""},
		{"selector list", `.a, .b{display:none}`, `<div class="b"><a href="/t">t</a></div>`, true, "class .b"},
		{"1px box", `.box{width:1px;height:1px;overflow:hidden}`, `<div class="box"><a href="/t">t</a></div>`, true, "width:1px; overflow:hidden"},
		{"zero height without overflow shows its content", `.box{height:0}`, `<div class="box"><a href="/t">t</a></div>`, false, ""},
		{"white link on the default white", `.w{color:#fff}`, `<a class="w" href="/t">t</a>`, true, "color:#fff on a #ffffff background (the default white)"},
		{"white text in a link", `.w{color:white}`, `<a href="/t"><span class="w">t</span></a>`, true, "color:white"},
		{"nearly white", `.w a{color:rgb(250,250,250)}`, `<div class="w"><a href="/t">t</a></div>`, true, "rgb(250,250,250)"},
		{"white on a dark box", `.dark{background:#003366} .dark a{color:#fff}`, `<div class="dark"><a href="/t">t</a></div>`, false, ""},
		{"white on an image", `.hero{background:url(/a.jpg) #fff} .hero a{color:#fff}`, `<div class="hero"><a href="/t">t</a></div>`, false, ""},
		{"same colour as a coloured box", `.g{background-color:#2a6e2a} .g a{color:#2a6e2a}`, `<div class="g"><a href="/t">t</a></div>`, true, "on a #2a6e2a background"},
		{"white text but a link keeps its own colour", `.w{color:#fff}`, `<div class="w"><a href="/t">t</a></div>`, false, ""},
		{"links told to inherit it", `.w{color:#fff} a{color:inherit}`, `<div class="w"><a href="/t">t</a></div>`, true, "color:#fff"},
		{"transparent text", `.t{color:transparent}`, `<a class="t" href="/t">t</a>`, true, "color:transparent"},
		{"whole page white on a background the scanner cannot see", `body{color:#fff}`, `<p>x</p><div><span>t <a href="/t" style="color:inherit">t</a></span></div>`, false, ""},
		{"text-indent", `.t{text-indent:-9999px}`, `<h1 class="t"><a href="/t">t</a></h1>`, true, "text-indent:-9999px"},
		{"clip", `.sr{position:absolute;clip:rect(0,0,0,0)}`, `<span class="sr"><a href="/t">t</a></span>`, true, "clip:rect(0,0,0,0)"},
		{"clip-path", `.c{clip-path:inset(50%)}`, `<span class="c"><a href="/t">t</a></span>`, true, "clip-path:inset(50%)"},
		{"opacity", `.o{opacity:0}`, `<div class="o"><a href="/t">t</a></div>`, true, "opacity:0"},
		{"font-size 0", `.f{font-size:0}`, `<div class="f"><a href="/t">t</a></div>`, true, "font-size:0"},
		{"font shorthand 0/0", `.ir{font:0/0 a}`, `<div class="ir"><a href="/t">t</a></div>`, true, "font-size:0"},
		{"font-size 0 to close gaps, text sized again", `.row{font-size:0} .row > .col{font-size:14px}`, `<div class="row"><div class="col"><a href="/t">t</a></div></div>`, false, ""},
		{"translate far off", `.m{transform:translateX(-10000px)}`, `<div class="m"><a href="/t">t</a></div>`, true, "translatex(-10000px)"},
		{"a small negative offset is not off-screen", `.m{position:relative;left:-20px}`, `<div class="m"><a href="/t">t</a></div>`, false, ""},
		{"declared static ignores left", `.m{position:static;left:-9999px}`, `<div class="m"><a href="/t">t</a></div>`, false, ""},
		{"hidden ancestor hides descendants", `.wrap{display:none}`, `<section class="wrap"><div><ul><li><a href="/t">t</a></li></ul></div></section>`, true, "class .wrap"},
		{"visible again under visibility:hidden", `.v{visibility:hidden} .v a{visibility:visible}`, `<div class="v"><a href="/t">t</a></div>`, false, ""},
		{"specificity: the open sub-menu shows", `.menu .sub{display:none} .menu .sub.open{display:block}`, `<ul class="menu"><li><ul class="sub open"><li><a href="/t">t</a></li></ul></li></ul>`, false, ""},
		{"specificity beats order", `.menu .sub.open{display:block} .sub{display:none}`, `<ul class="menu"><li><ul class="sub open"><li><a href="/t">t</a></li></ul></li></ul>`, false, ""},
		{"the later rule wins", `.x{display:none} .x{display:block}`, `<div class="x"><a href="/t">t</a></div>`, false, ""},
		{"the style attribute overrides a rule", `.x{display:none}`, `<div class="x" style="display:block"><a href="/t">t</a></div>`, false, ""},
		{"!important overrides the style attribute", `.x{display:none !important}`, `<div class="x" style="display:block"><a href="/t">t</a></div>`, true, "display:none"},
		{"an author display beats the hidden attribute", `.x{display:block}`, `<div hidden class="x"><a href="/t">t</a></div>`, false, ""},
		{"@media print does not apply", `@media print{.x{display:none}}`, `<div class="x"><a href="/t">t</a></div>`, false, ""},
		{"@media for phones does not apply", `@media (max-width: 600px){.x{display:none}}`, `<div class="x"><a href="/t">t</a></div>`, false, ""},
		{"@media for desktops applies", `@media screen and (min-width: 768px){.x{display:none}}`, `<div class="x"><a href="/t">t</a></div>`, true, "class .x"},
		{"@supports applies", `@supports (display:grid){@media all{.x{display:none}}}`, `<div class="x"><a href="/t">t</a></div>`, true, "class .x"},
		{"pseudo-classes are skipped", `.x:hover{display:none} .x::before{display:none}`, `<div class="x"><a href="/t">t</a></div>`, false, ""},
		{"attribute selectors are skipped", `[data-x]{display:none} a[href]{display:none}`, `<div data-x="1"><a href="/t">t</a></div>`, false, ""},
		{"comments and strings", `/* .x{display:none} */ .y{content:"}"} .x{display:block}`, `<div class="x"><a href="/t">t</a></div>`, false, ""},
		{"keyframes are skipped", `@keyframes k{from{opacity:0}to{opacity:1}} .x{animation:k 1s}`, `<div class="x"><a href="/t">t</a></div>`, false, ""},
		{"hiding <body> does not count", `body{display:none}`, `<div><a href="/t">t</a></div>`, false, ""},
		{"<font color> on the default white", ``, `<font color="#ffffff"><a href="/t" style="color:inherit">t</a></font>`, true, "an attribute of <font>: color:#ffffff"},
		{"inline style still applies", ``, `<div style="position:absolute;left:-9999px"><a href="/t">t</a></div>`, true, "hidden by its style attribute: position:absolute; left:-9999px"},
	}
	for _, c := range cases {
		page := readPage(`<!doctype html><html><head><style>` + c.css + `</style></head><body><a href="/v">v</a>` + c.body + `</body></html>`)
		if h, _ := linkState(t, page, "/v"); h {
			t.Errorf("%s: the visible link is hidden", c.name)
		}
		hidden, how := linkState(t, page, "/t")
		if hidden != c.hidden || !strings.Contains(how, c.how) {
			t.Errorf("%s: hidden=%v (%q), want %v (%q)", c.name, hidden, how, c.hidden, c.how)
		}
	}
}

// TestHidingInVietnamese: the reason is given in both languages.
func TestHidingInVietnamese(t *testing.T) {
	page := readPage(`<style>.x{display:none}</style><div class="x"><a href="/t">t</a></div>`)
	vi, en := page.hides[0].texts()
	if vi != "ẩn bằng lớp .x trong <style>: display:none" || en != "hidden by class .x in <style>: display:none" {
		t.Errorf("%q / %q", vi, en)
	}
}

func TestMediaQueries(t *testing.T) {
	for q, want := range map[string]bool{
		"": true, "all": true, "screen": true, "print": false, "speech": false, "screen, print": true, "not print": true, "not screen": false,
		"only screen and (min-width: 992px)": true, "(max-width: 767px)": false, "(min-width: 768px) and (max-width: 1400px)": true,
		"(min-width: 90em)": false, "(width >= 600px)": true, "(width < 600px)": false, "(orientation: portrait)": false,
		"(prefers-color-scheme: dark)": false, "(hover: hover)": true, "(-webkit-min-device-pixel-ratio: 2)": false, "tv": false, "screen and (": false,
	} {
		if got := mediaHolds(q); got != want {
			t.Errorf("mediaHolds(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestParseColor(t *testing.T) {
	for in, want := range map[string]string{
		"#fff": "#ffffff", "#FFFFFF": "#ffffff", "white": "#ffffff", "rgb(255, 255, 255)": "#ffffff", "rgb(100% 100% 100%)": "#ffffff",
		"hsl(0, 0%, 100%)": "#ffffff", "hsl(120 100% 25%)": "#008000", "#0000": "#000000 (alpha 0.00)", "rgba(0,0,0,.5)": "#000000 (alpha 0.50)",
	} {
		c, ok := parseColor(in)
		if !ok || c.String() != want {
			t.Errorf("parseColor(%q) = %v %v, want %s", in, c, ok, want)
		}
	}
	for _, bad := range []string{"", "#ggg", "rgb(1,2)", "papayawhipx", "hsl(nan,1%,1%)", "#12345"} {
		if _, ok := parseColor(bad); ok {
			t.Errorf("parseColor(%q) accepted", bad)
		}
	}
}
