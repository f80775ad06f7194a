package store

import "testing"

func TestPagingRules(t *testing.T) {
	cases := []struct {
		name  string
		got   Page
		limit int
		off   int
	}{
		{"default", Page{}.Clamped(0), DefaultLimit, 0},
		{"list default", Page{}.Clamped(100), 100, 0},
		{"kept", Page{Limit: 20, Offset: 40}.Clamped(50), 20, 40},
		{"too long resets", Page{Limit: MaxLimit + 1}.Clamped(50), 50, 0},
		{"max kept", Page{Limit: MaxLimit}.Clamped(50), MaxLimit, 0},
		{"negative", Page{Limit: -5, Offset: -3}.Clamped(50), 50, 0},
		{"own maximum", Page{Limit: 501}.ClampedTo(50, 500), 50, 0},
		{"own maximum kept", Page{Limit: 500}.ClampedTo(50, 500), 500, 0},
		{"capped", Page{Limit: 5000, Offset: 7}.Capped(50), MaxLimit, 7},
		{"capped default", Page{}.Capped(50), 50, 0},
	}
	for _, c := range cases {
		if c.got.Limit != c.limit || c.got.Offset != c.off {
			t.Errorf("%s: %+v, want limit %d offset %d", c.name, c.got, c.limit, c.off)
		}
	}
	var w Where
	w.Add("a = ? AND b = ?", 1, 2)
	if got := w.Limit(Page{Limit: 10, Offset: 20}); got != " LIMIT $3 OFFSET $4" {
		t.Errorf("clause %q", got)
	}
	if args := w.Args(); len(args) != 4 || args[2] != 10 || args[3] != 20 {
		t.Errorf("args %v", args)
	}
}
