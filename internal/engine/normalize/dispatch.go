package normalize

import (
	"strings"
	"time"
)

// Kind is what a receiver knows of an input.
type Kind int

// Kinds of input.
const (
	KindLine   Kind = iota // a raw line (a file's line, an HTTP body's line): its format is guessed
	KindSyslog             // a syslog message: Syslog holds its header, Body its message
	KindJSON               // a JSON object (NDJSON line, bulk document)
)

// Input is one event as a receiver got it.
type Input struct {
	Kind   Kind
	Body   string       // the line, the syslog message body, or the JSON text
	Syslog SyslogHeader // with KindSyslog
	// Server names the web server that wrote a raw line ("nginx" or
	// "apache") when the shipper says so; it adds the service to the
	// logsource.
	Server string
	// Received is when the input arrived. RFC 3164 times carry no year:
	// it is taken from Received (zero Received: such times are not used).
	Received time.Time
	// Location is the zone of times written without one (nil: UTC).
	Location *time.Location
	Limits   Limits
}

// Normalize reads one input with the parser its kind and content call
// for. It never fails: what no parser knows becomes a generic event that
// keeps the original (SourceLine, SourceSyslog or SourceJSON).
func Normalize(in Input) Event {
	lim := in.Limits.orDefault()
	if in.Location == nil {
		in.Location = time.UTC
	}
	body, cut := clean(in.Body, lim.MaxInput)
	var e Event
	switch in.Kind {
	case KindSyslog:
		e = syslogInput(in, body, lim)
	case KindJSON:
		var ok bool
		if e, ok = jsonInput(in, body, lim); !ok {
			e = lineEvent(body)
		}
	default:
		e = lineInput(in, body, lim)
	}
	if cut {
		e.Fields["log.truncated"] = true
	}
	return e
}

// syslogInput reads a syslog message: JSON in a message is read as JSON
// (with the header's fields added), anything else by its program.
func syslogInput(in Input, body string, lim Limits) Event {
	if strings.HasPrefix(strings.TrimSpace(body), "{") {
		if e, ok := jsonInput(in, body, lim); ok {
			keep := e.Logsource
			syslogFields(&e, in.Syslog.cleaned(), body)
			if e.Source != SourceJSON {
				e.Logsource = keep
			}
			return e
		}
	}
	e := parseSyslogIn(in.Syslog, body, in.Location)
	return e
}

// lineInput guesses a raw line's format: JSON, access log, error log,
// a syslog file's line ("Jan  2 15:04:05 host prog[pid]: message"), or
// none.
func lineInput(in Input, body string, lim Limits) Event {
	s := strings.TrimSpace(body)
	if strings.HasPrefix(s, "{") {
		if e, ok := jsonInput(in, body, lim); ok {
			return e
		}
	}
	if e, ok := parseAccess(body, in.Server); ok {
		return e
	}
	if e, ok := parseNginxError(body, in.Location); ok {
		return e
	}
	if e, ok := parseApacheError(body, in.Location); ok {
		return e
	}
	if h, msg, ok := syslogFileLine(s, in.Received, in.Location); ok {
		e := parseSyslogIn(h, msg, in.Location)
		e.Original = body
		return e
	}
	return lineEvent(body)
}

// lineEvent is the generic event of a line no parser knows.
func lineEvent(body string) Event {
	e := newEvent(SourceLine, body, 2)
	e.Fields["message"] = body
	return e
}

// jsonInput reads a JSON object: Winlogbeat's Windows events, Windows
// events exported as JSON, flat Windows events (EventID and Channel at the
// top), Beats documents whose message is a log line, or any JSON.
func jsonInput(in Input, body string, lim Limits) (Event, bool) {
	flat, ok := ParseJSON([]byte(body), lim)
	if !ok {
		return Event{}, false
	}
	switch {
	case hasPrefixKey(flat, "winlog."):
		return FromWinlogbeat(flat, body), true
	case hasPrefixKey(flat, "Event.System."):
		return fromWindowsJSON(flat, body), true
	}
	e := Event{Fields: flat, Original: body, Source: SourceJSON, Timestamp: jsonTimestamp(flat)}
	if _, ok := flat["Channel"]; ok {
		if _, ok := flat["EventID"]; ok {
			windowsCommon(&e)
			return e, true
		}
	}
	if msg, ok := flat["message"].(string); ok && msg != "" {
		beatsMessage(&e, in, msg)
	}
	return e, true
}

// beatsMessage reads the log line in a Beats (Filebeat, Fluent Bit)
// document's message field, when a parser knows it, and adds its fields
// where the document has none of its own.
func beatsMessage(e *Event, in Input, msg string) {
	server := in.Server
	switch module, _ := e.Fields["event.module"].(string); module {
	case "nginx", "apache":
		server = module
	}
	inner := lineInput(Input{Server: server, Received: in.Received, Location: in.Location}, msg, in.Limits.orDefault())
	if inner.Source == SourceLine || inner.Source == SourceJSON {
		return
	}
	for k, v := range inner.Fields {
		if _, taken := e.Fields[k]; !taken {
			e.Fields[k] = v
		}
	}
	e.Source, e.Logsource = inner.Source, inner.Logsource
	if e.Timestamp.IsZero() {
		e.Timestamp = inner.Timestamp
	}
}

func hasPrefixKey(m map[string]any, prefix string) bool {
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}
