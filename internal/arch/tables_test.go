package arch

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// sqlWrite finds the table a statement writes, in SQL text of ours.
var sqlWrite = regexp.MustCompile(`\b(?:INSERT INTO|UPDATE|DELETE FROM)\s+([a-z_][a-z0-9_]*)`)

// writers maps every table written by the Go code under root (tests
// aside, and the test fixtures under internal/testkit, which play
// someone writing behind the owner's back) to the packages whose string
// literals write it.
func writers(t *testing.T, root string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	fset := token.NewFileSet()
	eachGoFile(t, root, func(pkg, path string) error {
		if strings.HasPrefix(pkg, "internal/testkit/") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			for _, m := range sqlWrite.FindAllStringSubmatch(lit.Value, -1) {
				if !slices.Contains(out[m[1]], pkg) {
					out[m[1]] = append(out[m[1]], pkg)
				}
			}
			return true
		})
		return nil
	})
	return out
}

// TestOneOwnerPerTable: every table is written by one package; the others
// read it, or ask its owner through an event.
func TestOneOwnerPerTable(t *testing.T) {
	w := writers(t, filepath.Join("..", ".."))
	if len(w) < 15 {
		t.Fatalf("only %d written tables found; the scan is broken: %v", len(w), w)
	}
	for table, pkgs := range w {
		if len(pkgs) > 1 {
			slices.Sort(pkgs)
			t.Errorf("table %s is written by %d packages: %s", table, len(pkgs), strings.Join(pkgs, ", "))
		}
	}
}

// TestOwnershipRuleCatchesASecondWriter runs the same scan over the small
// tree in testdata/bad, where a second feature writes trust's labels.
func TestOwnershipRuleCatchesASecondWriter(t *testing.T) {
	w := writers(t, filepath.Join("testdata", "bad"))
	if got := strings.Join(w["labels"], ","); got != "internal/feature/alert,internal/feature/trust" && got != "internal/feature/trust,internal/feature/alert" {
		t.Errorf("labels written by %q", got)
	}
	if got := strings.Join(w["alerts"], ","); got != "internal/feature/alert" {
		t.Errorf("alerts written by %q", got)
	}
}
