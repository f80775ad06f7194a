package levels

// Regime is one legal basis for security levels, as data: the criteria
// that set a system's level, who appraises and approves each level, the
// dossier's sections, the requirement catalogue, periodic duties and the
// annual-report calendar. Regimes are YAML files (regimes/*.yaml, format
// 1) read by LoadRegime; the field names below are the file's.
type Regime struct {
	Format  int    `yaml:"format" json:"-"`
	ID      string `yaml:"id" json:"id"`
	Version string `yaml:"version" json:"version"`
	Name    Text   `yaml:"name" json:"name"`
	InForce string `yaml:"in_force" json:"in_force"`
	Note    string `yaml:"note" json:"note,omitempty"`

	Criteria     []Criterion    `yaml:"criteria" json:"criteria"`
	Fallback     Fallback       `yaml:"fallback" json:"fallback"`
	Approval     []ApprovalRule `yaml:"approval" json:"approval"`
	Independent  Text           `yaml:"independent_appraisal" json:"independent_appraisal"`
	Sections     []Section      `yaml:"dossier_sections" json:"dossier_sections"`
	DossierRules []Text         `yaml:"dossier_rules" json:"dossier_rules"`
	Catalogue    Catalogue      `yaml:"catalogue" json:"catalogue"`
	Duties       []Duty         `yaml:"duties" json:"duties"`
	AnnualReport AnnualReport   `yaml:"annual_report" json:"annual_report"`
	Incidents    []Clock        `yaml:"incident_reporting" json:"incident_reporting"`

	// fields are the questionnaire answers the criteria read, in the
	// order of Questions: the answers this regime requires.
	fields []string
}

// Text is a text in Vietnamese and English.
type Text struct {
	VI string `yaml:"vi" json:"vi"`
	EN string `yaml:"en" json:"en"`
}

// Criterion is one rule of the level criteria: when its condition holds
// for the answers, the system is at least at Level. A manual criterion
// cannot be read from the questionnaire (its Note says why): the owner
// states it by proposing a higher level.
type Criterion struct {
	ID         string     `yaml:"id" json:"id"`
	Level      int        `yaml:"level" json:"level"`
	Confidence string     `yaml:"confidence" json:"confidence"`
	TextVI     string     `yaml:"text_vi" json:"text_vi"`
	TextEN     string     `yaml:"text_en" json:"text_en"`
	Note       string     `yaml:"note" json:"note,omitempty"`
	Manual     bool       `yaml:"manual" json:"manual,omitempty"`
	When       *Condition `yaml:"when" json:"when,omitempty"`
	line       int
}

// Fallback is the level proposed when no criterion matches.
type Fallback struct {
	Level  int    `yaml:"level" json:"level"`
	TextVI string `yaml:"text_vi" json:"text_vi"`
	TextEN string `yaml:"text_en" json:"text_en"`
	Note   string `yaml:"note" json:"note,omitempty"`
}

// ApprovalRule says who gives the expert opinion, who appraises and who
// approves the levels it names, and the deadlines the regime sets (0:
// none known; the note says so).
type ApprovalRule struct {
	Levels            []int  `yaml:"levels" json:"levels"`
	Confidence        string `yaml:"confidence" json:"confidence"`
	ExpertOpinion     *Text  `yaml:"expert_opinion" json:"expert_opinion,omitempty"`
	Appraiser         Text   `yaml:"appraiser" json:"appraiser"`
	Approver          Text   `yaml:"approver" json:"approver"`
	AppraisalDays     int    `yaml:"appraisal_days" json:"appraisal_days,omitempty"`
	AppraisalDaysKind string `yaml:"appraisal_days_kind" json:"appraisal_days_kind,omitempty"`
	ApprovalDays      int    `yaml:"approval_days" json:"approval_days,omitempty"`
	ApprovalDaysKind  string `yaml:"approval_days_kind" json:"approval_days_kind,omitempty"`
	Note              string `yaml:"note" json:"note,omitempty"`
	line              int
}

// Section is one section of the level dossier.
type Section struct {
	ID        string    `yaml:"id" json:"id"`
	TitleVI   string    `yaml:"title_vi" json:"title_vi"`
	TitleEN   string    `yaml:"title_en" json:"title_en"`
	ContentVI string    `yaml:"content_vi" json:"content_vi"`
	ContentEN string    `yaml:"content_en" json:"content_en"`
	Note      string    `yaml:"note" json:"note,omitempty"`
	From      *Addition `yaml:"from_level_additions" json:"from_level_additions,omitempty"`
}

// Addition is what a section adds from a level up.
type Addition struct {
	Level     int    `yaml:"level" json:"level"`
	ContentVI string `yaml:"content_vi" json:"content_vi"`
	ContentEN string `yaml:"content_en" json:"content_en"`
}

// Catalogue is the requirement catalogue: line items, each starting at a
// level, of a kind (whose per-level counts the reference's table gives)
// and in a group.
type Catalogue struct {
	// CountedAs is "line_items" (Circular 12) or "groups" (TCVN 14423).
	CountedAs string `yaml:"counted_as" json:"counted_as"`
	Kinds     []Kind `yaml:"kinds" json:"kinds"`
	// Totals is the reference's own total per level, when it gives one.
	Totals         []int         `yaml:"totals" json:"totals,omitempty"`
	TotalsNote     string        `yaml:"totals_note" json:"totals_note,omitempty"`
	GroupsPerLevel []int         `yaml:"groups_per_level" json:"groups_per_level,omitempty"`
	Groups         []Group       `yaml:"groups" json:"groups"`
	Items          []Requirement `yaml:"items" json:"items"`
	line           int
}

