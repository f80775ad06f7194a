package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// encodedRule is a small Sigma rule for the detection API tests.
const encodedRule = `title: Encoded PowerShell (test)
id: 1d9e0c55-khien-web-test
tags: [attack.execution, attack.t1059.001]
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\powershell.exe'
        CommandLine|contains: ' -enc '
    condition: selection
level: high
`

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, text := range files {
		f, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(text)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// detectionWorld imports a pack through the API and raises one alert on
// system A (agency A1, inside A) as the detection consumer would.
func detectionWorld(t *testing.T, w *world) int64 {
	t.Helper()
	req, _ := http.NewRequest("POST", w.ts.URL+"/api/v1/rules/packs?name=web&filename=pack.zip", bytes.NewReader(zipOf(t, map[string]string{"rules/enc.yml": encodedRule, "rules/bad.yml": "title: x\nlogsource: {product: windows}\ndetection: {condition: nothing}\n"})))
	req.Header.Set("Authorization", "Bearer "+w.tokens["analyst"])
	req.Header.Set("Content-Type", "application/zip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Pack   struct{ Rules, Errors int }
		Errors []string
	}
	_ = json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || res.Pack.Rules != 2 || res.Pack.Errors != 1 || len(res.Errors) != 1 {
		t.Fatalf("import: %d %+v", resp.StatusCode, res)
	}
	rec := logstream.Record{ID: fmt.Sprintf("web-%d", time.Now().UnixNano()), AgencyID: w.a1.ID, SystemID: w.sysA.ID, Received: time.Now().UTC(), Product: "windows",
		Categories: []string{"process_creation"}, Fields: map[string]any{"Image": `C:\Windows\System32\powershell.exe`, "CommandLine": "powershell.exe -enc SQBFAFgA"}, Original: "x"}
	if err := w.svc.Alert.NewDetector(nil).Handle(context.Background(), logstream.Batch{Records: []logstream.Record{rec}}); err != nil {
		t.Fatal(err)
	}
	code, body := w.api("admin", "GET", "/api/v1/detections?status=new&level=high", nil)
	var list struct {
		Items []struct {
			ID       int64
			AgencyID int64 `json:"agency_id"`
		}
	}
	if err := json.Unmarshal(body, &list); code != http.StatusOK || err != nil || len(list.Items) != 1 || list.Items[0].AgencyID != w.a1.ID {
		t.Fatalf("detections: %d %s", code, body)
	}
	return list.Items[0].ID
}

// Each role on the detection routes: officers of the agency see its
// alert, officers of another get 404, only admins and analysts change
// anything, the rule test answers its matches.
func TestDetectionAPI(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			w := newWorld(t, engine)
			id := detectionWorld(t, w)
			one := fmt.Sprintf("/api/v1/detections/%d", id)
			cases := []struct {
				name, method, path string
				body               func(role string) any
				want               expect
			}{
				{"get", "GET", one, nil, expect{200, 200, 200, 404, 200, 401}},
				{"list", "GET", "/api/v1/detections", nil, expect{200, 200, 200, 200, 200, 401}},
				{"bad filter", "GET", "/api/v1/detections?status=maybe", nil, expect{400, 400, 400, 400, 400, 401}},
				{"rules", "GET", "/api/v1/rules?errors=1", nil, expect{200, 200, 200, 200, 200, 401}},
				{"packs", "GET", "/api/v1/rules/packs", nil, expect{200, 200, 200, 200, 200, 401}},
				{"acknowledge", "POST", one + "/status", func(string) any { return map[string]string{"status": "acknowledged"} }, expect{200, 200, 403, 404, 403, 401}},
				{"bulk assign", "POST", "/api/v1/detections/bulk", func(string) any { return map[string]any{"ids": []int64{id}, "action": "assign", "assignee": "analyst"} }, expect{200, 200, 403, 404, 403, 401}},
				{"bulk unknown", "POST", "/api/v1/detections/bulk", func(string) any { return map[string]any{"ids": []int64{id, 999999}, "action": "close"} }, expect{404, 404, 404, 404, 404, 401}},
				{"test rule", "POST", "/api/v1/rules/test", func(string) any {
					return map[string]string{"rule": encodedRule, "events": `{"Image":"C:\\x\\powershell.exe","CommandLine":"powershell -enc AAA"}` + "\n" + `{"Image":"C:\\x\\cmd.exe"}`}
				}, expect{200, 200, 200, 200, 200, 401}},
			}
			for _, c := range cases {
				for i, role := range roleLabels {
					var body any
					if c.body != nil {
						body = c.body(role)
					}
					code, out := w.api(role, c.method, c.path, body)
					if code != c.want[i] {
						t.Errorf("%s as %s: %s %s = %d, want %d (%s)", c.name, role, c.method, c.path, code, c.want[i], out)
					}
					if c.name == "test rule" && code == 200 && !strings.Contains(string(out), `"matches":[{"rule_id":"1d9e0c55-khien-web-test","rule_title":"Encoded PowerShell (test)","event":0}]`) {
						t.Errorf("rule test: %s", out)
					}
					if c.name == "list" && role == "agencyB" && strings.Contains(string(out), "Encoded") {
						t.Errorf("officer B sees A's alert: %s", out)
					}
				}
			}
			code, out := w.api("analyst", "GET", one, nil)
			if code != 200 || !strings.Contains(string(out), `"status":"acknowledged"`) || !strings.Contains(string(out), `"assignee":"analyst"`) {
				t.Fatalf("after changes: %d %s", code, out)
			}
		})
	}
}

