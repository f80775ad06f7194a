package normalize

import "strings"

// SDParam is one parameter of an RFC 5424 STRUCTURED-DATA element:
// [ID Name="Value"], Value unescaped.
type SDParam struct {
	ID, Name, Value string
}

// Limits of the structured data kept from one message: more parameters
// are left out (and the event says log.truncated), longer values cut.
const (
	maxSDParams = 64
	maxSDValue  = 8 << 10
	maxSDName   = 64
)

// SDPrefix starts the field name of every structured-data parameter:
// log.syslog.structured_data.<SD-ID>.<PARAM-NAME>, ECS's
// log.syslog.structured_data object flattened.
const SDPrefix = "log.syslog.structured_data."

// ParseStructuredData reads the STRUCTURED-DATA of an RFC 5424 message,
// s being the text after the MSGID and its space: the NILVALUE "-" or one
// or more elements [ID Name="Value" …]. It answers the parameters in
// order (an element without parameters gives none), and the message
// after the separating space. In a value, \" \\ and \] stand for the
// character; a backslash before anything else is itself, as RFC 5424
// section 6.3.3 says; an unescaped ']' inside the quotes is taken as text.
// ok is false when s is not structured data: the caller keeps s whole as
// the message.
func ParseStructuredData(s string) (params []SDParam, msg string, ok bool) {
	if strings.HasPrefix(s, "-") {
		msg, ok = afterSD(s[1:])
		return nil, msg, ok
	}
	if !strings.HasPrefix(s, "[") {
		return nil, "", false
	}
	rest := s
	for strings.HasPrefix(rest, "[") {
		var ps []SDParam
		ps, rest, ok = sdElement(rest[1:])
		if !ok {
			return nil, "", false
		}
		params = append(params, ps...)
	}
	msg, ok = afterSD(rest)
	if !ok {
		return nil, "", false
	}
	return params, msg, true
}

// afterSD is the message after structured data: nothing, or a space and
// the message.
func afterSD(rest string) (string, bool) {
	if rest == "" {
		return "", true
	}
	if rest[0] != ' ' {
		return "", false
	}
	return rest[1:], true
}

// sdElement reads one element after its '[': the SD-ID, its parameters
// and the closing ']'.
func sdElement(s string) ([]SDParam, string, bool) {
	id, s := sdName(s)
	if id == "" {
		return nil, "", false
	}
	var params []SDParam
	for {
		if strings.HasPrefix(s, "]") {
			return params, s[1:], true
		}
		if !strings.HasPrefix(s, " ") {
			return nil, "", false
		}
		var name string
		name, s = sdName(s[1:])
		if name == "" || !strings.HasPrefix(s, `="`) {
			return nil, "", false
		}
		var value string
		var ok bool
		value, s, ok = sdValue(s[2:])
		if !ok {
			return nil, "", false
		}
		params = append(params, SDParam{ID: id, Name: name, Value: value})
	}
}

// sdName reads an SD-NAME: printable US-ASCII but '=', space, ']' and '"'
// (RFC 5424 allows 32 characters; up to maxSDName are taken).
func sdName(s string) (name, rest string) {
	i := 0
	for i < len(s) && i < maxSDName {
		c := s[i]
		if c <= ' ' || c > '~' || c == '=' || c == ']' || c == '"' {
			break
		}
		i++
	}
	return s[:i], s[i:]
}

// sdValue reads a PARAM-VALUE up to its closing quote, unescaping it.
func sdValue(s string) (value, rest string, ok bool) {
	var b strings.Builder
	start, escaped := 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			if !escaped {
				return s[:i], s[i+1:], true
			}
			b.WriteString(s[start:i])
			return b.String(), s[i+1:], true
		case '\\':
			if i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\' || s[i+1] == ']') {
				b.WriteString(s[start:i])
				start, escaped = i+1, true // the escaped character is kept, the backslash dropped
				i++
			}
		}
	}
	return "", "", false
}

// SDField is the field name of a structured-data parameter. Characters
// of the SD-ID and the name other than letters, digits, '.', '_', '-' and
// '@' become '_', so that every such field can be named in a search.
func SDField(id, name string) string {
	return SDPrefix + sdSafe(id) + "." + sdSafe(name)
}

func sdSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-', r == '@':
			return r
		}
		return '_'
	}, s)
}
