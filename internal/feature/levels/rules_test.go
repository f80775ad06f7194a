package levels_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/feature/levels"
	"github.com/khien-project/khien/internal/platform/valid"
)

func str(s string) *string { return &s }
func num(n int64) *int64   { return &n }
func flag(b bool) *bool    { return &b }
func lvl(n int) *int       { return &n }

// base answers every question with the value that matches no criterion
// above level 1: an internal system with only public information.
func base(regime string) levels.Answers {
	return levels.Answers{Regime: regime, InfoClass: str("public"), SystemType: str("internal"), DataSubjects: num(0),
		SensitivePersonalData: flag(false), HandlesAdministrativeProcedures: flag(false), OnlinePublicServiceLevel: num(0),
		ConditionalBusiness: flag(false), InfrastructureScope: str("none"), Needs24x7: flag(false), NationalSecurityHarm: str("none")}
}

type ruleCase struct {
	name     string
	change   func(a *levels.Answers)
	level    int
	criteria []string // exactly the criteria that set the level
}

func publicService(n int64, sensitive bool) func(a *levels.Answers) {
	return func(a *levels.Answers) {
		a.SystemType, a.DataSubjects, a.SensitivePersonalData = str("public_service"), num(n), flag(sensitive)
	}
}

// Criteria both regimes share (reference §1.3: same structure).
var sharedCases = []ruleCase{
	{"internal, public only", func(a *levels.Answers) {}, 1, []string{"l1.internal-public"}},
	{"other type, public only: no criterion", func(a *levels.Answers) { a.SystemType = str("other") }, 1, []string{"fallback"}},
	{"internal, private", func(a *levels.Answers) { a.InfoClass = str("private") }, 2, []string{"l2.internal-private"}},
	{"internal, personal", func(a *levels.Answers) { a.InfoClass = str("personal") }, 2, []string{"l2.internal-private"}},
	{"online public service level 1", func(a *levels.Answers) { a.SystemType, a.OnlinePublicServiceLevel = str("other"), num(1) }, 2, []string{"l2.online-public-service-1-2"}},
	{"online public service level 2", func(a *levels.Answers) { a.SystemType, a.OnlinePublicServiceLevel = str("other"), num(2) }, 2, []string{"l2.online-public-service-1-2"}},
	{"infrastructure of one agency", func(a *levels.Answers) {
		a.SystemType, a.InfrastructureScope = str("infrastructure"), str("one_agency")
	}, 2, []string{"l2.infrastructure-one-agency"}},
	{"infrastructure without scope", func(a *levels.Answers) { a.SystemType = str("infrastructure") }, 1, []string{"fallback"}},
	{"state secret", func(a *levels.Answers) { a.InfoClass = str("state_secret") }, 3, []string{"l3.state-secret"}},
	{"harm to national security", func(a *levels.Answers) { a.NationalSecurityHarm = str("harm") }, 3, []string{"l3.national-security-harm"}},
	{"online public service level 3", func(a *levels.Answers) { a.OnlinePublicServiceLevel = num(3) }, 3, []string{"l3.online-public-service-3-4"}},
	{"online public service level 4", func(a *levels.Answers) { a.OnlinePublicServiceLevel = num(4) }, 3, []string{"l3.online-public-service-3-4"}},
	{"conditional business", func(a *levels.Answers) { a.ConditionalBusiness = flag(true) }, 3, []string{"l3.conditional-business"}},
	{"infrastructure of a province", func(a *levels.Answers) {
		a.SystemType, a.InfrastructureScope = str("infrastructure"), str("sector_or_province")
	}, 3, []string{"l3.infrastructure-sector-province"}},
	{"national infrastructure, not 24/7", func(a *levels.Answers) { a.SystemType, a.InfrastructureScope = str("infrastructure"), str("national") }, 3, []string{"l3.infrastructure-sector-province"}},
	{"industrial control", func(a *levels.Answers) { a.SystemType = str("industrial_control") }, 3, []string{"l3.industrial-control"}},
	{"serious harm to national security", func(a *levels.Answers) { a.NationalSecurityHarm = str("serious") }, 4, []string{"l4.national-security-serious"}},
	{"national e-government, 24/7", func(a *levels.Answers) {
		a.SystemType, a.InfrastructureScope, a.Needs24x7 = str("public_service"), str("national"), flag(true)
	}, 4, []string{"l4.national-egovernment-24-7"}},
	{"national e-government, not 24/7", func(a *levels.Answers) { a.InfrastructureScope = str("national") }, 1, []string{"l1.internal-public"}},
	{"national infrastructure, 24/7", func(a *levels.Answers) {
		a.SystemType, a.InfrastructureScope, a.Needs24x7 = str("infrastructure"), str("national"), flag(true)
	}, 4, []string{"l4.national-infrastructure-24-7"}},
	{"province infrastructure, 24/7", func(a *levels.Answers) {
		a.SystemType, a.InfrastructureScope, a.Needs24x7 = str("infrastructure"), str("sector_or_province"), flag(true)
	}, 3, []string{"l3.infrastructure-sector-province"}},
	{"especially serious harm", func(a *levels.Answers) { a.NationalSecurityHarm = str("especially_serious") }, 5, []string{"l5.national-security-especially-serious"}},
	// The highest match wins, and only its criteria are the reasons.
	{"highest match: conditional business and serious harm", func(a *levels.Answers) {
		a.SystemType, a.ConditionalBusiness, a.NationalSecurityHarm, a.OnlinePublicServiceLevel = str("public_service"), flag(true), str("serious"), num(4)
	}, 4, []string{"l4.national-security-serious"}},
	{"highest match: several criteria at level 3", func(a *levels.Answers) {
		a.InfoClass, a.ConditionalBusiness, a.OnlinePublicServiceLevel = str("state_secret"), flag(true), num(3)
	}, 3, []string{"l3.state-secret", "l3.online-public-service-3-4", "l3.conditional-business"}},
}

