package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// errorBody is the shape every API error must have.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Fields  []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
			VI      string `json:"message_vi"`
		} `json:"fields"`
	} `json:"error"`
}

func TestBadInputWritesNothing(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			w := newWorld(t, engine)
			huge := `{"name": "` + strings.Repeat("x", 1<<20) + `"}`
			evidence := evidenceOf(w, "")
			cases := []struct {
				name, method, path string
				body               any
				status             int
				code               string
				field              string
			}{
				{"malformed JSON", "POST", "/api/v1/systems", `{"name": "x",`, 400, "bad_request", ""},
				{"not an object", "POST", "/api/v1/systems", `[1,2]`, 400, "bad_request", ""},
				{"empty body", "POST", "/api/v1/agencies", ``, 400, "bad_request", ""},
				{"two objects", "POST", "/api/v1/agencies", `{"code":"Q1","name":"a"}{"code":"Q2","name":"b"}`, 400, "bad_request", ""},
				{"wrong type", "POST", "/api/v1/systems", fmt.Sprintf(`{"agency_id": "%d", "name": "x"}`, w.a1.ID), 400, "bad_request", ""},
				{"unknown field", "POST", "/api/v1/systems", fmt.Sprintf(`{"agency_id": %d, "name": "x", "colour": "red"}`, w.a1.ID), 400, "bad_request", ""},
				{"oversized body", "POST", "/api/v1/systems", huge, 413, "too_large", ""},
				{"invalid URL", "POST", "/api/v1/systems", map[string]any{"agency_id": w.a1.ID, "name": "x", "urls": []string{"javascript:alert(1)"}}, 400, "validation_failed", "urls[0]"},
				{"URL with credentials", "POST", "/api/v1/systems", map[string]any{"agency_id": w.a1.ID, "name": "x", "urls": []string{"https://u:p@x.example/"}}, 400, "validation_failed", "urls[0]"},
				{"invalid domain", "POST", "/api/v1/systems", map[string]any{"agency_id": w.a1.ID, "name": "x", "domains": []string{"bad_domain..example"}}, 400, "validation_failed", "domains[0]"},
				{"invalid CIDR", "POST", "/api/v1/systems", map[string]any{"agency_id": w.a1.ID, "name": "x", "cidrs": []string{"10.1.2.3/8"}}, 400, "validation_failed", "cidrs[0]"},
				{"invalid IP", "POST", "/api/v1/systems", map[string]any{"agency_id": w.a1.ID, "name": "x", "ips": []string{"999.1.1.1"}}, 400, "validation_failed", "ips[0]"},
				{"unknown hosting", "POST", "/api/v1/systems", map[string]any{"agency_id": w.a1.ID, "name": "x", "hosting": "moon"}, 400, "validation_failed", "hosting"},
				{"missing name", "POST", "/api/v1/systems", map[string]any{"agency_id": w.a1.ID}, 400, "validation_failed", "name"},
				{"invalid e-mail", "POST", "/api/v1/agencies", map[string]any{"code": "E1", "name": "x", "email": "not-an-email"}, 400, "validation_failed", "email"},
				{"invalid phone", "POST", "/api/v1/agencies", map[string]any{"code": "E2", "name": "x", "phone": "call me"}, 400, "validation_failed", "phone"},
				{"invalid code", "POST", "/api/v1/agencies", map[string]any{"code": "có dấu", "name": "x"}, 400, "validation_failed", "code"},
				{"duplicate code", "POST", "/api/v1/agencies", map[string]any{"code": "A", "name": "x"}, 409, "conflict", "code"},
				{"control characters", "POST", "/api/v1/agencies", map[string]any{"code": "E3", "name": "x\x00y"}, 400, "validation_failed", "name"},
				{"short password", "POST", "/api/v1/users", map[string]any{"username": "u1", "password": "short", "role": "auditor"}, 400, "validation_failed", "password"},
				{"unknown role", "POST", "/api/v1/users", map[string]any{"username": "u2", "password": testPassword, "role": "root"}, 400, "validation_failed", "role"},
				{"agency role without agency", "POST", "/api/v1/users", map[string]any{"username": "u3", "password": testPassword, "role": "agency"}, 400, "validation_failed", "agency_id"},
				{"user name differing only in case", "POST", "/api/v1/users", map[string]any{"username": "ADMIN", "password": testPassword, "role": "auditor"}, 409, "conflict", "username"},
				{"rename to a name differing only in case", "PATCH", fmt.Sprintf("/api/v1/users/%d", w.users["auditor"].ID), map[string]any{"username": "Analyst"}, 409, "conflict", "username"},
				{"demote the last admin", "PATCH", fmt.Sprintf("/api/v1/users/%d", w.users["admin"].ID), map[string]any{"role": "auditor"}, 409, "conflict", "role"},
				{"disable the last admin", "PATCH", fmt.Sprintf("/api/v1/users/%d", w.users["admin"].ID), map[string]any{"disabled": true}, 409, "conflict", "disabled"},
				{"wrong current password", "POST", "/api/v1/me/password", map[string]any{"current_password": "not it", "new_password": "a new long password"}, 400, "validation_failed", "current_password"},
				{"short new password", "POST", "/api/v1/me/password", map[string]any{"current_password": testPassword, "new_password": "short"}, 400, "validation_failed", "new_password"},
				{"password change with an unknown field", "POST", "/api/v1/me/password", `{"current_password": "x", "new_password": "yyyyyyyy", "keep": true}`, 400, "bad_request", ""},
				{"bad limit", "GET", "/api/v1/systems?limit=abc", nil, 400, "bad_request", ""},
				{"bad sort", "GET", "/api/v1/systems?sort=password", nil, 400, "bad_request", ""},
				{"bad archived filter", "GET", "/api/v1/systems?archived=maybe", nil, 400, "bad_request", ""},
				{"bad archived sites filter", "GET", "/api/v1/sites?archived=yes", nil, 400, "bad_request", ""},
				{"purge of no system", "POST", "/api/v1/systems/999999/purge", nil, 404, "not_found", ""},
				{"bad id", "GET", "/api/v1/systems/abc", nil, 404, "not_found", ""},
				{"unknown route", "GET", "/api/v1/nothing", nil, 404, "not_found", ""},
				{"wrong method", "PUT", "/api/v1/systems", nil, 405, "method_not_allowed", ""},
				{"scan without a site", "POST", "/api/v1/scans", map[string]any{}, 400, "bad_request", ""},
				{"scan of a non-web URL", "POST", "/api/v1/scans", map[string]any{"url": "javascript:alert(1)"}, 400, "validation_failed", "url"},
				{"scan with a bad site id", "POST", "/api/v1/scans", `{"site_id": "x"}`, 400, "bad_request", ""},
				{"negative scan interval", "PATCH", fmt.Sprintf("/api/v1/sites/%d", w.siteA.ID), map[string]any{"scan_every_hours": -1}, 400, "validation_failed", "scan_every_hours"},
				{"unknown verification state", "GET", "/api/v1/sites?verification=trusted", nil, 400, "bad_request", ""},
				{"verify a site that does not exist", "POST", "/api/v1/sites/999999/verify", nil, 404, "not_found", ""},
				{"broken ignore rule", "PATCH", fmt.Sprintf("/api/v1/sites/%d", w.siteA.ID), map[string]any{"ignore_rule": "re:("}, 400, "validation_failed", "ignore_rule"},
				{"threshold above 1", "PATCH", fmt.Sprintf("/api/v1/monitors/%d", w.siteA.ID), map[string]any{"change_threshold": 7}, 400, "validation_failed", "change_threshold"},
				{"window ending first", "POST", "/api/v1/maintenance", map[string]any{"site_id": w.siteA.ID, "starts_at": "2026-12-01T02:00:00Z", "ends_at": "2026-12-01T01:00:00Z"}, 400, "validation_failed", "ends_at"},
				{"window with a bad date", "POST", "/api/v1/maintenance", `{"starts_at": "tomorrow", "ends_at": "2026-12-01T01:00:00Z"}`, 400, "bad_request", ""},
				{"vuln alias without a vendor", "POST", "/api/v1/vuln/aliases", map[string]any{"name": "caddy", "cpe": "a:caddy"}, 400, "validation_failed", "cpe"},
				{"vuln alias without a name", "POST", "/api/v1/vuln/aliases", map[string]any{"name": " ", "cpe": "a:caddyserver:caddy"}, 400, "validation_failed", "name"},
				{"feed URL not http", "POST", "/api/v1/vuln/feeds/url", map[string]any{"url": "ftp://feeds.example/kev.json"}, 400, "validation_failed", "url"},
				{"feed URL into loopback", "POST", "/api/v1/vuln/feeds/url", map[string]any{"url": "http://[::1]:9/kev.json"}, 400, "validation_failed", "url"},
				{"vuln rule out of range", "PUT", "/api/v1/vuln/rules", map[string]any{"level_raise": 9}, 400, "validation_failed", "level_raise"},
				{"vuln rule not a number", "PUT", "/api/v1/vuln/rules", `{"level_raise": "high"}`, 400, "bad_request", ""},
				{"target with a bad e-mail", "POST", "/api/v1/notify-targets", map[string]any{"kind": "email", "address": "soc at example"}, 400, "validation_failed", "address"},
				{"target of an unknown kind", "POST", "/api/v1/notify-targets", map[string]any{"kind": "sms", "address": "0912"}, 400, "validation_failed", "kind"},
				{"webhook to a non-URL", "POST", "/api/v1/notify-targets", map[string]any{"kind": "webhook", "address": "javascript:alert(1)"}, 400, "validation_failed", "address"},
				{"webhook to cloud metadata", "POST", "/api/v1/notify-targets", map[string]any{"kind": "webhook", "address": "http://169.254.169.254/latest/meta-data/"}, 400, "validation_failed", "address"},
				{"webhook to a loopback port", "POST", "/api/v1/notify-targets", map[string]any{"kind": "webhook", "address": "http://[::ffff:127.0.0.1]:6379/"}, 400, "validation_failed", "address"},
				{"suspend without a reason", "POST", "/api/v1/labels/" + w.labelA + "/suspend", map[string]any{"reason": ""}, 400, "validation_failed", "reason"},
				{"grant with a bad privacy URL", "POST", "/api/v1/labels", map[string]any{"site_id": w.siteB.ID, "privacy_url": "ftp://x"}, 400, "validation_failed", "privacy_url"},
				{"policy with an unknown grade", "PATCH", "/api/v1/label-policies/1", map[string]any{"min_grade": "Z"}, 400, "validation_failed", "min_grade"},
				{"policy with a bad check id", "PATCH", "/api/v1/label-policies/1", map[string]any{"required_checks": []string{"x; DROP"}}, 400, "validation_failed", "required_checks"},
				{"policy with a misspelt check id", "PATCH", "/api/v1/label-policies/1", map[string]any{"critical_checks": []string{"tls.certficate"}}, 400, "validation_failed", "critical_checks"},
				{"unknown label", "GET", "/api/v1/labels/nope", nil, 404, "not_found", ""},
				{"ingest token without agency", "POST", "/api/v1/ingest/tokens", map[string]any{"label": "x"}, 400, "validation_failed", "agency_id"},
				{"ingest token of no agency", "POST", "/api/v1/ingest/tokens", map[string]any{"agency_id": 999999}, 400, "validation_failed", "agency_id"},
				{"ingest token for another agency's system", "POST", "/api/v1/ingest/tokens", map[string]any{"agency_id": w.b.ID, "system_id": w.sysA.ID}, 400, "validation_failed", "system_id"},
				{"ingest token with a long name", "POST", "/api/v1/ingest/tokens", map[string]any{"agency_id": w.a.ID, "label": strings.Repeat("n", 101)}, 400, "validation_failed", "label"},
				{"ingest token with an unknown field", "POST", "/api/v1/ingest/tokens", `{"agency_id": 1, "secret": "mine"}`, 400, "bad_request", ""},
				{"questionnaire with missing answers", "POST", fmt.Sprintf("/api/v1/systems/%d/level-proposal", w.sysA.ID), map[string]any{"regime": "nd331-2026"}, 400, "validation_failed", "info_class"},
				{"questionnaire with a part missing answers", "POST", fmt.Sprintf("/api/v1/systems/%d/level-proposal", w.sysA.ID), strings.Replace(levelAnswers, `"regime"`, `"parts": [{"info_class": "public"}], "regime"`, 1), 400, "validation_failed", "parts[0].system_type"},
				{"proposal below the answers' level", "POST", fmt.Sprintf("/api/v1/systems/%d/level-proposal", w.sysA.ID), strings.Replace(levelAnswers, `"regime"`, `"proposed_level": 1, "regime"`, 1), 400, "validation_failed", "proposed_level"},
				{"questionnaire with a word for a number", "POST", fmt.Sprintf("/api/v1/systems/%d/level-proposal", w.sysA.ID), strings.Replace(levelAnswers, "20000", `"many"`, 1), 400, "bad_request", ""},
				{"evidence file that is an executable named .pdf", "POST", evidence + "?name=bien-ban.pdf", "MZ\x90\x00" + strings.Repeat("\x00", 60), 400, "validation_failed", "file"},
				{"evidence file whose name hides a PDF", "POST", evidence + "?name=bien-ban.docx", "%PDF-1.4\n%%EOF\n", 400, "validation_failed", "name"},
				{"evidence file over 10 MiB", "POST", evidence + "?name=lon.pdf", "%PDF-1.4\n" + strings.Repeat("x", 10<<20), 400, "validation_failed", "file"},
				{"empty evidence file", "POST", evidence + "?name=rong.pdf", "", 400, "validation_failed", "file"},
				{"evidence file for a requirement outside the level", "POST", strings.Replace(evidence, "g.risk", "mgmt.policy", 1) + "?name=a.pdf", "%PDF-1.4\n", 404, "not_found", ""},
				{"evidence file with a bad id", "GET", evidence + "/abc", nil, 404, "not_found", ""},
			}
			before := counts(t, w)
			for _, c := range cases {
				code, body := w.api("admin", c.method, c.path, c.body)
				var eb errorBody
				if err := json.Unmarshal(body, &eb); err != nil {
					t.Errorf("%s: answer is not JSON: %s", c.name, body)
					continue
				}
				if code != c.status || eb.Error.Code != c.code || eb.Error.Message == "" {
					t.Errorf("%s: %d %s, want %d %s", c.name, code, body, c.status, c.code)
				}
				if c.field != "" && (len(eb.Error.Fields) == 0 || eb.Error.Fields[0].Field != c.field || eb.Error.Fields[0].VI == "") {
					t.Errorf("%s: fields %+v, want %s with a Vietnamese message", c.name, eb.Error.Fields, c.field)
				}
			}
			if after := counts(t, w); after != before {
				t.Errorf("bad input changed the database: %v → %v", before, after)
			}
		})
	}
}

