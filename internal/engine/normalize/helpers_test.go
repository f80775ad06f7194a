package normalize

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// F is a shorthand for expected fields.
type F = map[string]any

// with is base plus extra (extra wins).
func with(base, extra F) F {
	out := maps.Clone(base)
	maps.Copy(out, extra)
	return out
}

// checkFields fails with every difference between got and want.
func checkFields(t *testing.T, got, want F) {
	t.Helper()
	var diffs []string
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("missing %s = %#v", k, w))
		} else if !reflect.DeepEqual(g, w) {
			diffs = append(diffs, fmt.Sprintf("%s = %#v, want %#v", k, g, w))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("unexpected %s = %#v", k, g))
		}
	}
	slices.Sort(diffs)
	if len(diffs) > 0 {
		t.Errorf("fields:\n  %s", strings.Join(diffs, "\n  "))
	}
}

func checkLogsource(t *testing.T, got, want Logsource) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("logsource = %+v, want %+v", got, want)
	}
}
