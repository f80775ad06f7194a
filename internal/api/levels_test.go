package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/api"
	"github.com/khien-project/khien/internal/feature/levels"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// The levels routes through the API's own handlers, with the caller's
// actor put in the request as the web server's authentication does (the
// role tables of internal/web cover the other routes; these cover the
// levels routes, which internal/web does not register yet).

// testRouter mounts the API on a mux; the actor comes from the
// X-Test-Actor header (a name of levelWorld.actors).
type testRouter struct {
	mux    *http.ServeMux
	actors map[string]access.Actor
}

func (t testRouter) Public(pattern string, h http.HandlerFunc) { t.mux.HandleFunc(pattern, h) }
func (t testRouter) Private(pattern string, h http.HandlerFunc) {
	t.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		h(w, r.WithContext(httpx.WithActor(r.Context(), t.actors[r.Header.Get("X-Test-Actor")], "")))
	})
}

type levelWorld struct {
	db       *store.DB
	reg      *registry.Registry
	log      *audit.Log
	mux      *http.ServeMux
	sysA     registry.System // of agency A
	sysA2    registry.System // of agency A, archived
	sysB     registry.System // of agency B
	actors   map[string]access.Actor
	levelsOn bool
}

func newLevelWorld(t *testing.T, db *store.DB) *levelWorld {
	t.Helper()
	ctx := context.Background()
	log := audit.New(db)
	bus := events.New(db, nil)
	w := &levelWorld{db: db, log: log, reg: registry.New(db, log, bus), mux: http.NewServeMux()}
	svc, err := levels.New(db, log, bus)
	if err != nil {
		t.Fatal(err)
	}
	agency := func(code string) registry.Agency {
		name := "Cơ quan " + code
		a, err := w.reg.CreateAgency(ctx, access.System, registry.AgencyInput{Code: &code, Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a, b := agency("SKHCN"), agency("SYT")
	system := func(ag registry.Agency, name string) registry.System {
		s, err := w.reg.CreateSystem(ctx, access.System, registry.SystemInput{AgencyID: &ag.ID, Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	w.sysA, w.sysA2, w.sysB = system(a, "Cổng dịch vụ công"), system(a, "Hệ thống cũ"), system(b, "Bệnh án điện tử")
	if _, err := w.reg.ArchiveSystem(ctx, access.System, w.sysA2.ID); err != nil {
		t.Fatal(err)
	}
	w.actors = map[string]access.Actor{
		"admin":    {UserID: 1, Username: "admin", Role: access.Admin},
		"analyst":  {UserID: 2, Username: "analyst", Role: access.Analyst},
		"auditor":  {UserID: 3, Username: "auditor", Role: access.Auditor},
		"officerA": {UserID: 4, Username: "canbo.a", Role: access.Agency, AgencyID: a.ID, AgencyPath: a.Path},
		"officerB": {UserID: 5, Username: "canbo.b", Role: access.Agency, AgencyID: b.ID, AgencyPath: b.Path},
	}
	(&api.API{Registry: w.reg, Audit: log, Levels: svc}).Register(testRouter{mux: w.mux, actors: w.actors})
	return w
}

// call sends body (a string or nil) as actor and returns the status and
// the decoded answer.
func (w *levelWorld) call(t *testing.T, actor, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		data, _ := json.Marshal(b)
		rd = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("X-Test-Actor", actor)
	rec := httptest.NewRecorder()
	w.mux.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil && rec.Body.Len() > 0 {
		t.Fatalf("%s %s: not JSON: %s", method, path, rec.Body)
	}
	return rec.Code, out
}

func (w *levelWorld) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := w.db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func sysPath(s registry.System, rest string) string {
	return "/api/v1/systems/" + strconv.FormatInt(s.ID, 10) + rest
}

// level3 answers the questionnaire of a public-service portal that
// handles administrative procedures: level 3 under Decree 331.
const level3 = `{"regime": "nd331-2026", "info_class": "personal", "system_type": "public_service", "data_subjects": 20000,
	"sensitive_personal_data": false, "handles_administrative_procedures": true, "online_public_service_level": 2,
	"conditional_business": false, "infrastructure_scope": "none", "needs_24_7": false, "national_security_harm": "none"}`

// TestRegimesAPI: GET /api/v1/regimes lists both regimes with their
// requirement counts per level, as the reference's tables count them.
func TestRegimesAPI(t *testing.T) {
	w := newLevelWorld(t, storetest.Open(t, store.SQLite))
	code, body := w.call(t, "auditor", "GET", "/api/v1/regimes", nil)
	if code != 200 {
		t.Fatalf("%d %v", code, body)
	}
	got := map[string]map[string]any{}
	for _, it := range body["items"].([]any) {
		m := it.(map[string]any)
		got[m["id"].(string)] = m
	}
	perLevel := func(m map[string]any, key string) string {
		v, ok := m[key].(map[string]any)
		if !ok {
			return "absent"
		}
		var parts []string
		for l := 1; l <= 5; l++ {
			parts = append(parts, strconv.Itoa(int(v[strconv.Itoa(l)].(float64))))
		}
		return strings.Join(parts, ",")
	}
	if nd85 := got["nd85-2016"]; nd85 == nil || nd85["name"] == "" || perLevel(nd85, "requirements_per_level") != "31,41,59,60,62" || perLevel(nd85, "groups_per_level") != "absent" {
		t.Errorf("nd85-2016: %v", nd85)
	}
	if nd331 := got["nd331-2026"]; nd331 == nil || perLevel(nd331, "groups_per_level") != "15,15,18,18,18" || perLevel(nd331, "requirements_per_level") != "15,15,18,18,18" {
		t.Errorf("nd331-2026: %v", nd331)
	}
	if code, body := w.call(t, "officerB", "GET", "/api/v1/regimes/nd85-2016", nil); code != 200 || len(body["criteria"].([]any)) < 20 || len(body["approval"].([]any)) != 4 {
		t.Errorf("one regime: %d", code)
	}
	if code, _ := w.call(t, "admin", "GET", "/api/v1/regimes/nd86", nil); code != 404 {
		t.Errorf("unknown regime: %d", code)
	}
}

// TestLevelProposalAPI: an officer proposes the level of their system and
// gets level 3 with its reasons; the proposal and the regime are recorded
// and audited; bad answers are 400s naming the JSON fields and write
// nothing.
func TestLevelProposalAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newLevelWorld(t, db)
		code, body := w.call(t, "officerA", "POST", sysPath(w.sysA, "/level-proposal"), level3)
		if code != 200 || body["level"] != 3.0 || body["regime"] != "nd331-2026" {
			t.Fatalf("%d %v", code, body)
		}
		reasons := body["reasons"].([]any)
		r0 := reasons[0].(map[string]any)
		if len(reasons) != 1 || r0["criterion"] != "nd331-2026/l3.administrative-procedures" || !strings.Contains(r0["text_vi"].(string), "thủ tục hành chính") || !strings.Contains(r0["text_en"].(string), "administrative procedures") {
			t.Errorf("reasons %v", reasons)
		}
		code, lv := w.call(t, "auditor", "GET", sysPath(w.sysA, "/level"), nil)
		if code != 200 || lv["regime"] != "nd331-2026" || lv["proposed_level"] != 3.0 || lv["approved_level"] != nil {
			t.Errorf("level: %d %v", code, lv)
		}
		entries, _, err := w.log.List(context.Background(), access.System, audit.Filter{Action: "level.propose"})
		if err != nil || len(entries) != 1 || entries[0].Actor != "canbo.a" || entries[0].ObjectID != strconv.FormatInt(w.sysA.ID, 10) ||
			!strings.Contains(string(entries[0].After), `"regime":"nd331-2026"`) || !strings.Contains(string(entries[0].After), `"level":3`) {
			t.Errorf("audit %v %v", entries, err)
		}

		bad := []struct {
			name, body string
			fields     []string
		}{
			{"missing answers", `{"regime": "nd85-2016", "info_class": "public"}`,
				[]string{"system_type", "data_subjects", "online_public_service_level", "conditional_business", "infrastructure_scope", "needs_24_7", "national_security_harm"}},
			{"unknown regime", `{"regime": "nd85"}`, []string{"regime"}},
			{"out of range", strings.Replace(level3, `"online_public_service_level": 2`, `"online_public_service_level": 9`, 1), []string{"online_public_service_level"}},
			{"below the implied level", strings.Replace(level3, `{"regime"`, `{"proposed_level": 2, "regime"`, 1), []string{"proposed_level"}},
			{"part missing an answer", strings.Replace(level3, `"needs_24_7": false,`, `"needs_24_7": false, "parts": [{"info_class": "public"}],`, 1), nil},
			{"unknown field", strings.Replace(level3, `"regime"`, `"regim": "x", "regime"`, 1), nil},
			{"not JSON", `{"regime": `, nil},
		}
		for _, c := range bad {
			code, body := w.call(t, "officerA", "POST", sysPath(w.sysA, "/level-proposal"), c.body)
			e, _ := body["error"].(map[string]any)
			if code != 400 || e == nil || e["message"] == "" {
				t.Errorf("%s: %d %v", c.name, code, body)
				continue
			}
			var fields []string
			for _, f := range asList(e["fields"]) {
				m := f.(map[string]any)
				fields = append(fields, m["field"].(string))
				if m["message"] == "" || m["message_vi"] == "" {
					t.Errorf("%s: field %v lacks a message in a language", c.name, m)
				}
			}
			if c.fields != nil && strings.Join(fields, ",") != strings.Join(c.fields, ",") {
				t.Errorf("%s: fields %v, want %v", c.name, fields, c.fields)
			}
			if c.name == "part missing an answer" && !strings.Contains(e["message"].(string), "parts[0].system_type") {
				t.Errorf("part: %v", e["message"])
			}
			if c.name == "below the implied level" && !strings.Contains(e["message"].(string), "level 2 is below level 3") {
				t.Errorf("refusal: %v", e["message"])
			}
		}
		if n := w.count(t, "level_proposals"); n != 1 {
			t.Errorf("%d proposals recorded; the refused ones wrote something", n)
		}
		// A higher proposal is accepted with the owner's reason.
		code, body = w.call(t, "admin", "POST", sysPath(w.sysA, "/level-proposal"), strings.Replace(level3, `{"regime"`, `{"proposed_level": 4, "regime"`, 1))
		if code != 200 || body["level"] != 4.0 || body["implied_level"] != 3.0 {
			t.Errorf("higher: %d %v", code, body)
		}
		if code, lv := w.call(t, "officerA", "GET", sysPath(w.sysA, "/level"), nil); code != 200 || lv["proposed_level"] != 4.0 {
			t.Errorf("level after the higher proposal: %d %v", code, lv)
		}
	})
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// TestLevelRoles: officers of other agencies see nothing (404); auditors
// and analysts read but may not propose or record layers (403); an
// archived system is read-only (409); nothing is written by a refusal.
func TestLevelRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newLevelWorld(t, db)
		if code, _ := w.call(t, "officerA", "POST", sysPath(w.sysA, "/level-proposal"), level3); code != 200 {
			t.Fatalf("setup: %d", code)
		}
		layer := `{"people": [{"name": "Nguyễn Văn An", "phone": "0912 345 678"}]}`
		cases := []struct {
			actor, method, path, body string
			want                      int
		}{
			{"officerB", "POST", sysPath(w.sysA, "/level-proposal"), level3, 404},
			{"officerB", "GET", sysPath(w.sysA, "/level"), "", 404},
			{"officerB", "GET", sysPath(w.sysA, "/layers"), "", 404},
			{"officerB", "PUT", sysPath(w.sysA, "/layers/1"), layer, 404},
			{"officerA", "POST", sysPath(w.sysB, "/level-proposal"), level3, 404},
			{"officerA", "GET", sysPath(w.sysB, "/layers"), "", 404},
			{"auditor", "POST", sysPath(w.sysA, "/level-proposal"), level3, 403},
			{"auditor", "PUT", sysPath(w.sysA, "/layers/1"), layer, 403},
			{"auditor", "GET", sysPath(w.sysA, "/level"), "", 200},
			{"auditor", "GET", sysPath(w.sysA, "/layers"), "", 200},
			{"analyst", "POST", sysPath(w.sysA, "/level-proposal"), level3, 403},
			{"analyst", "GET", sysPath(w.sysB, "/layers"), "", 200},
			{"officerA", "POST", sysPath(w.sysA2, "/level-proposal"), level3, 409},
			{"admin", "PUT", sysPath(w.sysA2, "/layers/1"), layer, 409},
			{"officerB", "GET", sysPath(w.sysB, "/level"), "", 404}, // no proposal yet
			{"admin", "POST", "/api/v1/systems/999999/level-proposal", level3, 404},
			{"", "GET", sysPath(w.sysA, "/layers"), "", 404}, // anonymous (the web server answers 401 first)
		}
		for _, c := range cases {
			var body any
			if c.body != "" {
				body = c.body
			}
			if code, out := w.call(t, c.actor, c.method, c.path, body); code != c.want {
				t.Errorf("%s %s %s: %d, want %d (%v)", c.actor, c.method, c.path, code, c.want, out)
			}
		}
		if n := w.count(t, "level_proposals"); n != 1 {
			t.Errorf("%d proposals; a refused request wrote one", n)
		}
		if n := w.count(t, "system_layers"); n != 0 {
			t.Errorf("%d layers; a refused request wrote one", n)
		}
	})
}

// TestLayersAPI: the four layers in order with their status; layer 3's
// organisation must differ from layer 2's provider; fields of another
// layer are refused; each change is audited.
func TestLayersAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newLevelWorld(t, db)
		code, body := w.call(t, "officerA", "GET", sysPath(w.sysA, "/layers"), nil)
		items := asList(body["items"])
		if code != 200 || len(items) != 4 {
			t.Fatalf("%d %v", code, body)
		}
		for i, it := range items {
			m := it.(map[string]any)
			if m["layer"] != float64(i+1) || m["status"] != "missing" || m["name"] == "" {
				t.Errorf("layer %d: %v", i+1, m)
			}
		}
		puts := []struct {
			layer, body string
			want        int
			status      string
		}{
			{"1", `{"people": [{"name": "Nguyễn Văn An", "role": "Chuyên trách ATTT", "phone": "0912 345 678", "email": "an@skhcn.gov.vn"}]}`, 200, "in_place"},
			{"2", `{"provider": "Công ty Giám sát A", "contract_start": "2026-01-01", "contract_end": "2099-12-31", "connection": "syslog qua VPN", "live_data": true}`, 200, "in_place"},
			{"3", `{"organisation": "công ty giám sát a", "last_date": "2026-06-01", "next_due": "2027-06-01"}`, 400, ""},
			{"3", `{"organisation": "Trung tâm Kiểm định B", "last_date": "2025-06-01", "result": "đạt", "next_due": "2026-06-01"}`, 200, "overdue"},
			{"4", `{"connected": false}`, 200, "not_connected"},
			{"4", `{"provider": "x"}`, 400, ""},
			{"2", `{"provider": "Y", "contract_end": "31/12/2099"}`, 400, ""},
			{"5", `{}`, 404, ""},
			{"1", `{"people": [{"name": ""}]}`, 400, ""},
		}
		for i, p := range puts {
			code, out := w.call(t, "officerA", "PUT", sysPath(w.sysA, "/layers/"+p.layer), p.body)
			if code != p.want || (p.status != "" && out["status"] != p.status) {
				t.Errorf("put %d (layer %s): %d %v", i, p.layer, code, out)
			}
		}
		_, body = w.call(t, "auditor", "GET", sysPath(w.sysA, "/layers"), nil)
		var statuses []string
		for _, it := range asList(body["items"]) {
			statuses = append(statuses, it.(map[string]any)["status"].(string))
		}
		if strings.Join(statuses, ",") != "in_place,in_place,overdue,not_connected" {
			t.Errorf("statuses %v", statuses)
		}
		entries, _, _ := w.log.List(context.Background(), access.System, audit.Filter{Action: "layer.set"})
		if len(entries) != 4 {
			t.Errorf("%d layer.set entries, want 4", len(entries))
		}
	})
}

