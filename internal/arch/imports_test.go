package arch

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/khien-project/khien/"

// layers ranks every package: a package may import only packages of a
// lower rank. Engines (pure libraries) rank lowest and import nothing of
// ours. A new package must be added here, which is the point.
var layers = map[string]int{
	"internal/platform/i18n":            0,
	"internal/platform/config":          0,
	"internal/engine/webscan":           0,
	"internal/platform/store":           1,
	"internal/platform/store/storetest": 2,
	"internal/platform/bus":             1,
	"internal/platform/access":          2,
	"internal/platform/valid":           2,
	"internal/platform/audit":           3,
	"internal/feature/auth":             4,
	"internal/feature/registry":         4,
	"internal/feature/sitescan":         5,
	"internal/feature/trust":            6,
	"internal/feature/monitor":          7,
	"internal/testkit/sitetest":         8,
	"internal/app/demo":                 8,
	"internal/app/jobs":                 8,
	"internal/platform/httpx":           9,
	"internal/api":                      10,
	"internal/web":                      11,
	"internal/app":                      12,
	"internal/cli":                      13,
	"cmd/khien":                         14,
	"internal/e2e":                      15,
	"internal/arch":                     15,
}

func TestImportsFlowOneWay(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name != ".." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		rank, known := layers[pkg]
		if !known {
			t.Errorf("package %s has no layer: add it to layers in %s", pkg, "internal/arch/imports_test.go")
			return nil
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
			depRank, ok := layers[dep]
			if !ok {
				t.Errorf("%s imports unknown package %s", path, dep)
				continue
			}
			if depRank >= rank {
				t.Errorf("%s (layer %d) imports %s (layer %d): imports must flow downwards", path, rank, dep, depRank)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) < 15 {
		t.Fatalf("only %d packages found; the walk is broken", len(seen))
	}
}
