package levels

import (
	"strings"
	"testing"
)

// TestDutiesDue: the regime's duties at a level, due their frequency
// after they were last done (the inspection also by layer 3), or after
// the approval when never done; overdue past that day.
func TestDutiesDue(t *testing.T) {
	lib, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	nd85, _ := lib.Regime("nd85-2016")
	nd331, _ := lib.Regime("nd331-2026")
	show := func(ds []DutyDue) string {
		var out []string
		for _, d := range ds {
			s := d.ID + ":" + d.DueOn
			if d.Overdue {
				s += "!"
			}
			if d.KeepMonths != nil {
				s += "keep"
			}
			out = append(out, s)
		}
		return strings.Join(out, " ")
	}
	const today = "2026-12-01"
	cases := []struct {
		name      string
		r         *Regime
		level     int
		inspected string
		done      map[string]string
		want      string
	}{
		{"never inspected: two years after the approval", nd85, 3, "", nil, "inspection:2026-01-10!"},
		{"inspected by layer 3", nd85, 3, "2025-06-01", nil, "inspection:2027-06-01"},
		{"a recorded inspection later than layer 3's", nd85, 4, "2025-01-01", map[string]string{"inspection": "2026-02-01"}, "inspection:2027-02-01"},
		{"no inspection frequency at level 2", nd85, 2, "", nil, ""},
		{"Decree 331 level 5", nd331, 5, "", map[string]string{"vulnerability-scan": "2026-10-01"},
			"log-retention:keep vulnerability-scan:2027-01-01 pentest:2024-07-10! monitoring-24-7: mfa-admin-remote: siem-edr:"},
		{"Decree 331 level 1", nd331, 1, "", nil, "log-retention:keep vulnerability-scan:2025-01-10! mfa-admin-remote:"},
	}
	for _, c := range cases {
		if got := show(dutiesDue(c.r, c.level, "2024-01-10", c.inspected, c.done, today)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if d := parseDone(formatDone(map[string]string{"b": "2026-01-02", "a": "2025-03-04"})); d["a"] != "2025-03-04" || d["b"] != "2026-01-02" || len(d) != 2 {
		t.Errorf("done round trip: %v", d)
	}
}
