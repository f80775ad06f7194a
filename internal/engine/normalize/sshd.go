package normalize

import (
	"net/netip"
	"strconv"
	"strings"
)

// parseSSHD reads the sshd messages that matter for detection: logins
// accepted and failed (password, publickey, keyboard-interactive), invalid
// users, disconnections and closed connections. Others keep only the
// generic fields.
func parseSSHD(e *Event, msg string) {
	f := e.Fields
	switch {
	case cutPrefix(&msg, "Accepted "):
		sshLogin(e, msg, "success", "Accepted")
	case cutPrefix(&msg, "Failed "):
		sshLogin(e, msg, "failure", "Failed")
	case cutPrefix(&msg, "Invalid user "):
		f["event.action"] = "ssh_invalid_user"
		f["event.outcome"] = "failure"
		f["system.auth.ssh.event"] = "Invalid"
		user, rest := splitFrom(msg)
		f["user.name"] = user
		sshAddr(e, rest)
	case cutPrefix(&msg, "Received disconnect from "):
		f["event.action"] = "ssh_disconnect"
		sshAddr(e, msg)
	case cutPrefix(&msg, "Disconnected from "), cutPrefix(&msg, "Connection closed by "), cutPrefix(&msg, "Connection reset by "):
		f["event.action"] = "ssh_disconnect"
		sshUserAddr(e, msg)
	default:
		return
	}
	f["event.category"] = "authentication"
}

// sshLogin reads "<method> for [invalid user ]<user> from <ip> port <n> ssh2[: <key>]".
func sshLogin(e *Event, msg, outcome, word string) {
	f := e.Fields
	f["event.outcome"] = outcome
	f["system.auth.ssh.event"] = word
	f["event.action"] = "ssh_login"
	method, rest, ok := strings.Cut(msg, " for ")
	if !ok {
		return
	}
	f["system.auth.ssh.method"] = method
	if cutPrefix(&rest, "invalid user ") {
		f["system.auth.ssh.invalid_user"] = true
	}
	user, addr := splitFrom(rest)
	f["user.name"] = user
	sshAddr(e, addr)
	if _, sig, ok := strings.Cut(addr, ": "); ok && method == "publickey" {
		e.set("system.auth.ssh.signature", strings.TrimSpace(sig))
	}
}

// splitFrom splits "<user> from <rest>" at the last " from " (user names
// may hold anything, addresses do not hold " from ").
func splitFrom(s string) (user, rest string) {
	i := strings.LastIndex(s, " from ")
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i+len(" from "):]
}

// sshAddr reads "<ip> port <n>…" into source.ip and source.port.
func sshAddr(e *Event, s string) {
	ip, rest, _ := strings.Cut(strings.TrimSpace(s), " ")
	ip = strings.TrimSuffix(ip, ":")
	if !looksLikeIP(ip) {
		return
	}
	e.Fields["source.ip"] = ip
	if cutPrefix(&rest, "port ") {
		sshPort(e, rest)
	}
}

func sshPort(e *Event, s string) {
	end := 0
	for end < len(s) && end < 6 && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if p, err := strconv.ParseInt(s[:end], 10, 64); err == nil && p <= 65535 {
		e.Fields["source.port"] = p
	}
}

// sshUserAddr reads "[authenticating |invalid ]user <user> <ip> port <n>…"
// or "<ip> port <n>…".
func sshUserAddr(e *Event, s string) {
	f := e.Fields
	rest := s
	if cutPrefix(&rest, "authenticating user ") || cutPrefix(&rest, "invalid user ") || cutPrefix(&rest, "user ") {
		if strings.HasPrefix(s, "invalid ") {
			f["system.auth.ssh.invalid_user"] = true
		}
		i := strings.LastIndex(rest, " port ")
		if i < 0 {
			return
		}
		j := strings.LastIndexByte(rest[:i], ' ')
		if j < 0 {
			return
		}
		f["user.name"] = rest[:j]
		rest = rest[j+1:]
	}
	sshAddr(e, rest)
}

// cutPrefix removes prefix from *s and says whether it was there.
func cutPrefix(s *string, prefix string) bool {
	r, ok := strings.CutPrefix(*s, prefix)
	if ok {
		*s = r
	}
	return ok
}

// looksLikeIP says whether s is an IPv4 or IPv6 address in text form.
func looksLikeIP(s string) bool {
	if len(s) < 2 || len(s) > 64 {
		return false
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}
