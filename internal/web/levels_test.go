package web_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// TestLevelsThroughTheServer: the levels routes are wired into the server
// serve runs (not the 503 of an API without its levels service), with
// agency scope on a system's proposal.
func TestLevelsThroughTheServer(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			w := newWorld(t, engine)
			code, body := w.api("auditor", "GET", "/api/v1/regimes", nil)
			var list struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
			}
			if code != 200 || json.Unmarshal(body, &list) != nil || len(list.Items) < 2 {
				t.Fatalf("GET /api/v1/regimes: %d %s", code, body)
			}
			answers := map[string]any{"regime": "nd85-2016", "info_class": "public", "system_type": "public_service", "data_subjects": 50000,
				"sensitive_personal_data": false, "handles_administrative_procedures": true, "online_public_service_level": 3,
				"conditional_business": false, "infrastructure_scope": "none", "needs_24_7": false, "national_security_harm": "none"}
			path := fmt.Sprintf("/api/v1/systems/%d/level-proposal", w.sysA.ID)
			if code, body := w.api("agencyB", "POST", path, answers); code != 404 {
				t.Errorf("another agency's officer proposing a level: %d %s, want 404", code, body)
			}
			code, body = w.api("agencyA", "POST", path, answers)
			var out struct {
				Level   int `json:"level"`
				Reasons []struct {
					TextVI string `json:"text_vi"`
				} `json:"reasons"`
			}
			if code != 200 || json.Unmarshal(body, &out) != nil || out.Level < 1 || len(out.Reasons) == 0 || out.Reasons[0].TextVI == "" {
				t.Fatalf("the owner's officer proposing a level: %d %s", code, body)
			}
		})
	}
}
