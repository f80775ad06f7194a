package chart

import (
	"math"
	"testing"
	"time"
)

// FuzzChartsAreWellFormed draws every chart from arbitrary text, numbers
// and times and checks that the output is always one well-formed XML
// element that passes the safety checks. Run it with
// go test -fuzz FuzzChartsAreWellFormed ./internal/web/chart/.
func FuzzChartsAreWellFormed(f *testing.F) {
	f.Add("site-1", "A+", "/sites?grade=A", 87.5, 120.0, 3, int64(0), int64(3600))
	f.Add(hostile, hostile, "javascript:alert(1)", math.NaN(), math.Inf(1), -5, int64(-1), int64(1<<40))
	f.Add("", "", "//x", -1e308, 1e308, 1<<31, int64(1<<62), int64(-1<<62))
	f.Fuzz(func(t *testing.T, text, label, href string, a, b float64, n int, t1, t2 int64) {
		l := LabelsFor("en")
		l.NoData, l.NotAssessed, l.Millis, l.P95, l.Decimal, l.DateShort = label, label, label, label, label, label
		at1, at2 := time.Unix(t1%(1<<40), 0), time.Unix(t2%(1<<40), 0)
		charts := map[string]Chart{
			"grades":          Grades{ID: text, Title: text, Bars: []GradeBar{{Grade: label, Count: n, Href: href}, {Grade: "F", Count: n / 2, Href: text}}},
			"history":         History{ID: text, Title: text, Gap: time.Duration(n), Points: []Assessment{{At: at1, Score: a, Grade: label}, {At: at2, Score: b, Grade: text}, {At: at2.Add(time.Hour), Score: a * b}}},
			"uptime":          Uptime{ID: text, Title: text, Threshold: a, Days: []Day{{Date: at1, Up: n, Total: n % 7}, {Date: at2, Up: n % 5, Total: 4}}},
			"uptime bucketed": Uptime{Days: DailyUptime([]Probe{{At: at1, OK: true}, {At: at2}}, at2, n%200)},
			"latency":         Latency{ID: text, Title: text, Probes: []Probe{{At: at1, OK: true, LatencyMS: a}, {At: at2, OK: n%2 == 0, LatencyMS: b}, {At: at2, OK: true, LatencyMS: b * 3}}},
		}
		for name, c := range charts {
			out := c.SVG(l)
			wellFormed(t, name, out)
			safe(t, name, out)
			fig := Figure(c, l)
			wellFormed(t, name+" figure", fig)
			safe(t, name+" figure", fig)
		}
		spark := Sparkline{Label: text, Values: []float64{a, b, math.NaN(), a - b}}.SVG(l)
		safe(t, "sparkline", spark)
		wellFormed(t, "sparkline", spark)
	})
}