// Criteria that differ: data-subject thresholds (10,000 under Decree 85;
// 100,000 basic or 10,000 sensitive under Decree 331) and administrative
// procedures (Decree 331).
var nd85Cases = []ruleCase{
	{"online service, 9,999 users", publicService(9999, false), 2, []string{"l2.online-service-unconditional", "l2.online-service-under-10000"}},
	{"online service, 10,000 users", publicService(10000, false), 3, []string{"l3.online-service-10000"}},
	{"online service, 10,000 users, sensitive (no matter)", publicService(10000, true), 3, []string{"l3.online-service-10000"}},
	{"internal, 50,000 people's data", func(a *levels.Answers) { a.InfoClass, a.DataSubjects = str("personal"), num(50000) }, 2, []string{"l2.internal-private"}},
	{"administrative procedures (not a Decree 85 criterion)", func(a *levels.Answers) { a.HandlesAdministrativeProcedures = flag(true) }, 1, []string{"l1.internal-public"}},
}

var nd331Cases = []ruleCase{
	{"online service, 10,000 basic", publicService(10000, false), 2, []string{"l2.online-service-unconditional", "l2.online-service-below-thresholds"}},
	{"online service, 99,999 basic", publicService(99999, false), 2, []string{"l2.online-service-unconditional", "l2.online-service-below-thresholds"}},
	{"online service, 100,000 basic", publicService(100000, false), 3, []string{"l3.personal-data-100000"}},
	{"online service, 9,999 sensitive", publicService(9999, true), 2, []string{"l2.online-service-unconditional", "l2.online-service-below-thresholds"}},
	{"online service, 10,000 sensitive", publicService(10000, true), 3, []string{"l3.sensitive-data-10000"}},
	{"online service, 100,000 sensitive", publicService(100000, true), 3, []string{"l3.personal-data-100000", "l3.sensitive-data-10000"}},
	{"administrative procedures", func(a *levels.Answers) { a.HandlesAdministrativeProcedures = flag(true) }, 3, []string{"l3.administrative-procedures"}},
	{"internal, sensitive data of 50,000", func(a *levels.Answers) {
		a.InfoClass, a.DataSubjects, a.SensitivePersonalData = str("personal"), num(50000), flag(true)
	}, 2, []string{"l2.internal-private"}},
}

