package chart

import (
	"encoding/xml"
	"errors"
	"html/template"
	"io"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
)

// wellFormed parses out as one XML element and returns the attributes of
// its root, failing the test on any syntax error.
func wellFormed(t testing.TB, name string, out template.HTML) map[string]string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(out)))
	d.Strict = true
	depth, roots := 0, 0
	root := map[string]string{}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: not well-formed XML: %v\n%s", name, err, out)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
				for _, a := range el.Attr {
					root[a.Name.Local] = a.Value
				}
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && strings.TrimSpace(string(el)) != "" {
				t.Fatalf("%s: text outside the root: %q", name, el)
			}
		}
	}
	if roots != 1 {
		t.Fatalf("%s: %d root elements, want 1", name, roots)
	}
	return root
}

var (
	hrefAttr        = regexp.MustCompile(`href="([^"]*)"`)
	allowedElements = map[string]bool{"svg": true, "title": true, "desc": true, "g": true, "rect": true, "path": true, "line": true, "circle": true, "text": true, "a": true,
		"figure": true, "figcaption": true, "details": true, "summary": true, "table": true, "caption": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true, "p": true, "span": true}
	allowedAttrs = map[string]bool{"xmlns": true, "class": true, "viewBox": true, "width": true, "height": true, "role": true, "aria-labelledby": true, "aria-label": true,
		"font-family": true, "font-size": true, "id": true, "x": true, "y": true, "x1": true, "x2": true, "y1": true, "y2": true, "cx": true, "cy": true, "r": true, "rx": true,
		"d": true, "fill": true, "stroke": true, "stroke-width": true, "stroke-dasharray": true, "stroke-linejoin": true, "paint-order": true, "text-anchor": true,
		"transform": true, "href": true, "scope": true}
	geometry = regexp.MustCompile(`^[-0-9. MLhvlmzHVZ]*$|^translate\(0 8\)$`)
)

// safe parses out (HTML written as XML) and checks what the site's CSP and
// our rules forbid: only known elements and attributes (no script, no
// style, no event handler, no foreign object or image), links only to
// paths on this site, no other address, geometry made of numbers only,
// and no fmt error in the text.
func safe(t testing.TB, name string, out template.HTML) {
	t.Helper()
	if strings.Contains(string(out), "%!") {
		t.Errorf("%s: a format error in %s", name, out)
	}
	d := xml.NewDecoder(strings.NewReader(string(out)))
	d.Strict = true
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if !allowedElements[el.Name.Local] {
			t.Errorf("%s: element <%s>", name, el.Name.Local)
		}
		for _, a := range el.Attr {
			key, v := a.Name.Local, a.Value
			if a.Name.Space != "" && key != "xmlns" {
				key = a.Name.Space + ":" + key
			}
			switch {
			case !allowedAttrs[key]:
				t.Errorf("%s: attribute %s=%q on <%s>", name, key, v, el.Name.Local)
			case key == "xmlns":
				if v != "http://www.w3.org/2000/svg" {
					t.Errorf("%s: xmlns %q", name, v)
				}
			case key == "href":
				if i := strings.IndexAny(v, ":/?#"); v == "" || strings.HasPrefix(v, "//") || i >= 0 && v[i] == ':' || strings.ContainsAny(v, "\\ \n") {
					t.Errorf("%s: href %q is not a path on this site", name, v)
				}
			case key == "d" || key == "transform" || key == "viewBox" || key == "x" || key == "y" || key == "width" || key == "height" || key == "cx" || key == "cy" ||
				key == "r" || key == "x1" || key == "x2" || key == "y1" || key == "y2":
				if v == "100%" && key == "width" {
					continue
				}
				if !geometry.MatchString(v) || strings.Contains(v, "NaN") {
					t.Errorf("%s: %s=%q is not geometry", name, key, v)
				}
			case strings.Contains(strings.ToLower(v), "url(") || strings.Contains(strings.ToLower(v), "http"):
				t.Errorf("%s: %s=%q refers outside", name, key, v)
			}
		}
	}
}

