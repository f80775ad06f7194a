package chart

import (
	"testing"
)

// The charts must be cheap to draw on every page view and small: each
// well under 10 KB of SVG (pages stay under 100 KB in all). The
// benchmarks report the bytes of SVG and of the table as metrics.

func benchChart(b *testing.B, c Chart) {
	l := LabelsFor("vi")
	var n int
	b.ReportAllocs()
	for b.Loop() {
		n = len(c.SVG(l))
	}
	b.ReportMetric(float64(n), "svg-bytes")
	b.ReportMetric(float64(len(c.Table(l).HTML())), "table-bytes")
}

func BenchmarkUptime90Days(b *testing.B) {
	benchChart(b, Uptime{Days: DailyUptime(sampleProbes(90, 30), day0, 90)})
}

func BenchmarkUptime90DaysBucketing(b *testing.B) {
	probes := sampleProbes(90, 5) // 25,000 probes
	b.ReportAllocs()
	for b.Loop() {
		DailyUptime(probes, day0, 90)
	}
}

func BenchmarkHistory90Points(b *testing.B) { benchChart(b, sampleHistory(90)) }

func BenchmarkLatency90DaysEvery30Min(b *testing.B) {
	benchChart(b, Latency{Probes: sampleProbes(90, 30)})
}

func BenchmarkLatency24hEveryMinute(b *testing.B) {
	benchChart(b, Latency{Probes: sampleProbes(1, 1)})
}

func BenchmarkGrades(b *testing.B) {
	benchChart(b, GradeCounts(map[string]int{"A+": 3, "A": 120, "B": 80, "C": 40, "D": 7, "F": 19, "": 300}, func(g string) string { return "/sites?grade=" + g }))
}
