package normalize

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// parseWebLine reads a line a web server wrote: an access log line, or an
// nginx or Apache error log line; anything else is a generic syslog event.
func parseWebLine(line, server string, loc *time.Location) Event {
	if e, ok := parseAccess(line, server); ok {
		return e
	}
	if e, ok := parseNginxError(line, loc); ok {
		return e
	}
	if e, ok := parseApacheError(line, loc); ok {
		return e
	}
	return newEvent(SourceSyslog, line, 12)
}

// ParseWebError reads an nginx or Apache httpd error log line. Their times
// carry no zone: loc is the server's (nil for UTC). ok is false when the
// line is neither.
func ParseWebError(line string, loc *time.Location) (e Event, ok bool) {
	if loc == nil {
		loc = time.UTC
	}
	line, cut := clean(line, DefaultLimits.MaxInput)
	if e, ok = parseNginxError(line, loc); !ok {
		e, ok = parseApacheError(line, loc)
	}
	if ok && cut {
		e.Fields["log.truncated"] = true
	}
	return e, ok
}

// parseNginxError reads "2006/01/02 15:04:05 [level] pid#tid: [*conn ]message[, client: ip, server: name, request: "…", host: "…"]".
func parseNginxError(line string, loc *time.Location) (Event, bool) {
	s := strings.TrimSpace(line)
	if len(s) < 22 || s[4] != '/' || s[19] != ' ' || s[20] != '[' {
		return Event{}, false
	}
	ts, err := time.ParseInLocation("2006/01/02 15:04:05", s[:19], loc)
	if err != nil {
		return Event{}, false
	}
	level, s, ok := strings.Cut(s[21:], "] ")
	if !ok || len(level) > 8 {
		return Event{}, false
	}
	e := newEvent(SourceNginxError, line, 16)
	e.Timestamp = ts
	f := e.Fields
	f["log.level"] = level
	if ids, msg, ok := strings.Cut(s, ": "); ok && strings.Contains(ids, "#") && !strings.Contains(ids, " ") {
		pid, tid, _ := strings.Cut(ids, "#")
		putInt(f, "process.pid", pid)
		putInt(f, "process.thread.id", tid)
		s = msg
	}
	if strings.HasPrefix(s, "*") {
		conn, msg, _ := strings.Cut(s[1:], " ")
		putInt(f, "nginx.error.connection_id", conn)
		s = msg
	}
	msg := nginxErrorContext(&e, s)
	f["message"] = msg
	e.Logsource = webLogsource("", "nginx")
	return e, true
}

// nginxErrorContext takes the ", client: …, server: …" context off the
// end of an nginx error message and returns the message.
func nginxErrorContext(e *Event, s string) string {
	i := strings.Index(s, ", client: ")
	if i < 0 {
		return s
	}
	msg, ctx := s[:i], s[i+2:]
	for ctx != "" {
		k, rest, ok := strings.Cut(ctx, ": ")
		if !ok {
			break
		}
		var v string
		if q, r, ok := quoted(rest); ok {
			v, rest = q, r
		} else {
			v, rest, _ = strings.Cut(rest, ", ")
			rest = ", " + rest
		}
		switch k {
		case "client":
			e.setBoth(v, "source.ip", "c-ip")
		case "server":
			e.set("nginx.error.server", v)
		case "request":
			accessRequest(e, v)
		case "host":
			e.setBoth(v, "url.domain", "cs-host")
		case "upstream":
			e.set("nginx.error.upstream", v)
		case "referrer":
			e.setBoth(v, "http.request.referrer", "cs-referer")
		}
		ctx = strings.TrimPrefix(rest, ", ")
		if rest == "" || !strings.HasPrefix(rest, ", ") {
			break
		}
	}
	return msg
}

// parseApacheError reads "[Wed Oct 11 14:32:52.123456 2000] [module:level]
// [pid N:tid M] [client ip:port] AH00000: message" (httpd 2.4) and
// "[Wed Oct 11 14:32:52 2000] [level] [client ip] message" (2.2).
func parseApacheError(line string, loc *time.Location) (Event, bool) {
	s := strings.TrimSpace(line)
	if !strings.HasPrefix(s, "[") {
		return Event{}, false
	}
	end := strings.IndexByte(s, ']')
	if end < 0 || end > 40 {
		return Event{}, false
	}
	ts, err := time.ParseInLocation("Mon Jan 02 15:04:05.000000 2006", s[1:end], loc)
	if err != nil {
		if ts, err = time.ParseInLocation("Mon Jan 02 15:04:05 2006", s[1:end], loc); err != nil {
			return Event{}, false
		}
	}
	e := newEvent(SourceApacheError, line, 16)
	e.Timestamp = ts
	s = strings.TrimLeft(s[end+1:], " ")
	for n := 0; strings.HasPrefix(s, "[") && n < 6; n++ {
		end := strings.IndexByte(s, ']')
		if end > 0 && strings.IndexByte(s[1:end], '[') >= 0 { // [client [2001:db8::1]:443]
			if next := strings.IndexByte(s[end+1:], ']'); next >= 0 {
				end += 1 + next
			}
		}
		if end < 0 {
			break
		}
		apacheGroup(&e, s[1:end])
		s = strings.TrimLeft(s[end+1:], " ")
	}
	if code, msg, ok := strings.Cut(s, ": "); ok && len(code) == 7 && strings.HasPrefix(code, "AH") {
		e.Fields["error.code"] = code
		s = msg
	}
	e.Fields["message"] = s
	e.Logsource = webLogsource("", "apache")
	return e, true
}

// apacheGroup reads one bracketed group of an Apache error line.
func apacheGroup(e *Event, g string) {
	f := e.Fields
	switch {
	case cutPrefix(&g, "pid "):
		pid, tid, _ := strings.Cut(g, ":tid ")
		putInt(f, "process.pid", pid)
		putInt(f, "process.thread.id", tid)
	case cutPrefix(&g, "client "), cutPrefix(&g, "remote "):
		if ap, err := netip.ParseAddrPort(g); err == nil {
			f["source.ip"] = ap.Addr().String()
			f["c-ip"] = ap.Addr().String()
			f["source.port"] = int64(ap.Port())
		} else if looksLikeIP(g) {
			e.setBoth(g, "source.ip", "c-ip")
		} else if i := strings.LastIndexByte(g, ':'); i > 0 && looksLikeIP(g[:i]) {
			e.setBoth(g[:i], "source.ip", "c-ip")
			putInt(f, "source.port", g[i+1:])
		}
	default:
		module, level, ok := strings.Cut(g, ":")
		if !ok {
			module, level = "", g
		}
		e.set("log.level", level)
		e.set("apache.error.module", module)
	}
}

// putInt puts a decimal integer field when s is one.
func putInt(f map[string]any, k, s string) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		f[k] = n
	}
}