// text returns the text content of out, tags stripped.
func text(out template.HTML) string {
	return regexp.MustCompile(`<[^>]*>`).ReplaceAllString(string(out), " ")
}

// accessible checks the root's role, that aria-labelledby names a title
// and a description that exist and say something.
func accessible(t testing.TB, name string, out template.HTML, root map[string]string) {
	t.Helper()
	if root["role"] != "img" && root["role"] != "group" {
		t.Errorf("%s: role %q", name, root["role"])
	}
	if root["viewBox"] == "" || root["width"] != "100%" {
		t.Errorf("%s: not scalable: viewBox %q width %q", name, root["viewBox"], root["width"])
	}
	ids := strings.Fields(root["aria-labelledby"])
	if len(ids) != 2 {
		t.Fatalf("%s: aria-labelledby %q", name, root["aria-labelledby"])
	}
	for i, el := range []string{"title", "desc"} {
		re := regexp.MustCompile(`<` + el + ` id="` + regexp.QuoteMeta(ids[i]) + `">([^<]+)</` + el + `>`)
		if !re.MatchString(string(out)) {
			t.Errorf("%s: no <%s id=%q> with text", name, el, ids[i])
		}
	}
}

// allCharts is every chart the package draws, with ordinary, extreme and
// empty inputs.
func allCharts() map[string]Chart {
	probes := sampleProbes(90, 30)
	return map[string]Chart{
		"grades":           GradeCounts(map[string]int{"A+": 1, "B": 3, "F": 2, "": 4}, func(g string) string { return "/sites?grade=" + g }),
		"grades empty":     GradeCounts(nil, nil),
		"history 90":       sampleHistory(90),
		"history 1":        History{Points: []Assessment{{At: day0, Score: 55, Grade: "C"}}},
		"history 1000":     sampleHistory(1000),
		"history empty":    History{},
		"history no score": History{Points: []Assessment{{At: day0, Score: math.NaN()}}},
		"uptime 90":        Uptime{Days: DailyUptime(probes, day0, 90)},
		"uptime 1 probe":   Uptime{Days: DailyUptime(probes[len(probes)-1:], day0, 90)},
		"uptime empty":     Uptime{Days: DailyUptime(nil, day0, 90)},
		"uptime no days":   Uptime{},
		"latency 90 d":     Latency{Probes: probes},
		"latency 1":        Latency{Probes: []Probe{{At: day0, OK: true, LatencyMS: 42}}},
		"latency failing":  Latency{Probes: []Probe{{At: day0}, {At: day0.Add(time.Minute)}}},
		"latency empty":    Latency{},
	}
}

func TestChartsAreSafeWellFormedAndAccessible(t *testing.T) {
	for _, lang := range []string{"vi", "en"} {
		l := LabelsFor(lang)
		for name, c := range allCharts() {
			name = name + " " + lang
			out := c.SVG(l)
			root := wellFormed(t, name, out)
			safe(t, name, out)
			accessible(t, name, out, root)
			if len(out) > 10_000 {
				t.Errorf("%s: %d bytes of SVG, want under 10 KB", name, len(out))
			}
			fig := Figure(c, l)
			wellFormed(t, name+" figure", fig)
			safe(t, name+" figure", fig)
		}
	}
}

