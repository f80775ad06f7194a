package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// absentCase is one entry point that takes an agency (id or code): it is
// called with an agency outside the officer's scope and with one that
// does not exist, and must answer both the same way.
type absentCase struct {
	name string
	// call sends the request with the agency's id and code, and returns
	// the status and the body.
	call func(w *world, br *browser, id, code string) (int, []byte)
}

func apiCall(method, path string, body func(id, code string) any) func(*world, *browser, string, string) (int, []byte) {
	return func(w *world, _ *browser, id, code string) (int, []byte) {
		var b any
		if body != nil {
			b = body(id, code)
		}
		return w.api("agencyB", method, strings.NewReplacer("{id}", id, "{code}", code).Replace(path), b)
	}
}

func uiGet(path string) func(*world, *browser, string, string) (int, []byte) {
	return func(_ *world, br *browser, id, _ string) (int, []byte) {
		return br.get(strings.ReplaceAll(path, "{id}", id))
	}
}

func uiPost(path string, form func(id string) url.Values) func(*world, *browser, string, string) (int, []byte) {
	return func(_ *world, br *browser, id, _ string) (int, []byte) {
		return br.post(strings.ReplaceAll(path, "{id}", id), br.withCSRF(form(id)))
	}
}

func num(id string) int64 { n, _ := strconv.ParseInt(id, 10, 64); return n }

// TestOutOfScopeAgencyLooksAbsent: wherever an agency is named (by id or
// code, in a body, a path, a filter or an import row), an agency outside
// an officer's scope gets exactly the answer (status and message) of an
// agency that does not exist.
func TestOutOfScopeAgencyLooksAbsent(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			w := newWorld(t, engine)
			code, body := w.api("admin", "POST", "/api/v1/agencies", map[string]any{"code": "B1", "name": "Đơn vị Beta Một", "parent_id": w.b.ID})
			if code != http.StatusCreated {
				t.Fatalf("B1: %d %s", code, body)
			}
			b1 := idOf(t, body)
			sysB := fmt.Sprintf("/api/v1/systems/%d", w.sysB.ID)
			agencyB1 := fmt.Sprintf("/api/v1/agencies/%d", b1)
			cases := []absentCase{
				{"create system", apiCall("POST", "/api/v1/systems", func(id, _ string) any { return map[string]any{"agency_id": num(id), "name": "Hệ thống"} })},
				{"move system", apiCall("PATCH", sysB, func(id, _ string) any { return map[string]any{"agency_id": num(id)} })},
				{"systems filter", apiCall("GET", "/api/v1/systems?agency_id={id}", nil)},
				{"archived systems filter", apiCall("GET", "/api/v1/systems?archived=all&agency_id={id}", nil)},
				{"agencies filter", apiCall("GET", "/api/v1/agencies?parent_id={id}", nil)},
				{"create agency under", apiCall("POST", "/api/v1/agencies", func(id, _ string) any { return map[string]any{"code": "MOI", "name": "Mới", "parent_id": num(id)} })},
				{"move agency under", apiCall("PATCH", agencyB1, func(id, _ string) any { return map[string]any{"parent_id": num(id)} })},
				{"get agency", apiCall("GET", "/api/v1/agencies/{id}", nil)},
				{"patch agency", apiCall("PATCH", "/api/v1/agencies/{id}", func(string, string) any { return map[string]any{"phone": "0238 3812 345"} })},
				{"delete agency", apiCall("DELETE", "/api/v1/agencies/{id}", nil)},
				{"import systems row", apiCall("POST", "/api/v1/import/systems", func(_, code string) any { return "agency_code,name\n" + code + ",Hệ thống nhập\n" })},
				{"import systems dry run", apiCall("POST", "/api/v1/import/systems?dry_run=true", func(_, code string) any { return "agency_code,name\n" + code + ",Hệ thống nhập\n" })},
				{"import agencies parent", apiCall("POST", "/api/v1/import/agencies?dry_run=true", func(_, code string) any { return "code,name,parent_code\nMOI2,Mới,\"" + code + "\"\n" })},
				{"create user in agency", apiCall("POST", "/api/v1/users", func(id, _ string) any {
					return map[string]any{"username": "u-moi", "password": testPassword, "role": "agency", "agency_id": num(id)}
				})},
				{"agency page", uiGet("/agencies/{id}")},
				{"agency edit page", uiGet("/agencies/{id}/edit")},
				{"systems page filter", uiGet("/systems?agency_id={id}")},
				{"new system form", uiGet("/systems/new?agency_id={id}")},
				{"new agency form", uiGet("/agencies/new?parent_id={id}")},
				{"create system form", uiPost("/systems", func(id string) url.Values { return url.Values{"agency_id": {id}, "name": {"Hệ thống"}} })},
				{"create agency form", uiPost("/agencies", func(id string) url.Values { return url.Values{"parent_id": {id}, "code": {"MOI3"}, "name": {"Mới"}} })},
				{"move agency form", uiPost(fmt.Sprintf("/agencies/%d", b1), func(id string) url.Values {
					return url.Values{"parent_id": {id}, "code": {"B1"}, "name": {"Đơn vị Beta Một"}}
				})},
				{"update agency form", uiPost("/agencies/{id}", func(string) url.Values { return url.Values{"code": {"X"}, "name": {"X"}} })},
				{"delete agency form", uiPost("/agencies/{id}/delete", func(string) url.Values { return url.Values{} })},
			}
			// The agency outside B's scope is then deleted, and every request
			// is sent again naming the same id and code, which now exist
			// nowhere: the answers must be byte for byte the same.
			code, body = w.api("admin", "POST", "/api/v1/agencies", map[string]any{"code": "AX", "name": "Đơn vị Alpha X", "parent_id": w.a.ID})
			if code != http.StatusCreated {
				t.Fatalf("AX: %d %s", code, body)
			}
			ax := strconv.FormatInt(idOf(t, body), 10)
			br := w.browser("agencyB")
			type answer struct {
				status int
				body   string
			}
			outside := make([]answer, len(cases))
			for i, c := range cases {
				status, body := c.call(w, br, ax, "AX")
				outside[i] = answer{status, string(body)}
			}
			if code, body := w.api("admin", "DELETE", "/api/v1/agencies/"+ax, nil); code != http.StatusNoContent {
				t.Fatalf("delete AX: %d %s", code, body)
			}
			for i, c := range cases {
				status, body := c.call(w, br, ax, "AX")
				n1, n2 := outside[i].body, string(body)
				if outside[i].status != status || n1 != n2 {
					k := 0
					for k < len(n1) && k < len(n2) && n1[k] == n2[k] {
						k++
					}
					from := max(k-150, 0)
					t.Errorf("%s: outside the scope %d …%.300s\nabsent %d …%.300s", c.name, outside[i].status, n1[from:], status, n2[from:])
				}
				c1, b1 := outside[i].status, n1
				if c1 < 400 && c.name != "systems filter" && c.name != "archived systems filter" && c.name != "agencies filter" && c.name != "systems page filter" && c.name != "new system form" && c.name != "new agency form" {
					t.Errorf("%s: an agency outside the scope was accepted: %d %.300s", c.name, c1, b1)
				}
			}
		})
	}
}