// Kind is a kind of line item (management, zone, design, config, group).
type Kind struct {
	ID       string `yaml:"id" json:"id"`
	TitleVI  string `yaml:"title_vi" json:"title_vi"`
	TitleEN  string `yaml:"title_en" json:"title_en"`
	PerLevel []int  `yaml:"per_level" json:"per_level,omitempty"`
	Note     string `yaml:"note" json:"note,omitempty"`
	line     int
}

// Group is a requirement group; From, when set, is the level it starts at.
type Group struct {
	ID   string `yaml:"id" json:"id"`
	From int    `yaml:"from" json:"from,omitempty"`
	VI   string `yaml:"vi" json:"vi"`
	EN   string `yaml:"en" json:"en"`
	line int
}

// Requirement is one line item of the catalogue.
type Requirement struct {
	ID     string `yaml:"id" json:"id"`
	Kind   string `yaml:"kind" json:"kind"`
	Group  string `yaml:"group" json:"group"`
	From   int    `yaml:"from" json:"from"`
	Clause string `yaml:"clause" json:"clause,omitempty"`
	VI     string `yaml:"vi" json:"vi"`
	EN     string `yaml:"en" json:"en"`
	line   int
}

// Duty is a periodic duty by level (inspection, scans, log retention).
type Duty struct {
	ID          string         `yaml:"id" json:"id"`
	Confidence  string         `yaml:"confidence" json:"confidence"`
	TitleVI     string         `yaml:"title_vi" json:"title_vi"`
	TitleEN     string         `yaml:"title_en" json:"title_en"`
	EveryMonths map[string]int `yaml:"every_months" json:"every_months,omitempty"`
	Critical    map[string]int `yaml:"critical_assets_every_months" json:"critical_assets_every_months,omitempty"`
	Months      map[string]int `yaml:"months" json:"months,omitempty"`
	From        int            `yaml:"from" json:"from,omitempty"`
	Note        string         `yaml:"note" json:"note,omitempty"`
	line        int
}

// AnnualReport is the annual-report calendar: dates are MM-DD.
type AnnualReport struct {
	PeriodStart string `yaml:"period_start" json:"period_start"`
	PeriodEnd   string `yaml:"period_end" json:"period_end"`
	UnitToOwner string `yaml:"unit_to_owner" json:"unit_to_owner"`
	OwnerOnward string `yaml:"owner_onward" json:"owner_onward"`
	Recipient   Text   `yaml:"recipient" json:"recipient"`
	ContentVI   string `yaml:"content_vi" json:"content_vi"`
	ContentEN   string `yaml:"content_en" json:"content_en"`
	line        int
}

// Clock is an incident-reporting deadline.
type Clock struct {
	ID          string `yaml:"id" json:"id"`
	Confidence  string `yaml:"confidence" json:"confidence"`
	WithinHours int    `yaml:"within_hours" json:"within_hours"`
	TextVI      string `yaml:"text_vi" json:"text_vi"`
	TextEN      string `yaml:"text_en" json:"text_en"`
}

// RequirementsPerLevel counts the requirement line items of each level
// (index 0 is level 1): the reference's totals when the regime gives
// them, else the catalogue's items that hold at the level.
func (r *Regime) RequirementsPerLevel() [5]int {
	var out [5]int
	if len(r.Catalogue.Totals) == 5 {
		copy(out[:], r.Catalogue.Totals)
		return out
	}
	for _, it := range r.Catalogue.Items {
		for l := it.From; l <= 5; l++ {
			out[l-1]++
		}
	}
	return out
}

// GroupsPerLevel counts the requirement groups of each level, for
// regimes organised in groups (ok false otherwise).
func (r *Regime) GroupsPerLevel() (out [5]int, ok bool) {
	if r.Catalogue.CountedAs != "groups" {
		return out, false
	}
	for _, g := range r.Catalogue.Groups {
		for l := max(g.From, 1); l <= 5; l++ {
			out[l-1]++
		}
	}
	return out, true
}

// Requirements lists the catalogue's line items that hold at level.
func (r *Regime) Requirements(level int) []Requirement {
	var out []Requirement
	for _, it := range r.Catalogue.Items {
		if it.From <= level {
			out = append(out, it)
		}
	}
	return out
}

// RequirementCount counts the catalogue's line items that hold at level
// (without copying them).
func (r *Regime) RequirementCount(level int) int {
	n := 0
	for _, it := range r.Catalogue.Items {
		if it.From <= level {
			n++
		}
	}
	return n
}

// ApprovalOf returns the approval rule of level.
func (r *Regime) ApprovalOf(level int) (ApprovalRule, bool) {
	for _, a := range r.Approval {
		for _, l := range a.Levels {
			if l == level {
				return a, true
			}
		}
	}
	return ApprovalRule{}, false
}

// Fields lists the questionnaire answers this regime's criteria read.
func (r *Regime) Fields() []string { return append([]string(nil), r.fields...) }