func TestEmptyStatesSayNoData(t *testing.T) {
	for _, lang := range []string{"vi", "en"} {
		l := LabelsFor(lang)
		for name, c := range allCharts() {
			if !strings.Contains(name, "empty") && !strings.Contains(name, "no ") {
				continue
			}
			out := string(c.SVG(l))
			if !strings.Contains(out, ">"+l.NoData+"</text>") || !strings.Contains(out, "chart-empty") {
				t.Errorf("%s %s: the empty state does not say %q:\n%s", name, lang, l.NoData, out)
			}
			if txt := text(template.HTML(out)); strings.ContainsAny(txt, "%0123456789") {
				t.Errorf("%s %s: the empty state shows a number:\n%s", name, lang, out)
			}
			if c.Summary(l) != l.NoData || len(c.Table(l).Rows) != 0 {
				t.Errorf("%s %s: summary %q, %d table rows", name, lang, c.Summary(l), len(c.Table(l).Rows))
			}
			if fig := string(Figure(c, l)); strings.Contains(fig, "<details") {
				t.Errorf("%s %s: an empty figure folds a table: %s", name, lang, fig)
			}
		}
	}
	if out := string(Sparkline{Label: "x"}.SVG(LabelsFor("vi"))); !strings.Contains(out, "Chưa có dữ liệu") || strings.Contains(out, "<svg") {
		t.Errorf("empty sparkline: %s", out)
	}
	// A chart with data is not the empty state.
	for _, name := range []string{"uptime 1 probe", "latency 1", "latency failing", "history 1"} {
		if out := string(allCharts()[name].SVG(LabelsFor("en"))); strings.Contains(out, "chart-empty ") || strings.Contains(out, "No data yet</desc>") {
			t.Errorf("%s: drawn as empty:\n%s", name, out)
		}
	}
}

const hostile = `</svg><script>alert(1)</script><a href="javascript:x" onload='y'>&amp;` + "\x00\x01\u202e\xff"

func TestHostileTextIsEscaped(t *testing.T) {
	l := LabelsFor("en")
	for _, f := range []*string{&l.NoData, &l.NotAssessed, &l.Percent, &l.Millis, &l.DateShort, &l.DateLong, &l.Time, &l.Score, &l.Grade, &l.P95,
		&l.Failed, &l.Below, &l.AtLeast, &l.Latency, &l.Total, &l.UptimeSummary, &l.LatencySummary, &l.HistorySummary, &l.Range, &l.Decimal, &l.Thousands, &l.ShowTable} {
		*f += hostile
	}
	charts := allCharts()
	charts["hostile grades"] = Grades{ID: hostile, Title: hostile, Bars: []GradeBar{{Grade: hostile, Count: 3, Href: hostile}, {Grade: "A", Count: 1, Href: "/ok?a=1&b=" + hostile}}}
	charts["hostile history"] = History{ID: hostile, Title: hostile, Points: []Assessment{{At: day0, Score: 50, Grade: hostile}, {At: day0.Add(time.Hour), Score: 60, Grade: hostile}}}
	charts["hostile uptime"] = Uptime{ID: hostile, Title: hostile, Days: DailyUptime(sampleProbes(10, 60), day0, 10)}
	charts["hostile latency"] = Latency{ID: hostile, Title: hostile, Probes: sampleProbes(2, 60)}
	for name, c := range charts {
		for what, out := range map[string]template.HTML{"svg": c.SVG(l), "figure": Figure(c, l), "table": c.Table(l).HTML()} {
			if what != "table" {
				wellFormed(t, name+" "+what, out)
			}
			safe(t, name+" "+what, out)
			if strings.Contains(string(out), "\u202e") || strings.Contains(string(out), "\x01") {
				t.Errorf("%s %s: hostile text got through: %s", name, what, out)
			}
		}
	}
	spark := Sparkline{Label: hostile, Values: []float64{1, 2}}.SVG(l)
	wellFormed(t, "sparkline", spark)
	safe(t, "sparkline", spark)
}

func TestLinksArePathsOnThisSite(t *testing.T) {
	for _, tc := range []struct{ href, want string }{
		{"/sites?grade=A%2B&agency=2", `href="/sites?grade=A%2B&amp;agency=2"`},
		{"sites?grade=F", `href="sites?grade=F"`},
		{"/a:b", `href="/a:b"`},
		{"?grade=F", `href="?grade=F"`},
		{"javascript:alert(1)", ""},
		{" JavaScript:alert(1)", ""},
		{"//evil.example/x", ""},
		{"http://evil.example/", ""},
		{"https://evil.example/", ""},
		{"data:text/html,x", ""},
		{`\\evil.example`, ""},
		{"/x\ny", ""},
		{"", ""},
	} {
		out := string(Grades{Bars: []GradeBar{{Grade: "F", Count: 1, Href: tc.href}}}.SVG(LabelsFor("vi")))
		got := hrefAttr.FindString(out)
		if got != tc.want {
			t.Errorf("href %q: got %q, want %q", tc.href, got, tc.want)
		}
		if tc.want == "" && strings.Contains(out, "<a ") {
			t.Errorf("href %q: a link was drawn: %s", tc.href, out)
		}
	}
}

