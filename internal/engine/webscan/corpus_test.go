package webscan

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// corpusLine is one case of testdata/vocab: a text, the address when it
// is a link, and whether it is expected only with its marks.
type corpusLine struct {
	text, href string
	markedOnly bool
	line       int
}

func readCorpus(t testing.TB, path string) []corpusLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusLine
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := corpusLine{line: n}
		c.text, c.href, _ = strings.Cut(line, "\t")
		if rest, ok := strings.CutPrefix(c.text, "="); ok {
			c.text, c.markedOnly = rest, true
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// stripMarks writes text as it is typed without Vietnamese marks, keeping
// its case ("Nhà Cái" → "Nha Cai").
func stripMarks(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			b.WriteByte('d')
		case r == 'Đ':
			b.WriteByte('D')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// slug is the address path a CMS makes of a title.
func slug(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(stripMarks(s)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), "-")
}

const corpusPage = "https://portal.example.gov.vn/"

// injectedLinksResult runs the content checks on a page body and returns
// content.injected-links.
func injectedLinksResult(body string) Check {
	checks, _ := ContentChecks(pageExchange(corpusPage, body), nil, nil)
	for _, c := range checks {
		if c.ID == "content.injected-links" {
			return c
		}
	}
	return Check{}
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// TestGamblingSpamCorpus: every line of spam.txt, placed in a hidden
// block of a portal's page as it is injected, fails content.injected-links,
// with its Vietnamese marks and without them.
func TestGamblingSpamCorpus(t *testing.T) {
	lines := readCorpus(t, "testdata/vocab/spam.txt")
	if len(lines) < 200 {
		t.Fatalf("only %d spam lines", len(lines))
	}
	missed := 0
	for _, c := range lines {
		variants := []string{c.text}
		if !c.markedOnly && stripMarks(c.text) != c.text {
			variants = append(variants, stripMarks(c.text))
		}
		for _, text := range variants {
			inner := "<p>" + esc(text) + "</p>"
			if c.href != "" {
				inner = `<a href="` + esc(c.href) + `">` + esc(text) + "</a>"
			}
			body := `<html><body><h1>Cổng thông tin điện tử tỉnh</h1><p>Tin tức hôm nay</p><div style="position:absolute;left:-9999px">` + inner + `</div></body></html>`
			if got := injectedLinksResult(body); got.Result != Fail {
				missed++
				t.Errorf("spam.txt:%d not found: %q %s", c.line, text, c.href)
			}
		}
	}
	t.Logf("%d spam lines, %d missed", len(lines), missed)
}

// TestGamblingCleanCorpus: no line of clean.txt — menus, notices, news
// and law about gambling — is a finding, whether hidden in a drop-down
// menu linking inside the site, shown as a link to the site or to the
// national press, or hidden as plain text, with or without its marks.
func TestGamblingCleanCorpus(t *testing.T) {
	lines := readCorpus(t, "testdata/vocab/clean.txt")
	if len(lines) < 200 {
		t.Fatalf("only %d clean lines", len(lines))
	}
	alarms := 0
	for _, c := range lines {
		for _, text := range []string{c.text, stripMarks(c.text)} {
			s, e := slug(text), esc(text)
			for _, shape := range []struct{ name, body string }{
				{"hidden menu", `<ul class="menu"><li><a href="/">Trang chủ</a><ul class="sub" style="display:none"><li><a href="/tin-tuc/` + s + `.html">` + e + `</a></li></ul></li></ul>`},
				{"hidden menu, absolute", `<ul style="display:none"><li><a href="` + corpusPage + `tin-tuc/` + s + `">` + e + `</a></li></ul>`},
				{"visible link", `<ul><li><a href="/tin-tuc/` + s + `">` + e + `</a></li></ul>`},
				{"visible press link", `<p><a href="https://baochinhphu.vn/` + s + `.htm">` + e + `</a></p>`},
				{"hidden text", `<div hidden><p>` + e + `</p></div>`},
			} {
				got := injectedLinksResult("<html><body>" + shape.body + "</body></html>")
				if got.Result != Pass {
					alarms++
					t.Errorf("clean.txt:%d %s: %q is %s:\n%s", c.line, shape.name, text, got.Result, got.Evidence)
				}
			}
		}
	}
	t.Logf("%d clean lines, %d false alarms", len(lines), alarms)
}

// TestGamblingCorpusSizes keeps the corpora the size the tests promise.
func TestGamblingCorpusSizes(t *testing.T) {
	for _, f := range []string{"spam.txt", "clean.txt"} {
		lines := readCorpus(t, "testdata/vocab/"+f)
		marked, unmarked := 0, 0
		for _, l := range lines {
			if stripMarks(l.text) == l.text {
				unmarked++
			} else {
				marked++
			}
		}
		t.Log(fmt.Sprintf("%s: %d lines (%d with marks, %d without)", f, len(lines), marked, unmarked))
	}
}
