package webscan

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// FuzzStylesheet: any sheet, with any page, is read without a crash, and
// what is kept stays within the limits.
func FuzzStylesheet(f *testing.F) {
	for _, s := range []string{
		`.x{display:none}`, `div.a > p .b, #c{visibility:hidden!important}`, `@media screen and (min-width:1px){.x{color:#fff}}`,
		`@import url("/a.css") screen; .y{font:0/0 a}`, `.n{color:red; .m{display:none}} .o{opacity:0}`, `/* */ .x{content:"}"} }}} {{{ @media{`,
		`.w{background:url(x) #fff} .w a{color:rgba(255,255,255,.99)}`, `.s{clip:rect(0 0 0 0);clip-path:inset(50%);transform:translate(-9999px,0)}`,
		`a{color:inherit} ul>li>a{font-size:1px}`, `@supports (x){@media all{@layer l{.q{display:none}}}}`, "\x00{}\\", `*{width:0;overflow:hidden}`,
	} {
		f.Add(s, `<div class="x a w s n"><p class="b"><a href="https://x.example/">nhà cái</a></p><ul><li><a href="/a">a</a></li></ul></div>`)
	}
	f.Fuzz(func(t *testing.T, css, body string) {
		sh := parseStylesheet(css, "<style>", maxSelectors)
		if len(sh.rules) > maxSelectors {
			t.Fatalf("%d rules", len(sh.rules))
		}
		for _, r := range sh.rules {
			if len(r.sel) == 0 || len(r.sel) > maxCompounds || len(r.decls) == 0 || r.sel[0].comb != 0 {
				t.Fatalf("rule %+v", r)
			}
		}
		page := readPage("<html><head><style>" + css + "</style></head><body>" + body + "</body></html>")
		for _, l := range page.links {
			if l.hidden != (l.block != 0) || l.block > len(page.hides) {
				t.Fatalf("link %+v with %d blocks", l, len(page.hides))
			}
		}
		for _, h := range page.hides {
			if vi, en := h.texts(); vi == "" || en == "" {
				t.Fatal("a block without a reason")
			}
		}
	})
}

// TestHostileStylesheets: sheets and pages made to be slow are read in
// bounded time, and what is kept stays within the limits.
func TestHostileStylesheets(t *testing.T) {
	deepHTML := strings.Repeat("<div class=d>", 3000) + `<a href="/t">t</a>` + strings.Repeat("</div>", 3000)
	cases := []struct {
		name, css, body string
	}{
		{"nested @media blocks", strings.Repeat("@media all{", 100000) + ".x{display:none}", ""},
		{"opening braces", strings.Repeat("{", 200000), ""},
		{"parentheses", ".x" + strings.Repeat("(", 200000) + "{display:none}", ""},
		{"unterminated comment and string", `.x{display:none} /*` + strings.Repeat("a", 200000) + `" .y{`, ""},
		{"a huge selector list", strings.Repeat(".a,", 100000) + ".b{display:none}", `<div class="b"><a href="/t">t</a></div>`},
		{"many rules", strings.Repeat(".a{display:none}", 100000), `<div class="a"><a href="/t">t</a></div>`},
		{"long selectors on a deep page", strings.Repeat("div div div div div div div div div div div div div div div .z{display:none}", 2000), deepHTML},
		{"universal rules on a deep page", strings.Repeat("* * .d{display:block}\n", 4000), deepHTML},
		{"child chains on a deep page", strings.Repeat(".d > .d > .d > .d > .d > .d > .d > .d > .d > .d > .d > .d > .d > .d > .d > .q{display:none}", 4000), deepHTML},
		{"many style blocks", "", strings.Repeat("<style>"+strings.Repeat(".k{display:none}", 2000)+"</style>", 64)},
	}
	for _, c := range cases {
		start := time.Now()
		sh := parseStylesheet(c.css, "<style>", maxSelectors)
		page := readPage("<html><head><style>" + c.css + "</style></head><body>" + c.body + "</body></html>")
		// The work is bounded by the parser's caps and the matching-step
		// budget, not by a clock; this only tells a hang (minutes) from
		// a slow machine (seconds, when the machine is busy).
		if took := time.Since(start); took > time.Minute {
			t.Errorf("%s: still reading after %v", c.name, took)
		}
		if len(sh.rules) > maxSelectors {
			t.Errorf("%s: %d rules kept", c.name, len(sh.rules))
		}
		_ = page
	}
	// One rule in a list of a thousand still applies; the list is read up
	// to maxSelectorsPerRule.
	page := readPage(`<style>` + strings.Repeat(".a,", 100) + `.b{display:none}</style><div class="b"><a href="/t">t</a></div>`)
	if !page.links[0].hidden {
		t.Error("a selector inside a list of 101 is not applied")
	}
}

// BenchmarkStyledPortalPage1MB reads the generated 1 MB portal page
// (vocab_test.go) with a 256 KB stylesheet of about 4,000 rules of the
// usual kinds (classes, descendants, children, ids, @media), the cost a
// page with a heavy theme adds to a scan.
func BenchmarkStyledPortalPage1MB(b *testing.B) {
	var css strings.Builder
	for i := 0; css.Len() < maxSheetBytes-200; i++ {
		switch i % 5 {
		case 0:
			fmt.Fprintf(&css, ".c%d{color:#333;margin-left:%dpx}\n", i, i%40)
		case 1:
			fmt.Fprintf(&css, ".menu li .sub%d{display:none;position:absolute}\n", i)
		case 2:
			fmt.Fprintf(&css, "ul > li.k%d > a{font-size:14px}\n", i)
		case 3:
			fmt.Fprintf(&css, "#b%d .x{background:#fff}\n", i)
		default:
			fmt.Fprintf(&css, "@media (min-width:768px){div.r%d span{width:50%%;overflow:hidden}}\n", i)
		}
	}
	page := strings.Replace(bigPortalPage(1<<20), "<body>", "<body><style>"+css.String()+"</style>", 1)
	b.SetBytes(int64(len(page)))
	b.ResetTimer()
	for range b.N {
		p := readPage(page)
		if len(p.links) == 0 {
			b.Fatal("no links")
		}
	}
}
