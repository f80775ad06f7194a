package api_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// TestRiskRegister: risks scored likelihood × impact with the rating of
// the scales' bands; an acceptance needs its expiry, an expired one is
// flagged; the heat map counts open risks; scope and roles hold; bad
// input writes nothing.
func TestRiskRegister(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newLevelWorld(t, db)
		next := time.Now().AddDate(0, 6, 0).Format(time.DateOnly)
		risk := func(l, i int, treatment, until string) string {
			b := `{"title": "Lộ dữ liệu hồ sơ", "threat": "Tấn công SQL injection", "vulnerability": "Ứng dụng chưa kiểm tra đầu vào",
				"likelihood": ` + strconv.Itoa(l) + `, "impact": ` + strconv.Itoa(i) + `, "treatment": "` + treatment + `", "owner": "Phòng CNTT", "due_on": "2027-03-01", "status": "open"`
			if until != "" {
				b += `, "accepted_until": "` + until + `"`
			}
			return b + `}`
		}
		code, r := w.call(t, "officerA", "POST", sysPath(w.sysA, "/risks"), risk(4, 5, "mitigate", ""))
		if code != 201 || r["score"] != 20.0 || r["rating"].(map[string]any)["id"] != "critical" || r["system_name"] != "Cổng dịch vụ công" {
			t.Fatalf("create: %d %v", code, r)
		}
		code, acc := w.call(t, "analyst", "POST", sysPath(w.sysA, "/risks"), risk(2, 2, "accept", next))
		if code != 201 || acc["accepted_by"] != "analyst" || acc["acceptance_expired"] != false || acc["rating"].(map[string]any)["id"] != "low" {
			t.Errorf("accept: %d %v", code, acc)
		}
		bad := []struct{ name, body, field string }{
			{"likelihood 0", risk(0, 3, "mitigate", ""), "likelihood"},
			{"impact 6", risk(3, 6, "mitigate", ""), "impact"},
			{"accept without expiry", risk(2, 2, "accept", ""), "accepted_until"},
			{"expiry without acceptance", risk(2, 2, "mitigate", next), "accepted_until"},
			{"expiry in the past", risk(2, 2, "accept", "2020-01-01"), "accepted_until"},
			{"unknown treatment", risk(2, 2, "ignore", ""), "treatment"},
			{"no threat", strings.Replace(risk(2, 2, "avoid", ""), "Tấn công SQL injection", "", 1), "threat"},
		}
		for _, c := range bad {
			code, out := w.call(t, "officerA", "POST", sysPath(w.sysA, "/risks"), c.body)
			if code != 400 || !strings.Contains(out["error"].(map[string]any)["message"].(string), c.field) {
				t.Errorf("%s: %d %v", c.name, code, out)
			}
		}
		roles := []struct {
			actor, method, path string
			want                int
		}{
			{"officerB", "POST", sysPath(w.sysA, "/risks"), 404},
			{"officerB", "GET", "/api/v1/risks/" + strconv.Itoa(int(r["id"].(float64))), 404},
			{"officerB", "PUT", "/api/v1/risks/" + strconv.Itoa(int(r["id"].(float64))), 404},
			{"auditor", "POST", sysPath(w.sysA, "/risks"), 403},
			{"auditor", "PUT", "/api/v1/risks/" + strconv.Itoa(int(r["id"].(float64))), 403},
			{"admin", "POST", sysPath(w.sysA2, "/risks"), 409},
		}
		for _, c := range roles {
			if code, _ := w.call(t, c.actor, c.method, c.path, risk(3, 3, "mitigate", "")); code != c.want {
				t.Errorf("%s %s %s: %d, want %d", c.actor, c.method, c.path, code, c.want)
			}
		}
		if n := w.count(t, "risks"); n != 2 {
			t.Errorf("%d risks, want 2: a refusal wrote one", n)
		}
		// An acceptance that has expired is flagged for review.
		if _, err := db.Writer().ExecContext(context.Background(), `UPDATE risks SET accepted_until = '2020-01-01' WHERE treatment = 'accept'`); err != nil {
			t.Fatal(err)
		}
		_, list := w.call(t, "auditor", "GET", "/api/v1/risks?system_id="+strconv.FormatInt(w.sysA.ID, 10), nil)
		items := asList(list["items"])
		if len(items) != 2 || items[0].(map[string]any)["score"] != 20.0 || items[1].(map[string]any)["acceptance_expired"] != true {
			t.Errorf("list %v", list)
		}
		// Closing a risk takes it off the heat map.
		code, upd := w.call(t, "officerA", "PUT", "/api/v1/risks/"+strconv.Itoa(int(r["id"].(float64))), strings.Replace(risk(4, 5, "mitigate", ""), `"open"`, `"closed"`, 1))
		if code != 200 || upd["status"] != "closed" {
			t.Errorf("close: %d %v", code, upd)
		}
		_, hm := w.call(t, "admin", "GET", "/api/v1/risks/heatmap", nil)
		cells := asList(hm["cells"])
		if hm["total"] != 1.0 || asList(cells[1])[1] != 1.0 || asList(cells[3])[4] != 0.0 {
			t.Errorf("heat map %v", hm)
		}
		if _, hmB := w.call(t, "officerB", "GET", "/api/v1/risks/heatmap", nil); hmB["total"] != 0.0 {
			t.Errorf("other agency's heat map %v", hmB)
		}
		if code, sc := w.call(t, "officerA", "GET", "/api/v1/risk-scales", nil); code != 200 || len(asList(sc["likelihood"])) != 5 {
			t.Errorf("scales %d %v", code, sc)
		}
		for _, a := range []string{"risk.create", "risk.update"} {
			if e, _, _ := w.log.List(context.Background(), access.System, audit.Filter{Action: a}); len(e) == 0 {
				t.Errorf("no %s in the audit log", a)
			}
		}
	})
}
