package normalize

import (
	"strings"
	"time"
)

// syslogFileLine reads a line of a syslog file as rsyslog writes it:
// "Jan  2 15:04:05 host prog[pid]: message" (RFC 3164 time, its year
// from received; zero received leaves the time out) or
// "2006-01-02T15:04:05.000000+07:00 host prog[pid]: message".
func syslogFileLine(s string, received time.Time, loc *time.Location) (SyslogHeader, string, bool) {
	var h SyslogHeader
	var rest string
	switch {
	case len(s) > 16 && s[3] == ' ' && s[6] == ' ' && s[9] == ':' && s[15] == ' ':
		t, err := time.ParseInLocation(time.Stamp, s[:15], loc)
		if err != nil {
			return h, "", false
		}
		if !received.IsZero() {
			h.Timestamp = withYear(t, received)
		}
		rest = s[16:]
	case len(s) > 20 && s[4] == '-' && s[10] == 'T':
		ts, r, _ := strings.Cut(s, " ")
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return h, "", false
		}
		h.Timestamp, rest = t, r
	default:
		return h, "", false
	}
	host, rest, ok := strings.Cut(rest, " ")
	if !ok || host == "" {
		return h, "", false
	}
	tag, msg, ok := strings.Cut(rest, ": ")
	if !ok || tag == "" || strings.Contains(tag, " ") || len(tag) > 64 {
		return h, "", false
	}
	h.Hostname = host
	h.AppName = tag
	if i := strings.IndexByte(tag, '['); i > 0 && strings.HasSuffix(tag, "]") {
		h.AppName, h.ProcID = tag[:i], tag[i+1:len(tag)-1]
	}
	return h, msg, true
}

// withYear gives a time without a year (year 0) the year that puts it
// closest before received (a line from 31 December read on 1 January is
// last year's).
func withYear(t, received time.Time) time.Time {
	y := received.In(t.Location()).Year()
	out := time.Date(y, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	if out.After(received.Add(48 * time.Hour)) {
		out = out.AddDate(-1, 0, 0)
	}
	return out
}