func TestGradeCountsShowsEveryGrade(t *testing.T) {
	g := GradeCounts(map[string]int{"A+": 2, "A": 1, "A-": 3, "B+": 1, "c": 2, "F": 5, "": 1, "X": 2, "pending": 1, "D": -4},
		func(grade string) string { return "/sites?grade=" + grade })
	var got []string
	for _, b := range g.Bars {
		got = append(got, b.Grade+"="+b.Href+"="+string(rune('0'+b.Count)))
	}
	want := "A+=/sites?grade=A+=2 A=/sites?grade=A=4 B=/sites?grade=B=1 C=/sites?grade=C=2 D=/sites?grade=D=0 F=/sites?grade=F=5 =/sites?grade==4"
	if strings.Join(got, " ") != want {
		t.Fatalf("bars:\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
	l := LabelsFor("en")
	out := string(g.SVG(l))
	for _, s := range []string{">D</text>", ">0</text>", ">Not yet assessed</text>", `<a class="chart-link" href="/sites?grade=F"><rect`, `role="group"`} {
		if !strings.Contains(out, s) {
			t.Errorf("grades: no %q in\n%s", s, out)
		}
	}
	if n := strings.Count(out, "<a "); n != 7 {
		t.Errorf("%d links, want 7", n)
	}
	if s := g.Summary(l); s != "Total: 18. A+: 2, A: 4, B: 1, C: 2, D: 0, F: 5, Not yet assessed: 4" {
		t.Errorf("summary %q", s)
	}
	if rows := g.Table(l).Rows; len(rows) != 7 || rows[4][0] != "D" || rows[4][1] != "0" {
		t.Errorf("table %q", rows)
	}
}

func TestPercentile(t *testing.T) {
	seq := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[n-1-i] = float64(i + 1) // descending: the function sorts
		}
		return v
	}
	for _, tc := range []struct {
		name string
		v    []float64
		p    float64
		want float64
	}{
		{"one sample", []float64{120}, 95, 120},
		{"1..100", seq(100), 95, 95},
		{"1..20", seq(20), 95, 19},
		{"1..10", seq(10), 95, 10},
		{"1..21", seq(21), 95, 20},
		{"median of 4", []float64{4, 1, 3, 2}, 50, 2},
		{"invalid left out", []float64{math.NaN(), -3, math.Inf(1), 7, 9}, 95, 9},
		{"max", seq(7), 100, 7},
	} {
		if got := Percentile(tc.v, tc.p); got != tc.want {
			t.Errorf("%s: p%v = %v, want %v", tc.name, tc.p, got, tc.want)
		}
	}
	for _, v := range [][]float64{nil, {math.NaN()}, {-1}} {
		if got := P95(v); !math.IsNaN(got) {
			t.Errorf("P95(%v) = %v, want NaN", v, got)
		}
	}
	if got := Percentile([]float64{1}, 0); !math.IsNaN(got) {
		t.Errorf("p0 = %v", got)
	}
	// The chart labels the same value it computes.
	probes := []Probe{{At: day0, OK: true, LatencyMS: 100}, {At: day0.Add(time.Minute), OK: true, LatencyMS: 300}, {At: day0.Add(2 * time.Minute), OK: false, LatencyMS: 9999}}
	out := string(Latency{Probes: probes}.SVG(LabelsFor("en")))
	if !strings.Contains(out, ">p95: 300 ms</text>") {
		t.Errorf("p95 label missing: %s", out)
	}
	if s := (Latency{Probes: probes}).Summary(LabelsFor("en")); s != "Probes answered: 2; median 100 ms, p95 300 ms, highest 300 ms; probes without answer: 1" {
		t.Errorf("summary %q", s)
	}
}

