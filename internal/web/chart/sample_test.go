package chart

import (
	"math"
	"math/rand/v2"
	"time"
)

// Sample data shared by the tests, the benchmarks and the preview.

var day0 = time.Date(2025, 3, 31, 12, 0, 0, 0, time.FixedZone("ICT", 7*3600))

// sampleHistory is n daily assessments whose grade drops and recovers.
func sampleHistory(n int) History {
	r := rand.New(rand.NewPCG(1, 2))
	h := History{ID: "hist"}
	score := 80.0
	for i := range n {
		score = min(max(score+float64(r.IntN(11)-5), 20), 115)
		h.Points = append(h.Points, Assessment{At: day0.AddDate(0, 0, i-n+1), Score: score, Grade: gradeOfScore(score)})
	}
	return h
}

func gradeOfScore(s float64) string {
	switch {
	case s >= 100:
		return "A+"
	case s >= 90:
		return "A"
	case s >= 85:
		return "A-"
	case s >= 70:
		return "B"
	case s >= 50:
		return "C"
	case s >= 30:
		return "D"
	}
	return "F"
}

// sampleProbes is a probe every minutes over days, with a bad day, a
// bad hour and some days without probes.
func sampleProbes(days, minutes int) []Probe {
	r := rand.New(rand.NewPCG(3, 4))
	var ps []Probe
	start := day0.AddDate(0, 0, -days+1).Truncate(24 * time.Hour)
	for t := start; !t.After(day0); t = t.Add(time.Duration(minutes) * time.Minute) {
		d := int(t.Sub(start).Hours() / 24)
		if d >= 20 && d < 23 { // the monitor was off
			continue
		}
		ok := r.IntN(1000) != 0
		if d == 40 && t.Hour() < 6 || d == 70 && t.Hour() == 3 {
			ok = false
		}
		lat := 80 + 40*math.Sin(float64(t.Unix())/7200) + float64(r.IntN(60))
		if r.IntN(200) == 0 {
			lat += 900
		}
		ps = append(ps, Probe{At: t, OK: ok, LatencyMS: lat})
	}
	return ps
}
