package detect

import (
	"fmt"
	"time"
)

// Kind is what a Sigma document is.
type Kind uint8

// The kinds of Sigma documents.
const (
	KindDetection   Kind = iota // a rule with logsource and detection
	KindCorrelation             // a correlation rule over other rules
	KindFilter                  // a meta filter tuning other rules
)

// Logsource says where events come from. On a rule, an empty attribute
// is unconstrained; on an event, an empty attribute is unknown (any rule
// may apply).
type Logsource struct {
	Product  string `json:"product,omitempty"`
	Category string `json:"category,omitempty"`
	Service  string `json:"service,omitempty"`
}

// NoCategory is an event's Category when its source is known to have
// none (a Security logon, say): rules that name a category do not apply.
const NoCategory = "-"

// IsZero says whether nothing is known of the source.
func (l Logsource) IsZero() bool { return l == Logsource{} }

// Rule is one Sigma document as loaded: its metadata, and its detection,
// correlation or filter part by Kind. Author and References are kept
// because the SigmaHQ licence asks that they be shown with a rule.
type Rule struct {
	Kind           Kind
	ID             string
	Name           string
	Title          string
	Status         string
	Description    string
	Level          string
	Author         string
	Date           string
	Modified       string
	Tags           []string
	References     []string
	FalsePositives []string
	Logsource      Logsource
	Detection      *Detection
	Correlation    *Correlation
	Filter         *Filter
	File           string // where it was loaded from
	Line           int    // the line its document starts on
}

// Ref is how errors and matches name a rule: its id, else its name, else
// its title.
func (r *Rule) Ref() string {
	switch {
	case r.ID != "":
		return r.ID
	case r.Name != "":
		return r.Name
	}
	return r.Title
}

// Detection is a rule's search identifiers and its condition(s).
type Detection struct {
	Names      []string               // search identifiers in file order
	Items      map[string]*SearchItem // by name
	Conditions []string               // OR-ed
	CondLine   int
}

// SearchItem is one search identifier: an OR of AND-ed field tests (a
// map is one alternative; a list of maps several; a list of plain values
// is one keyword test).
type SearchItem struct {
	Name string
	Line int
	Alts [][]FieldTest
}

// FieldTest is one "field|modifiers: values" entry; Field is empty for
// keyword (field-less) searches.
type FieldTest struct {
	Field     string
	Modifiers []string
	Values    []RawValue
	Line      int
}

// ValueKind is the YAML type of a rule value.
type ValueKind uint8

// The YAML types of rule values.
const (
	ValString ValueKind = iota
	ValInt
	ValFloat
	ValBool
	ValNull
)

// RawValue is a value as written in the rule (numbers keep their text).
type RawValue struct {
	Text string
	Kind ValueKind
	Line int
}

// Correlation is the correlation part of a correlation rule.
type Correlation struct {
	Type      string // event_count, value_count, temporal, temporal_ordered
	Rules     []string
	GroupBy   []string
	Timespan  time.Duration
	Field     string             // value_count: the field whose values are counted
	Condition map[string]float64 // gt, gte, lt, lte, eq, neq → bound (AND-ed)
	Aliases   map[string]map[string]string
	Generate  bool
}

// Filter is the filter part of a meta filter rule.
type Filter struct {
	Rules     []string // ids or names; empty with Any
	Any       bool     // "rules: any": every rule of the logsource
	Detection *Detection
}

// LoadError is a rule that failed to load or compile, with where.
type LoadError struct {
	File  string
	Line  int
	Rule  string // the rule's id or title when known
	Msg   string
	cause error
}

func (e *LoadError) Error() string {
	where := e.File
	if where == "" {
		where = "<input>"
	}
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", where, e.Line)
	}
	if e.Rule != "" {
		return fmt.Sprintf("%s: %s: %s", where, e.Rule, e.Msg)
	}
	return fmt.Sprintf("%s: %s", where, e.Msg)
}

// Unwrap answers the underlying error, if any.
func (e *LoadError) Unwrap() error { return e.cause }