func TestDailyUptimeBucketsByLocalDay(t *testing.T) {
	ict := time.FixedZone("ICT", 7*3600)
	last := time.Date(2025, 3, 10, 6, 0, 0, 0, ict) // still the 9th in UTC
	at := func(d, h int) time.Time { return time.Date(2025, 3, d, h, 0, 0, 0, ict) }
	probes := []Probe{
		{At: at(8, 1), OK: true}, {At: at(8, 23), OK: false},
		{At: time.Date(2025, 3, 9, 18, 30, 0, 0, time.UTC), OK: true}, // 01:30 on the 10th in Hà Nội
		{At: at(10, 8), OK: true},                                     // after last, but on its day
		{At: at(6, 12), OK: true},                                     // before the window
		{At: at(11, 12), OK: true},                                    // after it
	}
	days := DailyUptime(probes, last, 3)
	want := []Day{{at(8, 0), 1, 2}, {at(9, 0), 0, 0}, {at(10, 0), 2, 2}}
	if len(days) != len(want) {
		t.Fatalf("%d days", len(days))
	}
	for i := range want {
		if !days[i].Date.Equal(want[i].Date) || days[i].Up != want[i].Up || days[i].Total != want[i].Total {
			t.Errorf("day %d: %+v, want %+v", i, days[i], want[i])
		}
	}
	if DailyUptime(probes, last, 0) != nil || len(DailyUptime(nil, last, 10_000)) != MaxDays {
		t.Error("window bounds")
	}
	l := LabelsFor("en")
	u := Uptime{Days: days}
	if s := u.Summary(l); s != "75 % up over 3 days; 1 day below 99 %; 1 day without data" {
		t.Errorf("summary %q", s)
	}
	rows := u.Table(l).Rows
	if len(rows) != 3 || rows[0][1] != "50 %" || rows[1][1] != "No data yet" || rows[1][2] != "0" || rows[2][1] != "100 %" {
		t.Errorf("table %q", rows)
	}
	out := string(u.SVG(l))
	if strings.Count(out, "<title>") != 1 || !strings.Contains(out, "<title>8 Mar 2025: 50 %</title>") || !strings.Contains(out, "chart-day-nodata") || !strings.Contains(out, "chart-day-mark") {
		t.Errorf("bars:\n%s", out)
	}
}

