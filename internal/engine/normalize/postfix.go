package normalize

import (
	"strconv"
	"strings"
)

// parsePostfix reads Postfix messages: smtpd connections, rejections and
// SASL authentication failures, and the queue's lines ("<queue id>: k=v,
// k=v …") from smtpd, cleanup, qmgr, smtp and lmtp.
func parsePostfix(e *Event, prog, msg string) {
	f := e.Fields
	if _, daemon, ok := strings.Cut(prog, "/"); ok {
		if i := strings.LastIndexByte(daemon, '/'); i >= 0 {
			daemon = daemon[i+1:] // postfix/submission/smtpd
		}
		f["postfix.daemon"] = daemon
	}
	f["event.category"] = "email"
	switch {
	case cutPrefix(&msg, "connect from "):
		f["event.action"] = "connect"
		postfixClient(e, msg)
	case cutPrefix(&msg, "disconnect from "):
		f["event.action"] = "disconnect"
		postfixClient(e, msg)
	case cutPrefix(&msg, "warning: ") && strings.Contains(msg, " authentication failed"):
		f["event.action"] = "sasl_auth_failed"
		f["event.category"] = "authentication"
		f["event.outcome"] = "failure"
		client, rest, _ := strings.Cut(msg, ": ")
		postfixClient(e, client)
		if mech, _, ok := strings.Cut(strings.TrimPrefix(rest, "SASL "), " authentication failed"); ok {
			e.set("postfix.sasl_method", mech)
		}
	default:
		postfixQueued(e, msg)
	}
}

// postfixClient reads "name[ip]" (and any text after it).
func postfixClient(e *Event, s string) {
	open := strings.IndexByte(s, '[')
	end := strings.IndexByte(s, ']')
	if open < 0 || end < open {
		return
	}
	name := s[:open]
	if name != "unknown" {
		e.set("source.domain", name)
	}
	if ip := s[open+1 : end]; looksLikeIP(ip) {
		e.Fields["source.ip"] = ip
	}
}

// postfixQueued reads "<queue id>: k=v, k=v …" and "NOQUEUE: reject: …".
func postfixQueued(e *Event, msg string) {
	f := e.Fields
	id, rest, ok := strings.Cut(msg, ": ")
	if !ok || id == "" || strings.ContainsAny(id, " =") {
		return
	}
	if id != "NOQUEUE" {
		f["postfix.queue_id"] = id
	}
	if cutPrefix(&rest, "reject: ") || cutPrefix(&rest, "milter-reject: ") {
		postfixReject(e, rest)
		return
	}
	for _, kv := range splitPostfixKV(rest) {
		postfixField(e, kv[0], kv[1])
	}
}

// postfixReject reads "RCPT from name[ip]: 554 5.7.1 <…>: reason; from=<…> to=<…> proto=… helo=<…>".
func postfixReject(e *Event, s string) {
	f := e.Fields
	f["event.action"] = "reject"
	f["event.outcome"] = "failure"
	stage, s, _ := strings.Cut(s, " from ")
	e.set("postfix.smtp_stage", stage)
	client, s, _ := strings.Cut(s, ": ")
	postfixClient(e, client)
	reason, kvs, _ := strings.Cut(s, "; ")
	if code, text, ok := strings.Cut(reason, " "); ok {
		if n, err := strconv.ParseInt(code, 10, 64); err == nil {
			f["postfix.reply_code"] = n
			reason = text
		}
	}
	e.set("postfix.reason", strings.TrimSpace(reason))
	for _, kv := range splitPostfixKV(kvs) {
		postfixField(e, kv[0], kv[1])
	}
}

// splitPostfixKV splits "k=v, k=v (comment)" or "k=<v> k=v" into pairs;
// a value in parentheses after status= is its detail.
func splitPostfixKV(s string) [][2]string {
	var out [][2]string
	for s != "" && len(out) < 64 {
		s = strings.TrimLeft(s, " ,")
		k, rest, ok := strings.Cut(s, "=")
		if !ok || strings.ContainsAny(k, " ()") {
			if strings.HasPrefix(s, "(") && len(out) > 0 {
				out = append(out, [2]string{"detail", strings.Trim(s, "()")})
			}
			break
		}
		var v string
		if strings.HasPrefix(rest, "<") {
			if i := strings.IndexByte(rest, '>'); i >= 0 {
				v, rest = rest[1:i], rest[i+1:]
			} else {
				v, rest = rest[1:], ""
			}
		} else {
			end := strings.IndexAny(rest, ", ")
			if end < 0 {
				end = len(rest)
			}
			v, rest = rest[:end], rest[end:]
		}
		out = append(out, [2]string{k, v})
		s = rest
	}
	return out
}

func postfixField(e *Event, k, v string) {
	f := e.Fields
	switch k {
	case "from":
		e.set("email.from.address", v)
		if _, ok := f["event.action"]; !ok {
			f["event.action"] = "queued"
		}
	case "to", "orig_to":
		e.set("email.to.address", v)
	case "client":
		postfixClient(e, v)
	case "sasl_username":
		e.set("user.name", v)
	case "sasl_method":
		e.set("postfix.sasl_method", v)
	case "status":
		e.set("postfix.status", v)
		f["event.action"] = "delivery"
		if v == "sent" {
			f["event.outcome"] = "success"
		} else {
			f["event.outcome"] = "failure"
		}
	case "size", "nrcpt":
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			f["postfix."+k] = n
		}
	case "relay", "dsn", "delay", "message-id", "helo", "proto", "detail":
		e.set("postfix."+strings.ReplaceAll(k, "-", "_"), v)
	}
}