// TestLevelsPurge: purging an archived system deletes its level records
// (levels reacts to registry's SystemPurge) and counts them.
func TestLevelsPurge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newLevelWorld(t, db)
		ctx := context.Background()
		if code, _ := w.call(t, "officerA", "POST", sysPath(w.sysA, "/level-proposal"), level3); code != 200 {
			t.Fatal(code)
		}
		if code, _ := w.call(t, "officerA", "PUT", sysPath(w.sysA, "/layers/4"), `{"connected": true, "connected_on": "2026-01-02"}`); code != 200 {
			t.Fatal(code)
		}
		if _, err := w.reg.ArchiveSystem(ctx, access.System, w.sysA.ID); err != nil {
			t.Fatal(err)
		}
		p, err := w.reg.PurgeSystem(ctx, w.actors["admin"], w.sysA.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Removed["level_proposals"] != 1 || p.Removed["system_levels"] != 1 || p.Removed["system_layers"] != 1 || p.Removed["level_summaries"] != 1 {
			t.Errorf("removed %v", p.Removed)
		}
		if n := w.count(t, "level_proposals") + w.count(t, "system_levels") + w.count(t, "system_layers") + w.count(t, "level_summaries"); n != 0 {
			t.Errorf("%d level rows left", n)
		}
	})
}

// TestLevelsNotWired: without the levels service the routes answer 503,
// never a panic.
func TestLevelsNotWired(t *testing.T) {
	mux := http.NewServeMux()
	(&api.API{}).Register(testRouter{mux: mux, actors: map[string]access.Actor{"admin": {Username: "admin", Role: access.Admin}}})
	req := httptest.NewRequest("GET", "/api/v1/regimes", nil)
	req.Header.Set("X-Test-Actor", "admin")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	if rec.Code != 503 {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}
