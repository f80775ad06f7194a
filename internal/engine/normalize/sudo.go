package normalize

import "strings"

// parseSudo reads sudo's log line "<user> : [<error> ; ]TTY=<tty> ; PWD=<dir>
// ; USER=<target> ; [GROUP=… ; ENV=… ; ]COMMAND=<command line>".
func parseSudo(e *Event, msg string) {
	user, rest, ok := strings.Cut(msg, " : ")
	if !ok || strings.Contains(user, "=") || strings.HasPrefix(msg, "pam_") {
		return
	}
	f := e.Fields
	e.set("user.name", strings.TrimSpace(user))
	f["event.category"] = "process"
	f["event.action"] = "sudo"
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, " ; ")
		k, v, ok := strings.Cut(part, "=")
		if !ok || !sudoKey(k) {
			// an error before the fields: "user NOT in sudoers",
			// "3 incorrect password attempts", "command not allowed"
			if _, has := f["system.auth.sudo.error"]; !has {
				f["system.auth.sudo.error"] = strings.TrimSpace(part)
				f["event.outcome"] = "failure"
			}
			continue
		}
		if k == "COMMAND" {
			// the command is last and may itself hold " ; "
			if rest != "" {
				v += " ; " + rest
				rest = ""
			}
			e.set("system.auth.sudo.command", v)
			e.set("process.command_line", v)
			exe, _, _ := strings.Cut(v, " ")
			e.set("process.executable", exe)
			continue
		}
		sudoField(e, k, v)
	}
	if _, failed := f["event.outcome"]; !failed {
		f["event.outcome"] = "success"
	}
}

func sudoKey(k string) bool {
	switch k {
	case "TTY", "PWD", "USER", "GROUP", "ENV", "COMMAND", "TSID", "HOST", "CHROOT", "CWD":
		return true
	}
	return false
}

func sudoField(e *Event, k, v string) {
	switch k {
	case "TTY":
		e.set("system.auth.sudo.tty", v)
		e.set("process.tty.name", v)
	case "PWD", "CWD":
		e.set("system.auth.sudo.pwd", v)
		e.set("process.working_directory", v)
	case "USER":
		e.set("system.auth.sudo.user", v)
		e.set("user.effective.name", v)
	case "GROUP":
		e.set("system.auth.sudo.group", v)
		e.set("group.name", v)
	default:
		e.set("system.auth.sudo."+strings.ToLower(k), v)
	}
}