// The detection pages: the queue (filters in the URL, bulk form), one
// alert (404 for another agency's officer), the rules page with an
// exception, and the rule test page.
func TestDetectionPages(t *testing.T) {
	w := newWorld(t, storetest.Engines()[0])
	id := detectionWorld(t, w)
	one := fmt.Sprintf("/detections/%d", id)
	for _, c := range []struct {
		role, path string
		want       int
		has        string
	}{
		{"agencyA", "/detections?status=new&level=high", 200, "Encoded PowerShell (test)"},
		{"agencyB", "/detections", 200, "Không có cảnh báo nào."},
		{"agencyA", one, 200, "SQBFAFgA"},
		{"agencyB", one, 404, ""},
		{"auditor", "/rules?errors=1", 200, "bad.yml"},
		{"analyst", "/rules/test", 200, "textarea"},
		{"analyst", "/detections?status=maybe", 400, ""},
	} {
		code, body := w.browser(c.role).get(c.path)
		if code != c.want || !strings.Contains(string(body), c.has) {
			t.Errorf("%s %s: %d, want %d with %q", c.role, c.path, code, c.want, c.has)
		}
	}
	b := w.browser("analyst")
	if code, body := b.post("/detections/bulk", b.withCSRF(url.Values{"id": {fmt.Sprint(id)}, "action": {"acknowledge"}, "back": {"/detections?status=new"}})); code != http.StatusSeeOther {
		t.Fatalf("bulk: %d %s", code, body)
	}
	if _, body := b.get(one); !strings.Contains(string(body), "Đã tiếp nhận") {
		t.Fatal("the alert was not acknowledged")
	}
	if code, _ := w.browser("agencyA").post("/detections/bulk", w.browser("agencyA").withCSRF(url.Values{"id": {fmt.Sprint(id)}, "action": {"close"}})); code != http.StatusForbidden {
		t.Fatalf("officer bulk: %d", code)
	}
	if code, body := b.post("/rules/exceptions", b.withCSRF(url.Values{"rule_uid": {"1d9e0c55-khien-web-test"}, "agency_id": {fmt.Sprint(w.a1.ID)}, "reason": {"test lab"}})); code != http.StatusSeeOther {
		t.Fatalf("exception: %d %s", code, body)
	}
	if _, body := b.get("/rules"); !strings.Contains(string(body), "test lab") {
		t.Fatal("the exception is not listed")
	}
	code, body := b.post("/rules/test", b.withCSRF(url.Values{"rule": {encodedRule}, "events": {`{"Image":"C:\\x\\powershell.exe","CommandLine":"powershell -enc AAA"}`}}))
	if code != 200 || !strings.Contains(string(body), "1d9e0c55-khien-web-test") {
		t.Fatalf("rule test page: %d", code)
	}
}
