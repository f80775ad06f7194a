package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// TestAlertsListFiltersAndBulkAcknowledge: the monitoring alert list
// filters (state, severity, kind, agency, dates) and sorts through its
// URL, refuses values it does not know with 400, and acknowledges the
// alerts ticked all or nothing, from the page and from the API.
func TestAlertsListFiltersAndBulkAcknowledge(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			w := newWorld(t, engine)
			ctx := context.Background()
			now := time.Now().UTC().Truncate(time.Minute)
			var probes []monitor.PastProbe
			for at := now.Add(-48 * time.Hour); !at.After(now); at = at.Add(time.Hour) {
				ok := at.Before(now.Add(-30*time.Hour)) || at.After(now.Add(-26*time.Hour))
				p := monitor.PastProbe{At: at, OK: ok, Status: 200, LatencyMS: 90}
				if !ok {
					p.Status, p.Error, p.ErrorVI, p.ErrorEN = 0, "refused", "từ chối kết nối", "refused the connection"
				}
				probes = append(probes, p)
			}
			if _, err := w.svc.Monitor.RecordHistory(ctx, access.System, w.siteA.ID, probes); err != nil {
				t.Fatal(err)
			}
			alerts, _, err := w.svc.Monitor.Alerts(ctx, access.System, monitor.AlertFilter{})
			if err != nil || len(alerts) != 2 {
				t.Fatalf("the world's alerts: %d, %v", len(alerts), err)
			}
			var down int64
			for _, a := range alerts {
				if a.Kind == monitor.KindDown {
					down = a.ID
				}
			}
			box := `name="id" value="` + strconv.FormatInt(down, 10) + `"`
			an := w.browser("analyst")
			day := func(d time.Duration) string { return now.Add(d).In(time.FixedZone("ICT", 7*3600)).Format("2006-01-02") }
			for path, want := range map[string]bool{
				"/alerts":                                              true,
				"/alerts?severity=critical":                            true,
				"/alerts?severity=info":                                false,
				"/alerts?kind=down&sort=oldest":                        true,
				"/alerts?kind=recovered":                               false,
				"/alerts?state=acknowledged":                           false,
				"/alerts?from=" + day(-72*time.Hour) + "&to=" + day(0): true,
				"/alerts?to=" + day(-96*time.Hour):                     false,
				"/alerts?agency_id=" + strconv.FormatInt(w.a.ID, 10):   true,
				"/alerts?agency_id=" + strconv.FormatInt(w.b.ID, 10):   false,
			} {
				code, body := an.get(path)
				if listed := strings.Contains(string(body), box); code != 200 || listed != want {
					t.Errorf("%s: %d, down alert offered %v, want %v", path, code, listed, want)
				}
			}
			for _, bad := range []string{"/alerts?state=closed", "/alerts?severity=urgent", "/alerts?kind=x", "/alerts?sort=id", "/alerts?from=hôm-qua", "/alerts?agency_id=abc", "/alerts?page=0", "/alerts?from=2026-05-02&to=2026-05-01"} {
				if code, _ := an.get(bad); code != 400 {
					t.Errorf("%s: %d, want 400", bad, code)
				}
			}
			// An officer of B neither sees A's alert nor acknowledges it.
			ob := w.browser("agencyB")
			if _, body := ob.get("/alerts?state=all"); strings.Contains(string(body), box) {
				t.Errorf("an officer of B sees A's alert")
			}
			if code, _ := ob.post("/alerts/acknowledge", ob.withCSRF(url.Values{"id": {strconv.FormatInt(down, 10)}})); code != 404 {
				t.Errorf("officer of B acknowledging A's alert: %d, want 404", code)
			}
			if code, _ := w.browser("auditor").post("/alerts/acknowledge", w.browser("auditor").withCSRF(url.Values{"id": {strconv.FormatInt(down, 10)}})); code != 403 {
				t.Errorf("auditor acknowledging: %d, want 403", code)
			}
			an.get("/alerts")
			if code, _ := an.post("/alerts/acknowledge", an.withCSRF(url.Values{"id": {strconv.FormatInt(down, 10), "999999"}})); code != 404 {
				t.Errorf("with an unknown alert: %d, want 404", code)
			}
			if acked, _, _ := w.svc.Monitor.Alerts(ctx, access.System, monitor.AlertFilter{State: "acknowledged"}); len(acked) != 0 {
				t.Fatalf("a refused acknowledgement acknowledged %d", len(acked))
			}
			if code, _ := an.post("/alerts/acknowledge", an.withCSRF(url.Values{})); code != 400 {
				t.Errorf("nothing ticked: %d, want 400", code)
			}
			code, _ := an.post("/alerts/acknowledge", an.withCSRF(url.Values{"id": {strconv.FormatInt(down, 10)}, "back": {"/alerts?severity=critical"}}))
			if code != 303 {
				t.Fatalf("acknowledge: %d", code)
			}
			if _, body := an.get("/alerts?state=acknowledged"); !strings.Contains(string(body), `· <span class="data" translate="no">analyst</span> ·`) {
				t.Errorf("the acknowledged alert does not say who acknowledged it")
			}
			// The API: filters and the bulk acknowledgement.
			code, body := w.api("agencyA", "GET", "/api/v1/alerts?state=new&severity=info", nil)
			var got struct {
				Items []monitor.Alert `json:"items"`
				Total int             `json:"total"`
			}
			if code != 200 || json.Unmarshal(body, &got) != nil || got.Total != 1 || got.Items[0].Kind != monitor.KindRecovered {
				t.Fatalf("API list: %d %s", code, body)
			}
			if code, body := w.api("agencyB", "POST", "/api/v1/alerts/acknowledge", map[string]any{"ids": []int64{got.Items[0].ID}}); code != 404 {
				t.Errorf("API, officer of B: %d %s", code, body)
			}
			if code, body := w.api("agencyA", "POST", "/api/v1/alerts/acknowledge", map[string]any{"ids": []int64{got.Items[0].ID}}); code != 200 || !strings.Contains(string(body), `"acknowledged":1`) {
				t.Errorf("API, officer of A: %d %s", code, body)
			}
			if code, _ := w.api("agencyA", "GET", "/api/v1/alerts?from=yesterday", nil); code != 400 {
				t.Errorf("API, a bad date: %d", code)
			}
		})
	}
}