// TestLevelRules evaluates every criterion of every level of both regimes
// (reference §1.3), each alone and at its boundary, and checks that the
// tables leave no automatic criterion untested.
func TestLevelRules(t *testing.T) {
	lib, err := levels.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for regime, cases := range map[string][]ruleCase{"nd85-2016": append(slices.Clone(sharedCases), nd85Cases...), "nd331-2026": append(slices.Clone(sharedCases), nd331Cases...)} {
		tested := map[string]bool{}
		for _, c := range cases {
			t.Run(regime+"/"+c.name, func(t *testing.T) {
				a := base(regime)
				c.change(&a)
				res, err := lib.Evaluate(levels.Input{Answers: a})
				if err != nil {
					t.Fatalf("evaluate: %v", err)
				}
				var got []string
				for _, r := range res.Reasons {
					got = append(got, strings.TrimPrefix(r.Criterion, regime+"/"))
					if r.TextVI == "" || r.TextEN == "" || r.TextVI == r.TextEN {
						t.Errorf("reason %s lacks a Vietnamese or English text", r.Criterion)
					}
				}
				if res.Level != c.level || res.ImpliedLevel != c.level || !slices.Equal(got, c.criteria) {
					t.Errorf("level %d (implied %d) by %v; want %d by %v", res.Level, res.ImpliedLevel, got, c.level, c.criteria)
				}
			})
			for _, id := range c.criteria {
				tested[id] = true
			}
		}
		r, _ := lib.Regime(regime)
		for _, c := range r.Criteria {
			switch {
			case c.Manual && (c.When != nil || c.Note == ""):
				t.Errorf("%s: manual criterion %s has a condition or no note", regime, c.ID)
			case !c.Manual && !tested[c.ID]:
				t.Errorf("%s: criterion %s (level %d) is in no test case", regime, c.ID, c.Level)
			}
		}
	}
}

// TestLevelsOfEveryLevel: each level 1-5 is reached by some answers in
// both regimes, and each level has criteria in the data.
func TestLevelsOfEveryLevel(t *testing.T) {
	lib, _ := levels.Builtin()
	for _, r := range lib.Regimes() {
		per := map[int]int{}
		for _, c := range r.Criteria {
			per[c.Level]++
		}
		for l := 1; l <= 5; l++ {
			if per[l] == 0 {
				t.Errorf("%s: no criterion at level %d", r.ID, l)
			}
		}
	}
}

// TestParts: a system made of parts takes its highest part's level, with
// the criteria of the part(s) that set it.
func TestParts(t *testing.T) {
	lib, _ := levels.Builtin()
	for _, regime := range []string{"nd85-2016", "nd331-2026"} {
		top := base(regime)
		p1 := base("")
		p1.InfoClass = str("personal")
		p2 := base(regime)
		p2.ConditionalBusiness = flag(true)
		top.Parts = []levels.Answers{p1, p2}
		res, err := lib.Evaluate(levels.Input{Answers: top})
		if err != nil {
			t.Fatalf("%s: %v", regime, err)
		}
		if res.Level != 3 || len(res.Reasons) != 2 || res.Reasons[0].Criterion != "parts" ||
			res.Reasons[1].Criterion != "parts[1]."+regime+"/l3.conditional-business" || !strings.Contains(res.Reasons[0].TextEN, "parts[1]") {
			t.Errorf("%s: %+v", regime, res)
		}
		// The whole system above its parts keeps its own level.
		top.NationalSecurityHarm = str("serious")
		if res, err := lib.Evaluate(levels.Input{Answers: top}); err != nil || res.Level != 4 || !strings.Contains(res.Reasons[0].TextEN, "the system itself") {
			t.Errorf("%s: whole above parts: %+v %v", regime, res, err)
		}
	}
}

// fieldsOf returns the refused fields of err.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var fe valid.Errors
	if !errors.As(err, &fe) {
		t.Fatalf("not field errors: %v", err)
	}
	var out []string
	for _, f := range fe {
		if f.EN == "" || f.VI == "" {
			t.Errorf("field %s: message missing in a language", f.Field)
		}
		out = append(out, f.Field)
	}
	return out
}

