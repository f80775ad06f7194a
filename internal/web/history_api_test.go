package web_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// TestGradeAndUptimeHistoryAPI: the chart data of a site, in scope only,
// with days without probes as null rather than 0 %.
func TestGradeAndUptimeHistoryAPI(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			w := newWorld(t, engine)
			grades := fmt.Sprintf("/api/v1/sites/%d/grades", w.siteA.ID)
			code, body := w.api("agencyA", "GET", grades, nil)
			var g struct {
				Items []struct {
					Grade string `json:"grade"`
					Score int    `json:"score"`
				} `json:"items"`
			}
			if code != 200 || json.Unmarshal(body, &g) != nil || len(g.Items) != 2 || g.Items[0].Grade != "C" || g.Items[1].Grade != "A+" {
				t.Fatalf("grade history, oldest first: %d %s", code, body)
			}
			uptime := fmt.Sprintf("/api/v1/monitors/%d/uptime?days=7", w.siteA.ID)
			code, body = w.api("auditor", "GET", uptime, nil)
			var u struct {
				Items []struct {
					Date    string   `json:"date"`
					Samples int      `json:"samples"`
					Percent *float64 `json:"uptime_percent"`
				} `json:"items"`
			}
			if code != 200 || json.Unmarshal(body, &u) != nil || len(u.Items) != 7 {
				t.Fatalf("7 days of uptime: %d %s", code, body)
			}
			for _, d := range u.Items {
				if d.Samples != 0 || d.Percent != nil {
					t.Errorf("a day without probes must say no data: %+v", d)
				}
			}
			for _, path := range []string{grades, uptime} {
				if code, body := w.api("agencyB", "GET", path, nil); code != 404 {
					t.Errorf("%s by another agency's officer: %d %s, want 404", path, code, body)
				}
			}
			for _, q := range []string{"?days=0", "?days=367", "?days=x"} {
				if code, _ := w.api("admin", "GET", grades+q, nil); code != 400 {
					t.Errorf("grades%s: %d, want 400", q, code)
				}
			}
			if code, body := w.api("admin", "GET", fmt.Sprintf("/api/v1/sites/%d/grades", w.siteB.ID), nil); code != 200 || string(body) != "{\"items\":[]}\n" {
				t.Errorf("a site without assessments: %d %q, want an empty list", code, body)
			}
		})
	}
}
