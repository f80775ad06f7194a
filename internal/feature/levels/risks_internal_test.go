package levels

import (
	"strings"
	"testing"
)

// TestRiskScales: the shipped scales load; a file with a missing step,
// steps out of order, falling bands or an unknown key is refused.
func TestRiskScales(t *testing.T) {
	s, err := LoadRiskScales(riskScalesYAML)
	if err != nil {
		t.Fatal(err)
	}
	for score, want := range map[int]string{1: "low", 4: "low", 5: "medium", 9: "medium", 10: "high", 16: "high", 20: "critical", 25: "critical"} {
		if got := s.Band(score).ID; got != want {
			t.Errorf("score %d: %s, want %s", score, got, want)
		}
	}
	good := string(riskScalesYAML)
	bad := map[string]string{
		"four steps":    strings.Replace(good, `  - {value: 5, vi: "Gần như chắc chắn", en: "Almost certain"}`+"\n", "", 1),
		"out of order":  strings.Replace(good, "{value: 2, vi: \"Ít khả năng\"", "{value: 3, vi: \"Ít khả năng\"", 1),
		"falling bands": strings.Replace(good, "{id: high, from: 10", "{id: high, from: 4", 1),
		"unknown key":   strings.Replace(good, "bands:", "colours: []\nbands:", 1),
		"no name":       strings.Replace(good, `en: "Rare"`, `en: ""`, 1),
	}
	for name, data := range bad {
		if data == good {
			t.Fatalf("%s: the case changes nothing", name)
		}
		if _, err := LoadRiskScales([]byte(data)); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}
