package detect

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"
)

// TestRegexHints: the two SigmaHQ expressions that hold no literal worth
// searching get a cheap necessary condition (a run of hexadecimal digits;
// a dot followed by one of three characters), checked before the
// expression runs.
func TestRegexHints(t *testing.T) {
	snake, err := regexTest(mods{re: true}, `\s[a-fA-F0-9]{64}\s[a-fA-F0-9]{16}`)
	if err != nil {
		t.Fatal(err)
	}
	if r := snake.(reTest).run; r == nil || r.n != 64 || !r.set['f'] || r.set['g'] {
		t.Errorf("SNAKE arguments: run %+v, want 64 hexadecimal digits", r)
	}
	robin, err := regexTest(mods{re: true}, `\\[a-zA-Z0-9]{1,32}\.[a-zA-Z0-9]{1,6}\.[ "']{1}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(robin.(reTest).need, "|"); got != `. |."|.'` {
		t.Errorf("Raspberry Robin: needles %q, want the dot and its three followers", got)
	}
}

// TestRegexHintsSound: with or without its hints (needles, minimum
// length, byte run), a re test answers what the expression answers, on
// random texts built from the expressions' own pieces, multi-byte and
// invalid UTF-8 included.
func TestRegexHintsSound(t *testing.T) {
	exprs := []struct {
		expr string
		m    mods
	}{
		{`\s[a-fA-F0-9]{64}\s[a-fA-F0-9]{16}`, mods{re: true}},
		{`\\[a-zA-Z0-9]{1,32}\.[a-zA-Z0-9]{1,6}\.[ "']{1}`, mods{re: true}},
		{`[a-f0-9]{8}-x`, mods{re: true, reI: true}},
		{`ab[cD]e[fG]`, mods{re: true, reI: true}},
		{`[^a-z]{8}`, mods{re: true}},
		{`[é-ü0-9]{8}`, mods{re: true}},
		{`[sſ]{8}`, mods{re: true, reI: true}},
		{`x(y[z\x{212a}]){3}`, mods{re: true, reI: true}},
		{`(ab|cd)[.;]{2}e`, mods{re: true}},
		{`ſ`, mods{re: true, reI: true}},
	}
	pieces := []string{"a", "b", "c", "d", "e", "f", "x", "y", "z", "A", "F", "G", "K", "k", "\u212a", "0", "9", "-", ".", ";", " ", "\t", "\"", "'", "\\",
		"é", "ü", "ſ", "s", "S", "\xff", "\xc3", "deadbeef", "DEADBEEF01234567", "ab.cd.", "\\run.dll. ",
		" " + strings.Repeat("0123456789abcdeF", 4) + " ", "abdef", "ABCEG", "xykyzyK", "xy\u212ayzyk"}
	r := rand.New(rand.NewSource(11))
	for _, x := range exprs {
		vt, err := regexTest(x.m, x.expr)
		if err != nil {
			t.Fatal(err)
		}
		rt := vt.(reTest)
		re := rt.re
		bare := reTest{re: regexp.MustCompile(re.String())}
		matched := 0
		for i := 0; i < 5000; i++ {
			var b strings.Builder
			for k := r.Intn(120); k > 0; k-- {
				b.WriteString(pieces[r.Intn(len(pieces))])
			}
			if r.Intn(4) == 0 { // long runs of one piece
				p := pieces[r.Intn(len(pieces))]
				b.WriteString(strings.Repeat(p, 1+r.Intn(70)))
			}
			v := &Value{Text: b.String()}
			want := bare.test(nil, &Value{Text: v.Text})
			if got := rt.test(nil, v); got != want {
				t.Fatalf("%s on %q: %v with hints (need %q, min %d, run %v), %v without", x.expr, v.Text, got, rt.need, rt.minLen, rt.run != nil, want)
			}
			if want {
				matched++
			}
		}
		if matched == 0 {
			t.Logf("%s: no random text matched", x.expr)
		}
	}
}
