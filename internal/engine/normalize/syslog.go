package normalize

import (
	"strconv"
	"strings"
	"time"
)

// SyslogHeader is what a syslog receiver read from a message's header
// (RFC 5424 or RFC 3164). Facility and Severity count only with Priority.
type SyslogHeader struct {
	Hostname  string
	AppName   string // the program ("sshd", "postfix/smtpd"), RFC 3164's tag
	ProcID    string
	MsgID     string
	Priority  bool // Facility and Severity are known
	Facility  int
	Severity  int
	Timestamp time.Time
	// StructuredData holds an RFC 5424 message's parameters in order
	// (ParseStructuredData); each becomes the field SDField(ID, Name), a
	// name given several times a list of its values.
	StructuredData []SDParam
}

// maxHeaderField bounds each text field of a syslog header (RFC 5424
// allows 255 bytes for the host name, less for the others).
const maxHeaderField = 255

// cleaned is the header with its texts cut to maxHeaderField and made
// valid UTF-8.
func (h SyslogHeader) cleaned() SyslogHeader {
	h.Hostname, _ = clean(h.Hostname, maxHeaderField)
	h.AppName, _ = clean(h.AppName, maxHeaderField)
	h.ProcID, _ = clean(h.ProcID, maxHeaderField)
	h.MsgID, _ = clean(h.MsgID, maxHeaderField)
	return h
}

// Syslog facilities that carry authentication messages (auth, authpriv).
const (
	facilityAuth     = 4
	facilityAuthPriv = 10
)

// ParseSyslog normalizes a syslog message body msg by its program: sshd,
// sudo and Postfix messages get their own fields, nginx and Apache lines
// theirs; any other message is a generic syslog event (program, pid,
// message). It never fails.
func ParseSyslog(h SyslogHeader, msg string) Event {
	msg, cut := clean(msg, DefaultLimits.MaxInput)
	e := parseSyslogIn(h, msg, time.UTC)
	if cut {
		e.Fields["log.truncated"] = true
	}
	return e
}

// parseSyslogIn is ParseSyslog for a message already cleaned; web
// servers' times without a zone are read in loc.
func parseSyslogIn(h SyslogHeader, msg string, loc *time.Location) Event {
	h = h.cleaned()
	prog := program(h.AppName)
	var e Event
	switch {
	case prog == "sshd" || strings.HasPrefix(prog, "sshd-"):
		e = newEvent(SourceSSHD, msg, 16)
		parseSSHD(&e, strings.TrimSpace(msg))
	case prog == "sudo":
		e = newEvent(SourceSudo, msg, 16)
		parseSudo(&e, strings.TrimSpace(msg))
	case strings.HasPrefix(prog, "postfix"):
		e = newEvent(SourcePostfix, msg, 16)
		parsePostfix(&e, prog, strings.TrimSpace(msg))
	case prog == "nginx" || prog == "apache" || prog == "apache2" || prog == "httpd":
		e = parseWebLine(msg, webServer(prog), loc)
	default:
		e = newEvent(SourceSyslog, msg, 12)
	}
	syslogFields(&e, h, msg)
	return e
}

// program is the program name of an app-name or tag: "sshd[123]" → "sshd",
// "/usr/sbin/sshd" → "sshd", lower case.
func program(app string) string {
	if i := strings.IndexByte(app, '['); i >= 0 {
		app = app[:i]
	}
	app = strings.TrimSuffix(strings.TrimSpace(app), ":")
	if i := strings.LastIndexByte(app, '/'); i >= 0 && strings.HasPrefix(app, "/") {
		app = app[i+1:]
	}
	return strings.ToLower(app)
}

func webServer(prog string) string {
	if prog == "nginx" {
		return "nginx"
	}
	return "apache"
}

// syslogFields adds the header's fields and the Linux logsource.
func syslogFields(e *Event, h SyslogHeader, msg string) {
	f := e.Fields
	e.set("host.hostname", h.Hostname)
	e.set("log.syslog.hostname", h.Hostname)
	e.set("log.syslog.appname", h.AppName)
	e.set("log.syslog.procid", h.ProcID)
	e.set("log.syslog.msgid", h.MsgID)
	e.set("process.name", h.AppName)
	if pid, err := strconv.ParseInt(h.ProcID, 10, 64); err == nil && pid >= 0 {
		f["process.pid"] = pid
	}
	if h.Priority {
		f["log.syslog.facility.code"] = int64(h.Facility)
		f["log.syslog.severity.code"] = int64(h.Severity)
	}
	structuredFields(e, h.StructuredData)
	if _, ok := f["message"]; !ok {
		f["message"] = msg
	}
	if e.Timestamp.IsZero() {
		e.Timestamp = h.Timestamp
	}
	if e.Source == SourceAccess || e.Source == SourceNginxError || e.Source == SourceApacheError {
		return // web logs keep their own logsource
	}
	ls := Logsource{Product: "linux", Services: []string{"syslog"}}
	prog := program(h.AppName)
	switch {
	case e.Source == SourceSSHD:
		ls.Services = append(ls.Services, "sshd", "auth")
	case e.Source == SourceSudo:
		ls.Services = append(ls.Services, "sudo", "auth")
	case e.Source == SourcePostfix:
		ls.Services = append(ls.Services, "postfix")
	case linuxService(prog) != "":
		ls.Services = append(ls.Services, linuxService(prog))
	}
	if h.Priority && (h.Facility == facilityAuth || h.Facility == facilityAuthPriv) && !containsFold(ls.Services, "auth") {
		ls.Services = append(ls.Services, "auth")
	}
	e.Logsource = ls
}

// linuxService is the service Sigma's Linux rules name for a program, or
// "".
func linuxService(prog string) string {
	switch prog {
	case "cron", "crond":
		return "cron"
	case "clamd", "freshclam", "clamav":
		return "clamav"
	case "vsftpd", "guacamole", "auditd", "su":
		return prog
	}
	return ""
}

// structuredFields adds the structured-data parameters: at most
// maxSDParams, values cut at maxSDValue and made valid UTF-8. No parser
// sets names under SDPrefix, so a name already present is a repeated
// parameter.
func structuredFields(e *Event, params []SDParam) {
	f := e.Fields
	for i, p := range params {
		if i == maxSDParams {
			f["log.truncated"] = true
			return
		}
		name := SDField(p.ID, p.Name)
		v, cut := clean(p.Value, maxSDValue)
		if cut {
			f["log.truncated"] = true
		}
		switch old := f[name].(type) {
		case string:
			f[name] = []any{old, v}
		case []any:
			f[name] = append(old, v)
		default:
			f[name] = v
		}
	}
}
