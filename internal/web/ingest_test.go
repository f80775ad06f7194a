package web_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestIngestTokensByRole: admins and analysts create and revoke ingest
// tokens, agency officers and auditors may not, an agency officer lists
// only their agency's; the receivers on the main address take ingest
// tokens (not users' API tokens), past the session and API-token
// middleware.
func TestIngestTokensByRole(t *testing.T) {
	w := newWorld(t, "sqlite")
	create := func(role string, agency int64) (int, map[string]any) {
		code, body := w.api(role, "POST", "/api/v1/ingest/tokens", map[string]any{"agency_id": agency, "label": "filebeat " + role})
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		return code, m
	}
	code, tokA := create("admin", w.a.ID)
	if code != 201 || !strings.HasPrefix(fmt.Sprint(tokA["token"]), "khien-ingest_") {
		t.Fatalf("admin creates: %d %v", code, tokA)
	}
	if code, _ := create("analyst", w.b.ID); code != 201 {
		t.Errorf("analyst creates: %d", code)
	}
	for role, want := range map[string]int{"agencyA": 403, "auditor": 403, "anonymous": 401} {
		if code, _ := create(role, w.a.ID); code != want {
			t.Errorf("%s creates: %d, want %d", role, code, want)
		}
	}
	if code, _ := create("admin", 987654); code != 400 {
		t.Errorf("unknown agency: %d, want 400", code)
	}
	count := func(role string) int {
		code, body := w.api(role, "GET", "/api/v1/ingest/tokens", nil)
		var l struct{ Items []map[string]any }
		if code != 200 || json.Unmarshal(body, &l) != nil {
			t.Fatalf("%s lists: %d %s", role, code, body)
		}
		if strings.Contains(string(body), "khien-ingest_") && strings.Contains(string(body), `"token"`) {
			t.Errorf("a list shows a secret: %s", body)
		}
		return len(l.Items)
	}
	if n := count("agencyA"); n != 1 {
		t.Errorf("agency A's officer lists %d tokens, want 1", n)
	}
	if n := count("agencyB"); n != 1 {
		t.Errorf("agency B's officer lists %d tokens, want 1", n)
	}
	if n := count("auditor"); n != 2 {
		t.Errorf("auditor lists %d tokens, want 2", n)
	}
	secret := fmt.Sprint(tokA["token"])
	post := func(path, auth, body string) (int, string) {
		req, _ := http.NewRequest("POST", w.ts.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", auth)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	// The receivers are not started in this world: an authenticated
	// request gets as far as the queue (503), a bad token stops at 401.
	if code, body := post("/api/v1/ingest", "Bearer "+secret, `{"message":"x"}`); code != 503 {
		t.Errorf("ingest with an ingest token: %d %s, want 503 (authenticated, queue not started)", code, body)
	}
	if code, _ := post("/api/v1/ingest", "Bearer "+w.tokens["admin"], `{"message":"x"}`); code != 401 {
		t.Errorf("ingest with a user's API token: %d, want 401", code)
	}
	apiKey := "ApiKey " + base64.StdEncoding.EncodeToString([]byte("id:"+secret))
	req, _ := http.NewRequest("GET", w.ts.URL+"/api/v1/ingest/es/", nil)
	req.Header.Set("Authorization", apiKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), `"number"`) {
		t.Errorf("GET /api/v1/ingest/es/: %d %s", res.StatusCode, b)
	}
	id := int64(tokA["id"].(float64))
	path := fmt.Sprintf("/api/v1/ingest/tokens/%d", id)
	if code, _ := w.api("agencyA", "DELETE", path, nil); code != 403 {
		t.Errorf("agency officer revokes: %d", code)
	}
	if code, _ := w.api("analyst", "DELETE", path, nil); code != 204 {
		t.Errorf("analyst revokes: %d", code)
	}
	if code, _ := w.api("admin", "DELETE", "/api/v1/ingest/tokens/987654", nil); code != 404 {
		t.Errorf("revoke unknown: %d", code)
	}
	if code, _ := post("/api/v1/ingest", "Bearer "+secret, `{"message":"x"}`); code != 401 {
		t.Errorf("ingest with a revoked token: %d, want 401", code)
	}
	if code, body := w.api("analyst", "GET", "/api/v1/ingest/senders", nil); code != 200 || !strings.Contains(string(body), `"items"`) {
		t.Errorf("senders: %d %s", code, body)
	}
	if code, _ := w.api("anonymous", "GET", "/api/v1/ingest/senders", nil); code != 401 {
		t.Errorf("anonymous senders: %d", code)
	}
}

// TestIngestPage: the log sources page lists ingest tokens in the
// caller's scope without their secrets; an admin creates one (the secret
// shown in that answer only) and revokes it; an agency officer sees their
// agency's tokens, no form, and is refused a create; bad form input is a
// 400 naming the field and writes nothing.
func TestIngestPage(t *testing.T) {
	w := newWorld(t, "sqlite")
	admin, officerA, officerB := w.browser("admin"), w.browser("agencyA"), w.browser("agencyB")
	// The system is picked by (part of) its name, within the agency.
	code, page := admin.post("/ingest/tokens", admin.withCSRF(url.Values{"agency_id": {fmt.Sprint(w.a1.ID)}, "system": {"cổng alpha"}, "label": {"filebeat-web"}}))
	secret := regexp.MustCompile(`khien-ingest_[A-Za-z0-9_-]{40,}`).Find(page)
	if code != 200 || secret == nil {
		t.Fatalf("create: %d, secret %q", code, secret)
	}
	if !strings.Contains(string(page), "filebeat-web") || !strings.Contains(string(page), "alpha") {
		t.Errorf("the new token's row (name, system) is missing")
	}
	if code, _ := admin.post("/ingest/tokens", admin.withCSRF(url.Values{"agency_id": {fmt.Sprint(w.b.ID)}, "label": {"beats-of-b"}})); code != 200 {
		t.Fatalf("create for B: %d", code)
	}
	for name, br := range map[string]*browser{"admin": admin, "agencyA": officerA} {
		code, page := br.get("/ingest")
		if code != 200 || bytes.Contains(page, secret) || !strings.Contains(string(page), "filebeat-web") {
			t.Errorf("%s: list %d, shows the secret %v", name, code, bytes.Contains(page, secret))
		}
	}
	_, pageA := officerA.get("/ingest")
	if strings.Contains(string(pageA), "beats-of-b") || strings.Contains(string(pageA), `action="/ingest/tokens"`) {
		t.Errorf("agency A's officer sees B's token or the create form")
	}
	if _, pageB := officerB.get("/ingest"); strings.Contains(string(pageB), "filebeat-web") {
		t.Errorf("agency B's officer sees A's token")
	}
	if code, _ := officerA.post("/ingest/tokens", officerA.withCSRF(url.Values{"agency_id": {fmt.Sprint(w.a.ID)}, "label": {"mine"}})); code != 403 {
		t.Errorf("agency officer creates: %d, want 403", code)
	}
	var before int
	_ = w.svc.DB.Reader().QueryRow(`SELECT COUNT(*) FROM ingest_tokens`).Scan(&before)
	for _, c := range []struct {
		name string
		form url.Values
		text string
	}{
		{"no agency", url.Values{"label": {"x"}}, "agency_id"},
		{"agency not a number", url.Values{"agency_id": {"abc"}}, "agency_id"},
		{"system not a number", url.Values{"agency_id": {fmt.Sprint(w.a.ID)}, "system_id": {"-3"}}, "system_id"},
		{"another agency's system", url.Values{"agency_id": {fmt.Sprint(w.b.ID)}, "system_id": {fmt.Sprint(w.sysA.ID)}}, "system_id"},
		{"another agency's system by name", url.Values{"agency_id": {fmt.Sprint(w.b.ID)}, "system": {"Cổng Alpha secretalpha"}}, "system"},
		{"no system of that name", url.Values{"agency_id": {fmt.Sprint(w.a.ID)}, "system": {"không có hệ thống này"}}, "system"},
		{"a name too long", url.Values{"agency_id": {fmt.Sprint(w.a.ID)}, "system": {strings.Repeat("x", 201)}}, "system"},
		{"name too long", url.Values{"agency_id": {fmt.Sprint(w.a.ID)}, "label": {strings.Repeat("n", 101)}}, "label"},
	} {
		code, _ := admin.post("/ingest/tokens", admin.withCSRF(c.form))
		if code != 400 {
			t.Errorf("%s: %d, want 400", c.name, code)
		}
	}
	if code, _ := admin.post("/ingest/tokens", url.Values{"agency_id": {fmt.Sprint(w.a.ID)}}); code != 403 {
		t.Errorf("without CSRF: %d, want 403", code)
	}
	var after int
	_ = w.svc.DB.Reader().QueryRow(`SELECT COUNT(*) FROM ingest_tokens`).Scan(&after)
	if after != before {
		t.Errorf("bad input wrote tokens: %d → %d", before, after)
	}
	var id int64
	if err := w.svc.DB.Reader().QueryRow(`SELECT id FROM ingest_tokens WHERE label = 'filebeat-web'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if code, _ := officerA.post(fmt.Sprintf("/ingest/tokens/%d/revoke", id), officerA.withCSRF(url.Values{})); code != 403 {
		t.Errorf("agency officer revokes: %d, want 403", code)
	}
	if code, _ := admin.post(fmt.Sprintf("/ingest/tokens/%d/revoke", id), admin.withCSRF(url.Values{})); code != 303 {
		t.Errorf("admin revokes: %d, want 303 to the page", code)
	}
	var revoked string
	_ = w.svc.DB.Reader().QueryRow(`SELECT revoked_at FROM ingest_tokens WHERE id = $1`, id).Scan(&revoked)
	if revoked == "" {
		t.Errorf("the token is not revoked")
	}
}