// TestBadAnswers: missing answers the criteria need are named by their
// JSON names (nd331 needs two more than nd85), parts by their index;
// unknown regimes and out-of-range values are refused.
func TestBadAnswers(t *testing.T) {
	lib, _ := levels.Builtin()
	cases := []struct {
		name string
		in   levels.Input
		want []string
	}{
		{"nd85: nothing answered", levels.Input{Answers: levels.Answers{Regime: "nd85-2016"}},
			[]string{"info_class", "system_type", "data_subjects", "online_public_service_level", "conditional_business", "infrastructure_scope", "needs_24_7", "national_security_harm"}},
		{"nd331: nothing answered", levels.Input{Answers: levels.Answers{Regime: "nd331-2026"}},
			[]string{"info_class", "system_type", "data_subjects", "sensitive_personal_data", "handles_administrative_procedures", "online_public_service_level", "conditional_business", "infrastructure_scope", "needs_24_7", "national_security_harm"}},
		{"no regime", levels.Input{}, []string{"regime"}},
		{"unknown regime", levels.Input{Answers: levels.Answers{Regime: "nd85_2016"}}, []string{"regime"}},
		{"out of range", levels.Input{Answers: func() levels.Answers {
			a := base("nd85-2016")
			a.InfoClass, a.OnlinePublicServiceLevel, a.DataSubjects, a.InfrastructureScope, a.NationalSecurityHarm = str("secret"), num(5), num(-1), str("world"), str("grave")
			return a
		}()}, []string{"info_class", "data_subjects", "online_public_service_level", "infrastructure_scope", "national_security_harm"}},
		{"part missing answers, other regime, nested", levels.Input{Answers: func() levels.Answers {
			a := base("nd331-2026")
			p := base("nd85-2016")
			p.SensitivePersonalData = nil
			p.Parts = []levels.Answers{base("")}
			a.Parts = []levels.Answers{base(""), p}
			return a
		}()}, []string{"parts[1].regime", "parts[1].parts", "parts[1].sensitive_personal_data"}},
		{"proposed level out of range", levels.Input{Answers: base("nd85-2016"), ProposedLevel: lvl(6)}, []string{"proposed_level"}},
		{"proposed level 0", levels.Input{Answers: base("nd85-2016"), ProposedLevel: lvl(0)}, []string{"proposed_level"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := lib.Evaluate(c.in)
			if got := fieldsOf(t, err); !slices.Equal(got, c.want) {
				t.Errorf("refused %v, want %v", got, c.want)
			}
		})
	}
}

// TestProposedLevel: below the implied level is refused with the reason;
// equal or above is accepted (above adds the owner's reason).
func TestProposedLevel(t *testing.T) {
	lib, _ := levels.Builtin()
	a := base("nd331-2026")
	a.HandlesAdministrativeProcedures = flag(true) // level 3
	_, err := lib.Evaluate(levels.Input{Answers: a, ProposedLevel: lvl(2)})
	var fe valid.Errors
	if !errors.As(err, &fe) || len(fe) != 1 || fe[0].Field != "proposed_level" ||
		!strings.Contains(fe[0].EN, "level 2 is below level 3") || !strings.Contains(fe[0].EN, "administrative procedures") ||
		!strings.Contains(fe[0].VI, "thủ tục hành chính") {
		t.Fatalf("below: %v", err)
	}
	if res, err := lib.Evaluate(levels.Input{Answers: a, ProposedLevel: lvl(3)}); err != nil || res.Level != 3 || len(res.Reasons) != 1 {
		t.Errorf("equal: %+v %v", res, err)
	}
	res, err := lib.Evaluate(levels.Input{Answers: a, ProposedLevel: lvl(5)})
	if err != nil || res.Level != 5 || res.ImpliedLevel != 3 || res.Reasons[len(res.Reasons)-1].Criterion != "proposed_level" {
		t.Errorf("above: %+v %v", res, err)
	}
}