func counts(t *testing.T, w *world) [12]int {
	t.Helper()
	var c [12]int
	for i, q := range []string{"SELECT COUNT(*) FROM agencies", "SELECT COUNT(*) FROM systems", "SELECT COUNT(*) FROM users", "SELECT COUNT(*) FROM system_assets",
		"SELECT COUNT(*) FROM sites", "SELECT COUNT(*) FROM scans", "SELECT COUNT(*) FROM maintenance_windows", "SELECT COUNT(*) FROM notify_targets",
		"SELECT COUNT(*) FROM label_events", "SELECT COUNT(*) FROM labels WHERE state = 'granted'", "SELECT COUNT(*) FROM level_proposals",
		"SELECT COUNT(*) FROM level_evidence_files"} {
		if err := w.svc.DB.Reader().QueryRow(q).Scan(&c[i]); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// TestMetacharactersStoredVerbatim stores SQL and HTML metacharacters and
// checks they come back unchanged from the API and escaped in pages.
func TestMetacharactersStoredVerbatim(t *testing.T) {
	w := newWorld(t, "sqlite")
	name := `Robert'); DROP TABLE systems;-- <script>alert("x")</script> & "quotes" ${jndi}`
	code, body := w.api("admin", "POST", "/api/v1/systems", map[string]any{"agency_id": w.a1.ID, "name": name, "purpose": "<img src=x onerror=alert(1)>"})
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	id := idOf(t, body)
	var got struct{ Name, Purpose string }
	_, body = w.api("admin", "GET", fmt.Sprintf("/api/v1/systems/%d", id), nil)
	if err := json.Unmarshal(body, &got); err != nil || got.Name != name || got.Purpose != "<img src=x onerror=alert(1)>" {
		t.Fatalf("stored %q / %q, want verbatim (%v)", got.Name, got.Purpose, err)
	}
	br := w.browser("admin")
	for _, path := range []string{fmt.Sprintf("/systems/%d", id), "/systems", "/audit"} {
		_, page := br.get(path)
		s := string(page)
		if strings.Contains(s, "<script>alert") || strings.Contains(s, "<img src=x") {
			t.Errorf("%s renders markup from data unescaped", path)
		}
		if path != "/audit" && !strings.Contains(s, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
			t.Errorf("%s does not show the name escaped", path)
		}
	}
	// Searching for the metacharacters finds the row and breaks nothing.
	code, body = w.api("admin", "GET", "/api/v1/systems?q="+url.QueryEscape("'); DROP"), nil)
	if code != 200 || !strings.Contains(string(body), `"total":1`) {
		t.Errorf("search with metacharacters: %d %s", code, body)
	}
	code, body = w.api("admin", "GET", "/api/v1/systems?q="+url.QueryEscape("%_"), nil)
	if code != 200 || !strings.Contains(string(body), `"total":0`) {
		t.Errorf("LIKE wildcards in a search must be literal: %d %s", code, body)
	}
}
