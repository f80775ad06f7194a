package web_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/i18n"
	"github.com/khien-project/khien/internal/web"
)

// TestEveryTextIsTranslated checks that each key the templates use, and
// each key built from a role, hosting, status or agency kind, has both a
// Vietnamese and an English text.
func TestEveryTextIsTranslated(t *testing.T) {
	files, err := filepath.Glob("templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("templates: %v", err)
	}
	key := regexp.MustCompile(`t \$?\.Lang "([a-z_.-]+)"`)
	n := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range key.FindAllStringSubmatch(string(raw), -1) {
			n++
			if !web.HasText(m[1]) {
				t.Errorf("%s uses untranslated key %q", f, m[1])
			}
		}
	}
	if n < 50 {
		t.Fatalf("found only %d text keys; the pattern is broken", n)
	}
	var dynamic []string
	for _, r := range access.Roles {
		dynamic = append(dynamic, "role."+string(r))
	}
	for _, h := range registry.Hostings {
		dynamic = append(dynamic, "hosting."+h)
	}
	for _, s := range registry.Statuses {
		dynamic = append(dynamic, "status."+s)
	}
	for _, k := range registry.AgencyKinds {
		dynamic = append(dynamic, "kind."+k)
	}
	for _, k := range dynamic {
		if !i18n.Has(k) || i18n.T("vi", k) == i18n.T("en", k) {
			t.Errorf("key %q lacks a translation", k)
		}
	}
}
