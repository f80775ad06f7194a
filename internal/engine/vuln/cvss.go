package vuln

import (
	"math"
	"strings"
)

// cvss3Weights are the CVSS v3.x base metric weights (FIRST specification).
var cvss3Weights = map[string]map[string]float64{
	"AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
	"AC": {"L": 0.77, "H": 0.44},
	"UI": {"N": 0.85, "R": 0.62},
	"C":  {"H": 0.56, "L": 0.22, "N": 0},
	"I":  {"H": 0.56, "L": 0.22, "N": 0},
	"A":  {"H": 0.56, "L": 0.22, "N": 0},
}

// CVSS3BaseScore computes the base score of a CVSS v3.0/v3.1 vector;
// ok is false when the vector is not a complete v3 base vector.
func CVSS3BaseScore(vector string) (score float64, ok bool) {
	parts := strings.Split(vector, "/")
	if len(parts) == 0 || !strings.HasPrefix(parts[0], "CVSS:3.") {
		return 0, false
	}
	m := map[string]string{}
	for _, p := range parts[1:] {
		if k, v, found := strings.Cut(p, ":"); found {
			m[k] = v
		}
	}
	changed := m["S"] == "C"
	if m["S"] != "C" && m["S"] != "U" {
		return 0, false
	}
	pr := map[string]float64{"N": 0.85, "L": 0.62, "H": 0.27}
	if changed {
		pr["L"], pr["H"] = 0.68, 0.5
	}
	w := map[string]float64{}
	for k, table := range cvss3Weights {
		x, found := table[m[k]]
		if !found {
			return 0, false
		}
		w[k] = x
	}
	prw, found := pr[m["PR"]]
	if !found {
		return 0, false
	}
	iss := 1 - (1-w["C"])*(1-w["I"])*(1-w["A"])
	impact := 6.42 * iss
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	}
	if impact <= 0 {
		return 0, true
	}
	expl := 8.22 * w["AV"] * w["AC"] * prw * w["UI"]
	if changed {
		return roundUp1(math.Min(1.08*(impact+expl), 10)), true
	}
	return roundUp1(math.Min(impact+expl, 10)), true
}

// roundUp1 is the specification's Roundup: the smallest one-decimal
// number not below x, robust to floating-point noise.
func roundUp1(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return float64(i/10000+1) / 10
}
