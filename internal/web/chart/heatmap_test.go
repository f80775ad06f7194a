package chart

import (
	"strings"
	"testing"
)

func sampleHeatMap() RiskHeatMap {
	h := RiskHeatMap{Title: "Bản đồ nhiệt rủi ro", Likelihood: "Khả năng", Impact: "Tác động",
		LikelihoodSteps: [5]string{"Hiếm khi", "Ít khả năng", "Có thể", "Nhiều khả năng", "Gần như chắc chắn"},
		ImpactSteps:     [5]string{"Không đáng kể", "Nhỏ", "Trung bình", "Lớn", "Nghiêm trọng"},
		Band: func(s int) (string, string) {
			switch {
			case s >= 20:
				return "critical", "Nghiêm trọng"
			case s >= 10:
				return "high", "Cao"
			case s >= 5:
				return "medium", "Trung bình"
			}
			return "low", "Thấp"
		}}
	h.Cells[3][4] = 2 // likelihood 4, impact 5: score 20
	h.Cells[1][1] = 1
	return h
}

// TestRiskHeatMap: well-formed SVG with 25 cells shaded by rating, the
// counts as text, escaped names, the summary naming the worst cell and a
// table of the cells that hold risks; no risk is the empty state.
func TestRiskHeatMap(t *testing.T) {
	l := LabelsFor("vi")
	h := sampleHeatMap()
	h.LikelihoodSteps[0] = `<script>x</script>`
	out := h.SVG(l)
	wellFormed(t, "heatmap", out)
	s := string(out)
	if strings.Count(s, "<rect class=\"chart-risk-") != 25 || strings.Count(s, "chart-risk-critical") != 3 || strings.Contains(s, "<script>") {
		t.Errorf("cells: %s", s)
	}
	if !strings.Contains(s, `font-weight="bold" fill="#1b2430">2</text>`) {
		t.Error("the count of the critical cell is not written")
	}
	if got := h.Summary(l); got != "Bản đồ nhiệt rủi ro: 3 · 2 × Nghiêm trọng (20)" {
		t.Errorf("summary %q", got)
	}
	if tb := h.Table(l); len(tb.Rows) != 2 || tb.Rows[0][2] != "20" || tb.Rows[0][4] != "2" {
		t.Errorf("table %v", tb.Rows)
	}
	if e := (RiskHeatMap{Title: "x"}).SVG(l); !strings.Contains(string(e), "chart-empty") {
		t.Errorf("empty: %s", e)
	}
}
