package arch

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/khien-project/khien/"

// A tier is a folder of packages with the same place in the architecture.
// Inside internal/, a package's tier is its first folder; the top of the
// tree ranks its packages one by one.
//
//	engine    pure libraries: import nothing of ours (but their own subpackages)
//	platform  store, bus, events, notify, …: import engines and platform only
//	feature   registry, sitescan, trust, …: import engines and platform, never
//	          another feature (they meet through platform/events, or a small
//	          interface the importing feature owns, wired in app)
//	testkit   shared test fixtures: anything below the top
//	top       api < web < app/… < cli < cmd, then the test-only packages
//	          and the load tools under scripts/bench
type tier int

const (
	engine tier = iota
	platform
	feature
	testkit
	top
)

// topRank orders the packages above the features: each may import only
// packages of a lower rank (and every tier below).
var topRank = map[string]int{
	"internal/web/chart": 0,
	"internal/api":       1,
	"internal/web":       2,
	"internal/app/jobs":  3,
	"internal/app/demo":  3,
	"internal/app":       4,
	"internal/cli":       5,
	"cmd/khien":          6,
	"internal/e2e":       7,
	"internal/arch":      7,
	// Load tools for docs/benchmarks.md (programs of their own).
	"scripts/bench/sysloggen": 7,
}

// tierOf places a package (a path relative to the module root).
func tierOf(pkg string) (tier, bool) {
	for prefix, t := range map[string]tier{"internal/engine/": engine, "internal/platform/": platform, "internal/feature/": feature, "internal/testkit/": testkit} {
		if strings.HasPrefix(pkg+"/", prefix) && pkg+"/" != prefix {
			return t, true
		}
	}
	_, ok := topRank[pkg]
	return top, ok
}

// unit is the package's own subtree: internal/feature/trust/x belongs to
// internal/feature/trust.
func unit(pkg string) string {
	parts := strings.Split(pkg, "/")
	if len(parts) >= 3 && parts[0] == "internal" && slices.Contains([]string{"engine", "platform", "feature", "testkit"}, parts[1]) {
		return strings.Join(parts[:3], "/")
	}
	return pkg
}

// allowed says whether pkg may import dep, and if not, why.
func allowed(pkg, dep string) (bool, string) {
	pt, ok := tierOf(pkg)
	if !ok {
		return false, pkg + " is in no tier: put it under internal/engine, platform, feature or testkit, or rank it in topRank"
	}
	dt, ok := tierOf(dep)
	if !ok {
		return false, dep + " is in no tier"
	}
	sameUnit := unit(pkg) == unit(dep)
	switch {
	case pt == engine && !sameUnit:
		return false, "an engine imports nothing of ours"
	case pt == platform && dt > platform:
		return false, "platform imports no feature and nothing above"
	case pt == feature && dt == feature && !sameUnit:
		return false, "features do not import each other: publish an event (internal/platform/events) or own a small interface wired in internal/app"
	case pt == feature && dt > feature:
		return false, "a feature imports nothing above the features"
	case pt == testkit && dt == top:
		return false, "test fixtures import nothing of the top tier"
	case pt == top && dt == top && topRank[dep] >= topRank[pkg]:
		return false, fmt.Sprintf("imports between the top packages flow downwards (%s rank %d, %s rank %d)", pkg, topRank[pkg], dep, topRank[dep])
	}
	return true, ""
}

// eachGoFile calls fn with the package (a path relative to root) and the
// path of every non-test Go file under root, skipping hidden folders,
// testdata and node_modules below it.
func eachGoFile(t *testing.T, root string, fn func(pkg, path string) error) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		return fn(filepath.ToSlash(rel), path)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// violations walks root (a module tree) and lists every import against the
// tiers, and every package in no tier.
func violations(t *testing.T, root string) []string {
	t.Helper()
	fset := token.NewFileSet()
	var out []string
	seen := map[string]bool{}
	eachGoFile(t, root, func(pkg, path string) error {
		if _, ok := tierOf(pkg); !ok && !seen[pkg] {
			out = append(out, pkg+" is in no tier")
		}
		seen[pkg] = true
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, module) {
				continue
			}
			dep := strings.TrimPrefix(p, module)
			if ok, why := allowed(pkg, dep); !ok {
				rel, _ := filepath.Rel(root, path)
				out = append(out, fmt.Sprintf("%s imports %s: %s", filepath.ToSlash(rel), dep, why))
			}
		}
		return nil
	})
	if len(seen) < 20 && root == filepath.Join("..", "..") {
		t.Fatalf("only %d packages found; the walk is broken", len(seen))
	}
	return out
}

func TestImportsFollowTheTiers(t *testing.T) {
	for _, v := range violations(t, filepath.Join("..", "..")) {
		t.Error(v)
	}
}

// TestTierRuleCatchesViolations runs the same check over a small tree in
// testdata/bad that breaks each rule once, and one import that is fine.
func TestTierRuleCatchesViolations(t *testing.T) {
	got := violations(t, filepath.Join("testdata", "bad"))
	want := []string{
		"internal/engine/scan/scan.go imports internal/platform/store: an engine imports nothing of ours",
		"internal/feature/alert/alert.go imports internal/feature/trust: features do not import each other",
		"internal/feature/alert/alert.go imports internal/web: a feature imports nothing above the features",
		"internal/platform/store/store.go imports internal/feature/trust: platform imports no feature",
		"internal/stray is in no tier",
		"internal/stray/stray.go imports internal/platform/store: internal/stray is in no tier",
		"internal/testkit/kit/kit.go imports internal/app: test fixtures import nothing of the top tier",
		"internal/api/api.go imports internal/web: imports between the top packages flow downwards",
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, w)
		}
		if !found {
			t.Errorf("not reported: %s\nreported: %q", w, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("reported %d violations, want %d: %q", len(got), len(want), got)
	}
}
