package levels

import (
	"testing"
	"time"
)

// TestAddDays: calendar days, and working days skipping weekends (Friday
// 4 Dec 2026 plus one working day is Monday 7 Dec).
func TestAddDays(t *testing.T) {
	fri := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		n    int
		kind string
		want string
	}{
		{0, "working", ""},
		{1, "working", "2026-12-07"},
		{5, "working", "2026-12-11"},
		{15, "working", "2026-12-25"},
		{30, "calendar", "2027-01-03"},
		{7, "", "2026-12-11"},
	}
	for _, c := range cases {
		if got := addDays(fri, c.n, c.kind); got != c.want {
			t.Errorf("%d %s: %s, want %s", c.n, c.kind, got, c.want)
		}
	}
}

// TestDossierDeadlines: the due date of each step from the regime's
// matrix (Decree 85 level 4: appraisal 30 calendar days, approval 7
// working days after; levels without deadlines have none).
func TestDossierDeadlines(t *testing.T) {
	lib, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{lib: lib}
	nd85, _ := lib.Regime("nd85-2016")
	nd331, _ := lib.Regime("nd331-2026")
	mon := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	sub := dossierRow{Dossier: Dossier{Level: 4, SubmittedAt: "2026-12-07T09:00:00.000000Z"}}
	cases := []struct {
		r     *Regime
		level int
		to    string
		want  string
	}{
		{nd85, 4, DossierSubmitted, "2027-01-06"},
		{nd85, 4, DossierAppraisal, "2027-01-15"},
		{nd85, 3, DossierSubmitted, ""},
		{nd331, 3, DossierSubmitted, "2026-12-28"},
		{nd331, 3, DossierAppraisal, "2026-12-28"},
		{nd331, 3, DossierReturned, ""},
		{nd331, 1, DossierSubmitted, ""},
	}
	for _, c := range cases {
		d := sub
		d.Level = c.level
		if got := s.dueOn(c.r, d, c.to, mon); got != c.want {
			t.Errorf("%s level %d → %s: %q, want %q", c.r.ID, c.level, c.to, got, c.want)
		}
	}
	if !overdue(DossierAppraisal, "2026-12-06", mon) || overdue(DossierAppraisal, "2026-12-07", mon) || overdue(DossierReturned, "2026-01-01", mon) {
		t.Error("overdue flag")
	}
}
