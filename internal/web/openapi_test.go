package web_test

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/api"
)

// TestOpenAPICoversEveryRoute compares the routes the server registers
// under /api/ with the OpenAPI document, both ways.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	w := newWorld(t, "sqlite")
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(api.OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("not an OpenAPI 3 document: %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	registered := map[string]bool{}
	for _, r := range w.srv.Routes() {
		if strings.Contains(r, " /api/") {
			registered[r] = true
		}
	}
	var missing, extra []string
	for r := range registered {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for r := range documented {
		if !registered[r] {
			extra = append(extra, r)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.json: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("openapi.json documents routes the server does not have: %v", extra)
	}
	if len(registered) < 20 {
		t.Errorf("only %d API routes registered; the route listing is broken", len(registered))
	}
	code, body := w.api("anonymous", "GET", "/api/v1/openapi.json", nil)
	if code != 200 || string(body) != string(api.OpenAPI()) {
		t.Errorf("GET /api/v1/openapi.json: %d", code)
	}
}

// TestSystemListEncoding checks the hand-written list answer decodes to
// the same items as the single-object answers encoding/json writes.
func TestSystemListEncoding(t *testing.T) {
	w := newWorld(t, "sqlite")
	code, body := w.api("admin", "GET", "/api/v1/systems", nil)
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var list struct {
		Items  []json.RawMessage `json:"items"`
		Total  int               `json:"total"`
		Limit  int               `json:"limit"`
		Offset int               `json:"offset"`
	}
	if err := json.Unmarshal(body, &list); err != nil || list.Total != 2 || list.Limit != 50 || len(list.Items) != 2 {
		t.Fatalf("list: %+v %v", list, err)
	}
	for _, item := range list.Items {
		var s struct{ ID int64 }
		json.Unmarshal(item, &s)
		_, one := w.api("admin", "GET", "/api/v1/systems/"+strconv.FormatInt(s.ID, 10), nil)
		if strings.TrimSpace(string(one)) != string(item) {
			t.Errorf("list item differs from the object answer:\n%s\n%s", item, one)
		}
	}
}
