package normalize

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is one log event after normalization: flat fields under ECS-style
// dotted names (and the names Sigma rules use), the text it came from, its
// own time when the text tells it, which parser read it, and the Sigma
// logsource it belongs to.
type Event struct {
	// Fields are flat: "source.ip", "url.original", "EventID"; values are
	// string, int64, float64, bool, nil, or []any of those (and of flat
	// maps, for arrays of objects in JSON).
	Fields map[string]any
	// Original is the input as received (cut at Limits.MaxInput, made valid
	// UTF-8); for a syslog message it is the message body. Sigma keyword
	// (field-less) searches look here.
	Original string
	// Timestamp is when the event happened, as the event says; zero when
	// it does not say.
	Timestamp time.Time
	// Source names the parser that read it (the Source* constants).
	Source string
	// Logsource is what Sigma rules route on.
	Logsource Logsource
}

// Parser names, the values of Event.Source.
const (
	SourceSSHD        = "sshd"
	SourceSudo        = "sudo"
	SourcePostfix     = "postfix"
	SourceSyslog      = "syslog"       // any other program's syslog message
	SourceAccess      = "access"       // nginx or Apache access log line
	SourceNginxError  = "nginx.error"  // nginx error log line
	SourceApacheError = "apache.error" // Apache httpd error log line
	SourceWinlogbeat  = "winlogbeat"   // Windows event shipped by Winlogbeat (ECS JSON)
	SourceEVTX        = "evtx"         // Windows event read from an EVTX file (evtx.Flatten)
	SourceWindowsJSON = "windows.json" // Windows event exported as JSON (Event.System, Event.EventData)
	SourceJSON        = "json"         // any other JSON object
	SourceLine        = "line"         // a line in no known format
)

// Logsource is the Sigma logsource of an event. A rule's logsource
// (product, category, service) applies to an event when each part the rule
// names is among the event's. An event may belong to several categories
// (Sysmon event 13 is registry_set and registry_event) and services
// (an sshd message is sshd, auth and syslog).
type Logsource struct {
	Product    string
	Categories []string
	Services   []string
}

// Known says whether anything of the event's origin is known. For an
// event that tells nothing (a JSON object or a line in no known format),
// Matches answers false to every rule that names a logsource: a triage
// run that wants every rule tried on such events checks Known first.
func (l Logsource) Known() bool {
	return l.Product != "" || len(l.Categories) > 0 || len(l.Services) > 0
}

// Matches says whether a rule with this logsource applies to the event;
// empty parts of the rule's logsource match anything. Comparison ignores
// case.
func (l Logsource) Matches(product, category, service string) bool {
	if product != "" && !strings.EqualFold(product, l.Product) {
		return false
	}
	if category != "" && !containsFold(l.Categories, category) {
		return false
	}
	return service == "" || containsFold(l.Services, service)
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}

// Limits bound the work and the output for one input. The zero value of a
// field means its default.
type Limits struct {
	MaxInput  int // bytes of input read; the rest is cut (default 1 MiB)
	MaxDepth  int // JSON nesting flattened; deeper values are kept as JSON text (default 16)
	MaxFields int // fields kept from one JSON object (default 1000)
}

// DefaultLimits are the limits used when none are given.
var DefaultLimits = Limits{MaxInput: 1 << 20, MaxDepth: 16, MaxFields: 1000}

func (l Limits) orDefault() Limits {
	if l.MaxInput <= 0 {
		l.MaxInput = DefaultLimits.MaxInput
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if l.MaxFields <= 0 {
		l.MaxFields = DefaultLimits.MaxFields
	}
	return l
}

// clean cuts s to at most max bytes on a character boundary and replaces
// invalid UTF-8; cut says whether anything was cut.
func clean(s string, max int) (out string, cut bool) {
	s, cut = cutAt(s, max)
	if !utf8.ValidString(s) {
		// a replacement (3 bytes) may be longer than what it replaces
		s = strings.ToValidUTF8(s, "\uFFFD")
		var again bool
		s, again = cutAt(s, max)
		cut = cut || again
	}
	return s, cut
}

// cutAt cuts s to at most max bytes, before a character's first byte.
func cutAt(s string, max int) (string, bool) {
	if len(s) <= max {
		return s, false
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i], true
}

// newEvent starts an event read by source from original.
func newEvent(source, original string, size int) Event {
	return Event{Fields: make(map[string]any, size), Original: original, Source: source}
}

// set puts a string field when it is not empty or "-" (the logs' "none").
func (e *Event) set(k, v string) {
	if v != "" && v != "-" {
		e.Fields[k] = v
	}
}

// setBoth puts the same string under an ECS name and its Sigma aliases.
func (e *Event) setBoth(v string, names ...string) {
	if v == "" || v == "-" {
		return
	}
	for _, k := range names {
		e.Fields[k] = v
	}
}
