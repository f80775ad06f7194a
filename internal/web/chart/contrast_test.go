package chart

import (
	"math"
	"os"
	"regexp"
	"strconv"
	"testing"
)

// luminance is the relative luminance of a #rrggbb colour (WCAG 2.1).
func luminance(t *testing.T, hex string) float64 {
	t.Helper()
	if len(hex) != 7 || hex[0] != '#' {
		t.Fatalf("colour %q", hex)
	}
	var c [3]float64
	for i := range c {
		v, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		if err != nil {
			t.Fatal(err)
		}
		s := float64(v) / 255
		if s <= 0.04045 {
			c[i] = s / 12.92
		} else {
			c[i] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
}

func contrast(t *testing.T, a, b string) float64 {
	la, lb := luminance(t, a), luminance(t, b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// TestColoursMeetWCAGAA reads chart.css and checks every colour a reader
// needs against white (and the bar track): 4.5:1 for text, 3:1 for
// lines, bars and marks (WCAG 2.1 1.4.3 and 1.4.11). The colours the SVG
// carries itself, for a page without chart.css, are checked too.
func TestColoursMeetWCAGAA(t *testing.T) {
	css, err := os.ReadFile("chart.css")
	if err != nil {
		t.Fatal(err)
	}
	const white, track = "#ffffff", "#eef2f6"
	for _, tc := range []struct {
		rule string // selector{property as it appears in chart.css
		min  float64
		on   []string
	}{
		{`.chart text{fill:`, 4.5, []string{white}},
		{`.chart .chart-tick{fill:`, 4.5, []string{white}},
		{`.chart .chart-p95-label{fill:`, 4.5, []string{white}},
		{`.chart .chart-empty-text{fill:`, 4.5, []string{"#f6f8fa"}},
		{`.chart-caption{color:`, 4.5, []string{white}},
		{`.chart-details summary{cursor:pointer;color:`, 4.5, []string{white}},
		{`.chart-axis{stroke:`, 3, []string{white}},
		{`.chart-line{stroke:`, 3, []string{white}},
		{`.chart-p95{stroke:`, 3, []string{white}},
		{`.chart-fail{stroke:`, 3, []string{white}},
		{`.chart-day-ok{fill:`, 3, []string{white}},
		{`.chart-day-bad{fill:`, 3, []string{white}},
		{`.chart-day-mark{fill:`, 3, []string{white}},
		{`.chart-day-nodata{fill:none;stroke:`, 3, []string{white}},
		{`.chart-g-ap{fill:`, 4.5, []string{white}}, // white letters on the grade band
		{`.chart-g-ap{fill:`, 3, []string{track}},   // a bar on its track
		{`.chart-g-a{fill:`, 4.5, []string{white}},  // white letters on the grade band
		{`.chart-g-a{fill:`, 3, []string{track}},    // a bar on its track
		{`.chart-g-b{fill:`, 4.5, []string{white}},  // white letters on the grade band
		{`.chart-g-b{fill:`, 3, []string{track}},    // a bar on its track
		{`.chart-g-c{fill:`, 4.5, []string{white}},  // white letters on the grade band
		{`.chart-g-c{fill:`, 3, []string{track}},    // a bar on its track
		{`.chart-g-d{fill:`, 4.5, []string{white}},  // white letters on the grade band
		{`.chart-g-d{fill:`, 3, []string{track}},    // a bar on its track
		{`.chart-g-f{fill:`, 4.5, []string{white}},  // white letters on the grade band
		{`.chart-g-f{fill:`, 3, []string{track}},    // a bar on its track
		{`.chart-g-none{fill:`, 4.5, []string{white}},
		{`.chart-g-none{fill:`, 3, []string{track}},
	} {
		m := regexp.MustCompile(regexp.QuoteMeta(tc.rule) + `(#[0-9a-f]{6})`).FindSubmatch(css)
		if m == nil {
			t.Errorf("chart.css has no %s#…", tc.rule)
			continue
		}
		for _, bg := range tc.on {
			if r := contrast(t, string(m[1]), bg); r < tc.min {
				t.Errorf("%s%s on %s: contrast %.2f, want %.1f", tc.rule, m[1], bg, r, tc.min)
			}
		}
	}
	for cls, fill := range gradeFill {
		if !regexp.MustCompile(`\.chart-g-` + cls + `\{fill:` + fill).Match(css) {
			t.Errorf("grade %s: the SVG's own colour %s differs from chart.css", cls, fill)
		}
	}
}
