package chart

import (
	"fmt"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPreview writes preview.html, with every chart in both languages,
// to the folder $KHIEN_CHART_PREVIEW (a temporary one when unset), for a
// person to look at (in a browser, or as a headless Chromium screenshot).
// It uses the site's stylesheet and chart.css, as the pages will, and
// checks that every chart drew a picture with no NaN or infinite
// coordinate, whatever its data (gaps, one probe, nothing).
func TestPreview(t *testing.T) {
	dir := os.Getenv("KHIEN_CHART_PREVIEW")
	if dir == "" {
		dir = t.TempDir()
	}
	for _, css := range []string{"chart.css", filepath.Join("..", "static", "khien.css")} {
		b, err := os.ReadFile(css)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(css)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var all strings.Builder
	for _, lang := range []string{"vi", "en"} {
		l := LabelsFor(lang)
		charts := previewCharts(lang)
		for page := 0; page*3 < len(charts); page++ {
			var b strings.Builder
			for i, c := range charts[page*3 : min(len(charts), page*3+3)] {
				b.WriteString(`<section class="card" id="c` + fmt.Sprint(i+1) + `"><h2>` + template.HTMLEscapeString(c.name) + `</h2>`)
				if c.chart != nil {
					b.WriteString(string(Figure(c.chart, l)))
				}
				if c.spark != nil {
					b.WriteString(`<table><tr><th>https://so-tttt.example.gov.vn</th><td>` + string(c.spark.SVG(l)) + `</td></tr>` +
						`<tr><th>https://new.example.gov.vn</th><td>` + string(Sparkline{Label: "x"}.SVG(l)) + `</td></tr></table>`)
				}
				b.WriteString(`</section>`)
			}
			all.WriteString(b.String())
			writePreview(t, filepath.Join(dir, fmt.Sprintf("%s-%d.html", lang, page+1)), lang, b.String())
		}
	}
	writePreview(t, filepath.Join(dir, "preview.html"), "vi", all.String())
	html := all.String()
	if n, want := strings.Count(html, "<svg"), len(previewCharts("vi")); n < want {
		t.Errorf("the preview has %d pictures for %d charts per language", n, want)
	}
	for _, bad := range []string{"NaN", "+Inf", "-Inf", "%!"} {
		if strings.Contains(html, bad) {
			i := strings.Index(html, bad)
			t.Errorf("the preview contains %q: …%s…", bad, html[max(0, i-80):min(len(html), i+40)])
		}
	}
	t.Logf("wrote %s", filepath.Join(dir, "preview.html"))
}

// writePreview writes one page of the preview around body.
func writePreview(t *testing.T, path, lang, body string) {
	page := `<!doctype html><html lang="` + lang + `"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
		`<title>Khiên charts</title><link rel="stylesheet" href="khien.css"><link rel="stylesheet" href="chart.css"></head><body><main>` +
		body + `</main></body></html>`
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
}

type previewChart struct {
	name  string
	chart Chart
	spark *Sparkline
}

func previewCharts(lang string) []previewChart {
	grades := GradeCounts(map[string]int{"A+": 3, "A": 12, "A-": 4, "B+": 2, "B": 14, "C": 6, "F": 5, "": 9},
		func(g string) string { return "/sites?grade=" + g })
	probes := sampleProbes(90, 30)
	oneProbe := []Probe{{At: day0, OK: true, LatencyMS: 182}}
	gaps := sampleHistory(40)
	gaps.ID = "gaps"
	gaps.Points[10].Score = math.NaN()
	gaps.Points = append(gaps.Points[:20], gaps.Points[30:]...)
	gaps.Gap = 72 * time.Hour
	lat := make([]float64, 0, 48)
	for _, p := range probes[len(probes)-48:] {
		v := p.LatencyMS
		if !p.OK {
			v = math.NaN()
		}
		lat = append(lat, v)
	}
	hostile := "</svg><script>alert(1)</script> & \"quotes\""
	out := []previewChart{
		{name: "grades", chart: withID(grades, "grades")},
		{name: "history 90", chart: sampleHistory(90)},
		{name: "history 1", chart: History{ID: "h1", Points: []Assessment{{At: day0, Score: 72, Grade: "B"}}}},
		{name: "history gaps", chart: gaps},
		{name: "uptime 90", chart: Uptime{ID: "up90", Days: DailyUptime(probes, day0, 90)}},
		{name: "uptime 1 sample", chart: Uptime{ID: "up1", Days: DailyUptime(oneProbe, day0, 90)}},
		{name: "latency 90 d", chart: Latency{ID: "lat90", Probes: probes}},
		{name: "latency 1 d", chart: Latency{ID: "lat1d", Probes: probes[len(probes)-48:]}},
		{name: "latency 1 sample", chart: Latency{ID: "lat1", Probes: oneProbe}},
		{name: "empty", chart: Uptime{ID: "upe", Days: DailyUptime(nil, day0, 90)}},
		{name: "hostile title", chart: Grades{ID: "hostile", Title: hostile, Bars: []GradeBar{{Grade: hostile, Count: 2, Href: "javascript:alert(1)"}}}},
		{name: "sparkline", spark: &Sparkline{Label: "24 h: 80–340 ms", Values: lat}},
	}
	for i := range out {
		out[i].name += " (" + lang + ")"
		switch c := out[i].chart.(type) {
		case Grades:
			c.ID += lang
			out[i].chart = c
		case History:
			c.ID += lang
			out[i].chart = c
		case Uptime:
			c.ID += lang
			out[i].chart = c
		case Latency:
			c.ID += lang
			out[i].chart = c
		}
	}
	return out
}

func withID(g Grades, id string) Grades { g.ID = id; return g }
