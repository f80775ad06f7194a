package normalize

import (
	"strconv"
	"strings"
	"time"
)

// ParseAccess reads one nginx or Apache access log line in the common or
// combined format, with or without a leading virtual host ("vhost[:port]"),
// and with any further fields after the user agent (kept, unparsed, in
// http.request.extra). server ("nginx", "apache" or "") names the
// server when the caller knows it. ok is false when the line is not an
// access log line.
//
// Quoted fields have their \" and \\ escapes undone; \xHH escapes of raw
// bytes stay as written, as Sigma's web rules expect the text of the log.
func ParseAccess(line, server string) (e Event, ok bool) {
	line, cut := clean(line, DefaultLimits.MaxInput)
	e, ok = parseAccess(line, server)
	if ok && cut {
		e.Fields["log.truncated"] = true
	}
	return e, ok
}

func parseAccess(line, server string) (Event, bool) {
	s := strings.TrimSpace(line)
	open := strings.Index(s, " [")
	if open < 0 || open > 600 {
		return Event{}, false
	}
	head := strings.Fields(s[:open])
	if len(head) < 3 || len(head) > 8 {
		return Event{}, false
	}
	end := strings.IndexByte(s[open:], ']')
	if end < 0 {
		return Event{}, false
	}
	ts, err := time.Parse("02/Jan/2006:15:04:05 -0700", s[open+2:open+end])
	if err != nil {
		return Event{}, false
	}
	rest := strings.TrimLeft(s[open+end+1:], " ")
	request, rest, ok := quoted(rest)
	if !ok {
		return Event{}, false
	}
	statusText, rest := word(rest)
	status, err := strconv.ParseInt(statusText, 10, 64)
	if err != nil || status < 0 || status > 999 {
		return Event{}, false
	}
	e := newEvent(SourceAccess, line, 32)
	e.Timestamp = ts
	accessHead(&e, head)
	accessRequest(&e, request)
	f := e.Fields
	f["http.response.status_code"] = status
	f["sc-status"] = status
	bytesText, rest := word(rest)
	if n, err := strconv.ParseInt(bytesText, 10, 64); err == nil {
		f["http.response.body.bytes"] = n
		f["sc-bytes"] = n
	}
	if ref, r, ok := quoted(rest); ok {
		e.setBoth(ref, "http.request.referrer", "cs-referer", "cs-referrer")
		rest = r
		if ua, r, ok := quoted(rest); ok {
			e.setBoth(ua, "user_agent.original", "cs-user-agent", "c-useragent")
			rest = r
		}
	}
	e.set("http.request.extra", strings.TrimSpace(rest))
	f["event.category"] = "web"
	e.Logsource = webLogsource("webserver", server)
	return e, true
}

// accessHead reads "[vhost[:port]] client ident user". A virtual host is
// there when the second word is not the ident's "-" (a client is never
// "-"), so that a user name with a space is not taken for one.
func accessHead(e *Event, head []string) {
	if len(head) >= 4 && head[1] != "-" {
		host, port, _ := strings.Cut(head[0], ":")
		if strings.Count(head[0], ":") > 1 { // an IPv6 virtual host: keep it whole
			host, port = head[0], ""
		}
		e.setBoth(host, "url.domain", "cs-host")
		if p, err := strconv.ParseInt(port, 10, 64); err == nil {
			e.Fields["url.port"] = p
		}
		head = head[1:]
	}
	client := head[0]
	if looksLikeIP(client) {
		e.setBoth(client, "source.ip", "c-ip", "client.ip")
	} else {
		e.setBoth(client, "source.domain", "c-dns")
	}
	e.set("apache.access.ident", head[1])
	e.setBoth(strings.Join(head[2:], " "), "user.name", "cs-username")
}

// accessRequest reads "METHOD target PROTOCOL"; anything else (a TLS hello
// sent to a plain port, a bare "-") is kept as http.request.line only.
func accessRequest(e *Event, request string) {
	e.set("http.request.line", request)
	parts := strings.Split(request, " ")
	if len(parts) != 3 || !isMethod(parts[0]) {
		return
	}
	e.setBoth(parts[0], "http.request.method", "cs-method")
	target := parts[1]
	e.setBoth(target, "url.original", "cs-uri", "cs-uri-query", "c-uri")
	path, query, hasQuery := strings.Cut(target, "?")
	e.setBoth(path, "url.path", "cs-uri-stem", "c-uri-stem")
	if hasQuery {
		e.setBoth(query, "url.query", "c-uri-query")
	}
	if ext := extension(path); ext != "" {
		e.setBoth(ext, "url.extension", "c-uri-extension")
	}
	version := strings.TrimPrefix(parts[2], "HTTP/")
	e.set("http.version", version)
	e.set("cs-version", parts[2])
}

func isMethod(m string) bool {
	if m == "" || len(m) > 32 {
		return false
	}
	for i := 0; i < len(m); i++ {
		if c := m[i]; (c < 'A' || c > 'Z') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// extension is the extension of a URL path's last segment, without the dot.
func extension(path string) string {
	last := path[strings.LastIndexByte(path, '/')+1:]
	i := strings.LastIndexByte(last, '.')
	if i < 0 || i == len(last)-1 {
		return ""
	}
	return last[i+1:]
}

// quoted reads a double-quoted field at the start of s, undoing \" and \\.
func quoted(s string) (value, rest string, ok bool) {
	s = strings.TrimLeft(s, " ")
	if !strings.HasPrefix(s, `"`) {
		return "", s, false
	}
	var b strings.Builder
	escaped := false
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\'):
			if !escaped {
				b.Grow(len(s))
				b.WriteString(s[1:i])
				escaped = true
			}
			b.WriteByte(s[i+1])
			i++
		case c == '"':
			if !escaped {
				return s[1:i], s[i+1:], true
			}
			return b.String(), s[i+1:], true
		case escaped:
			b.WriteByte(c)
		}
	}
	return "", s, false
}

// word reads one space-separated word at the start of s.
func word(s string) (w, rest string) {
	s = strings.TrimLeft(s, " ")
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// webLogsource is the logsource of a web server's log: category webserver
// for access logs, and the server's service when known.
func webLogsource(category, server string) Logsource {
	ls := Logsource{}
	if category != "" {
		ls.Categories = []string{category}
	}
	if server != "" {
		ls.Services = []string{server}
	}
	return ls
}
