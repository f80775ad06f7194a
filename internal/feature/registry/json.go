package registry

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendJSON appends s encoded as JSON, exactly as encoding/json would
// encode it (HTML-safe escaping included), without reflection: lists of
// systems are the API's hottest answer. A test compares the two.
func (s System) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, s.ID, 10)
	b = append(b, `,"agency_id":`...)
	b = strconv.AppendInt(b, s.AgencyID, 10)
	for _, f := range [...]struct {
		key, value string
	}{{"agency_code", s.AgencyCode}, {"agency_name", s.AgencyName}, {"name", s.Name}, {"purpose", s.Purpose}, {"info_kind", s.InfoKind},
		{"audience", s.Audience}, {"hosting", s.Hosting}, {"operator", s.Operator}, {"status", s.Status}} {
		b = append(b, ',', '"')
		b = append(b, f.key...)
		b = append(b, '"', ':')
		b = appendString(b, f.value)
	}
	for _, f := range [...]struct {
		key    string
		values []string
	}{{"urls", s.URLs}, {"domains", s.Domains}, {"ips", s.IPs}, {"cidrs", s.CIDRs}} {
		b = append(b, ',', '"')
		b = append(b, f.key...)
		b = append(b, '"', ':')
		b = appendStrings(b, f.values)
	}
	b = append(b, `,"software":`...)
	if s.Software == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, sw := range s.Software {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = appendString(b, sw.Name)
			b = append(b, `,"version":`...)
			b = appendString(b, sw.Version)
			if sw.CPE != "" {
				b = append(b, `,"cpe":`...)
				b = appendString(b, sw.CPE)
			}
			if sw.PURL != "" {
				b = append(b, `,"purl":`...)
				b = appendString(b, sw.PURL)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"created_at":`...)
	b = appendTime(b, s.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, s.UpdatedAt)
	b = append(b, `,"archived_at":`...)
	if s.ArchivedAt == nil {
		b = append(b, "null"...)
	} else {
		b = appendTime(b, *s.ArchivedAt)
	}
	b = append(b, `,"archived_by":`...)
	b = appendString(b, s.ArchivedBy)
	return append(b, '}')
}

func appendStrings(b []byte, list []string) []byte {
	if list == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, v := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, v)
	}
	return append(b, ']')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendString quotes s the way encoding/json does with HTML escaping:
// '"', '\\' and control characters escaped, '<', '>', '&', U+2028 and
// U+2029 as \u sequences, invalid UTF-8 as U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