func TestUptimeTableRunsAndSummary(t *testing.T) {
	var days []Day
	for i := range 90 {
		d := Day{Date: day0.AddDate(0, 0, i-89), Up: 1000, Total: 1000}
		switch i {
		case 10, 11, 12:
			d = Day{Date: d.Date}
		case 40:
			d.Up = 980
		case 70:
			d.Up = 985
		case 80:
			d.Up = 999
		}
		days = append(days, d)
	}
	for _, tc := range []struct{ lang, want string }{
		{"en", "99.9 % up over 90 days; 2 days below 99 %; 3 days without data"},
		{"vi", "Hoạt động 99,9 % trong 90 ngày; 2 ngày dưới 99 %; 3 ngày không có dữ liệu"},
	} {
		if s := (Uptime{Days: days}).Summary(LabelsFor(tc.lang)); s != tc.want {
			t.Errorf("%s: %q, want %q", tc.lang, s, tc.want)
		}
	}
	rows := Uptime{Days: days}.Table(LabelsFor("en")).Rows
	var got []string
	for _, r := range rows {
		got = append(got, strings.Join(r, " | "))
	}
	want := []string{
		"1 Jan 2025 – 10 Jan 2025 | 100 % | 10000",
		"11 Jan 2025 – 13 Jan 2025 | No data yet | 0",
		"14 Jan 2025 – 9 Feb 2025 | 100 % | 27000",
		"10 Feb 2025 | 98 % | 1000",
		"11 Feb 2025 – 11 Mar 2025 | 100 % | 29000",
		"12 Mar 2025 | 98.5 % | 1000",
		"13 Mar 2025 – 31 Mar 2025 | 99.9 % – 100 % | 19000",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("table:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A threshold of 98 makes only one day bad.
	if s := (Uptime{Days: days, Threshold: 98.5}).Summary(LabelsFor("en")); !strings.Contains(s, "; 1 day below 98.5 %") {
		t.Errorf("threshold: %q", s)
	}
}

func TestNumbersAndPercentages(t *testing.T) {
	vi, en := LabelsFor("vi"), LabelsFor("en")
	for _, tc := range []struct{ got, want string }{
		{vi.number(1234567.26, 1), "1.234.567,3"}, {en.number(1234567.26, 1), "1,234,567.3"},
		{vi.number(-1234, 0), "-1.234"}, {en.number(0.04, 1), "0.0"}, {en.number(-0.04, 1), "0.0"},
		{en.number(math.NaN(), 0), "–"},
		{en.percent(99.96), "99.9 %"}, {vi.percent(99.96), "99,9 %"}, {en.percent(100), "100 %"}, {en.percent(250), "100 %"},
		{en.percent(0), "0 %"}, {en.percent(-5), "0 %"}, {en.percent(98), "98 %"}, {en.percent(0.04), "0 %"},
		{en.millis(1234.4), "1,234 ms"}, {vi.millis(1234.6), "1.235 ms"},
		{en.days(1), "1 day"}, {en.days(2), "2 days"}, {vi.days(2), "2 ngày"},
		{LabelsFor("EN-gb").NoData, "No data yet"}, {LabelsFor("").NoData, "Chưa có dữ liệu"}, {LabelsFor("fr").NoData, "Chưa có dữ liệu"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestExtremeInputsAreClampedOrLeftOut(t *testing.T) {
	l := LabelsFor("en")
	h := History{Points: []Assessment{
		{At: day0, Score: -20, Grade: "F"},
		{At: day0.Add(time.Hour), Score: math.Inf(1), Grade: "A"},
		{At: day0.Add(2 * time.Hour), Score: 1e12, Grade: "A+"},
		{At: day0.Add(3 * time.Hour), Score: math.NaN()},
		{Score: 50}, // no time: left out
	}}
	out := string(h.SVG(l))
	wellFormed(t, "history", template.HTML(out))
	safe(t, "history", template.HTML(out))
	if !strings.Contains(out, ">1,000</text>") || !strings.Contains(out, ">0</text>") {
		t.Errorf("axis not clamped to 0–1000:\n%s", out)
	}
	rows := h.Table(l).Rows
	if len(rows) != 4 || rows[0][1] != "0" || rows[1][1] != "No data yet" || rows[2][1] != "1,000" || rows[3][1] != "No data yet" {
		t.Errorf("table %q", rows)
	}
	u := Uptime{Days: []Day{{Date: day0, Up: 50, Total: 10}, {Date: day0.AddDate(0, 0, 1), Up: -3, Total: -1}, {Date: day0.AddDate(0, 0, 2), Up: 5, Total: 10}}, Threshold: math.NaN()}
	if s := u.Summary(l); s != "75 % up over 3 days; 1 day below 99 %; 1 day without data" {
		t.Errorf("uptime %q", s)
	}
	lat := Latency{Probes: []Probe{
		{At: day0, OK: true, LatencyMS: -5}, {At: day0.Add(time.Second), OK: true, LatencyMS: math.NaN()},
		{At: day0.Add(2 * time.Second), OK: true, LatencyMS: math.Inf(1)}, {At: day0.Add(3 * time.Second), OK: true, LatencyMS: 0.4},
	}}
	out = string(lat.SVG(l))
	wellFormed(t, "latency", template.HTML(out))
	safe(t, "latency", template.HTML(out))
	if s := lat.Summary(l); s != "Probes answered: 2; median 0 ms, p95 3,600,000 ms, highest 3,600,000 ms" {
		t.Errorf("latency %q", s)
	}
	for name, c := range map[string]Chart{"tiny": Latency{Probes: []Probe{{At: day0, OK: true, LatencyMS: 1e-300}}},
		"same time": History{Points: []Assessment{{At: day0, Score: 1}, {At: day0, Score: 2}}},
		"far dates": History{Points: []Assessment{{At: time.Unix(0, 0), Score: 1}, {At: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), Score: 2}}}} {
		out := c.SVG(l)
		wellFormed(t, name, out)
		safe(t, name, out)
	}
}

func TestHistoryGapsAndTable(t *testing.T) {
	l := LabelsFor("en")
	at := func(d int) time.Time { return day0.AddDate(0, 0, d) }
	h := History{Gap: 48 * time.Hour, Points: []Assessment{
		{At: at(0), Score: 80, Grade: "B"}, {At: at(1), Score: 80, Grade: "B"}, {At: at(2), Score: 80, Grade: "B"},
		{At: at(10), Score: 92, Grade: "A"}, {At: at(11), Score: math.NaN()}, {At: at(12), Score: 92, Grade: "A"}, {At: at(13), Score: 92, Grade: "A"},
	}}
	out := string(h.SVG(l))
	// Runs: days 0–2, then day 10 alone (gap before, no score after), then 12–13.
	if d := regexp.MustCompile(`class="chart-line" d="([^"]*)"`).FindStringSubmatch(out); d == nil || strings.Count(d[1], "M") != 2 {
		t.Errorf("line runs: %v\n%s", d, out)
	}
	if strings.Count(out, "<circle") != 6 || !strings.Contains(out, ">A · 92</text>") {
		t.Errorf("points or latest label:\n%s", out)
	}
	var got []string
	for _, r := range h.Table(l).Rows {
		got = append(got, strings.Join(r, " "))
	}
	want := "31 Mar 2025 80 B|10 Apr 2025 92 A|11 Apr 2025 No data yet –|12 Apr 2025 92 A|13 Apr 2025 92 A"
	if strings.Join(got, "|") != want {
		t.Errorf("table %q\nwant %q", strings.Join(got, "|"), want)
	}
	if s := h.Summary(l); s != "Assessments: 6, from 31 Mar 2025 to 13 Apr 2025; latest: score 92, grade A" {
		t.Errorf("summary %q", s)
	}
}

func TestIDsAreSafeAndDistinct(t *testing.T) {
	l := LabelsFor("vi")
	a := string(Uptime{ID: "site-12 uptime<\">", Days: DailyUptime(sampleProbes(3, 60), day0, 3)}.SVG(l))
	if !strings.Contains(a, `aria-labelledby="chart-site-12uptime-t chart-site-12uptime-d"`) {
		t.Errorf("id not sanitised: %s", a[:300])
	}
	b := Uptime{Days: DailyUptime(sampleProbes(3, 60), day0, 3)}.SVG(l)
	c := Uptime{Days: DailyUptime(sampleProbes(4, 60), day0, 4)}.SVG(l)
	id := regexp.MustCompile(`aria-labelledby="([^ ]+)-t`)
	if id.FindString(string(b)) == id.FindString(string(c)) {
		t.Error("two different charts without ID share their ids")
	}
}

func TestLargeSeriesStaySmall(t *testing.T) {
	l := LabelsFor("vi")
	for name, c := range map[string]Chart{
		"latency 90 d every minute": Latency{Probes: sampleProbes(90, 1)},
		"history 5000":              sampleHistory(5000),
	} {
		out := c.SVG(l)
		wellFormed(t, name, out)
		if len(out) > 12_000 {
			t.Errorf("%s: %d bytes", name, len(out))
		}
	}
	s := Sparkline{Label: "x", Values: make([]float64, 5000)}.SVG(l)
	wellFormed(t, "sparkline", s)
	if len(s) > 6_000 {
		t.Errorf("sparkline: %d bytes", len(s))
	}
}
