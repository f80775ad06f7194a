package normalize

import "testing"

var sudoHeader = SyslogHeader{Hostname: "db02", AppName: "sudo"}

func sudoBase(msg string) F {
	return F{"host.hostname": "db02", "log.syslog.hostname": "db02", "log.syslog.appname": "sudo", "process.name": "sudo", "message": msg}
}

func TestSudo(t *testing.T) {
	ran := F{"event.category": "process", "event.action": "sudo"}
	cases := []struct {
		name, msg string
		want      F
	}{
		{"command", "    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update",
			F{"user.name": "alice", "event.outcome": "success", "system.auth.sudo.tty": "pts/0", "process.tty.name": "pts/0",
				"system.auth.sudo.pwd": "/home/alice", "process.working_directory": "/home/alice", "system.auth.sudo.user": "root",
				"user.effective.name": "root", "system.auth.sudo.command": "/usr/bin/apt update", "process.command_line": "/usr/bin/apt update",
				"process.executable": "/usr/bin/apt"}},
		{"not in sudoers", "mallory : user NOT in sudoers ; TTY=pts/3 ; PWD=/tmp ; USER=root ; COMMAND=/bin/bash",
			F{"user.name": "mallory", "event.outcome": "failure", "system.auth.sudo.error": "user NOT in sudoers",
				"system.auth.sudo.tty": "pts/3", "process.tty.name": "pts/3", "system.auth.sudo.pwd": "/tmp", "process.working_directory": "/tmp",
				"system.auth.sudo.user": "root", "user.effective.name": "root", "system.auth.sudo.command": "/bin/bash",
				"process.command_line": "/bin/bash", "process.executable": "/bin/bash"}},
		{"incorrect passwords, group, env, command with ;", "bob : 3 incorrect password attempts ; TTY=unknown ; PWD=/ ; USER=postgres ; GROUP=dba ; ENV=A=1 ; COMMAND=/bin/sh -c echo a ; id",
			F{"user.name": "bob", "event.outcome": "failure", "system.auth.sudo.error": "3 incorrect password attempts",
				"system.auth.sudo.tty": "unknown", "process.tty.name": "unknown", "system.auth.sudo.pwd": "/", "process.working_directory": "/",
				"system.auth.sudo.user": "postgres", "user.effective.name": "postgres", "system.auth.sudo.group": "dba", "group.name": "dba",
				"system.auth.sudo.env": "A=1", "system.auth.sudo.command": "/bin/sh -c echo a ; id",
				"process.command_line": "/bin/sh -c echo a ; id", "process.executable": "/bin/sh"}},
		{"unicode user and Vietnamese path", "trần.thị : TTY=pts/1 ; PWD=/srv/tài liệu/báo cáo ; USER=root ; COMMAND=/usr/bin/cat /srv/tài liệu/mật khẩu.txt",
			F{"user.name": "trần.thị", "event.outcome": "success", "system.auth.sudo.tty": "pts/1", "process.tty.name": "pts/1",
				"system.auth.sudo.pwd": "/srv/tài liệu/báo cáo", "process.working_directory": "/srv/tài liệu/báo cáo",
				"system.auth.sudo.user": "root", "user.effective.name": "root", "system.auth.sudo.command": "/usr/bin/cat /srv/tài liệu/mật khẩu.txt",
				"process.command_line": "/usr/bin/cat /srv/tài liệu/mật khẩu.txt", "process.executable": "/usr/bin/cat"}},
		{"truncated", "alice : TTY=pts/0 ; PWD=/ho",
			F{"user.name": "alice", "event.outcome": "success", "system.auth.sudo.tty": "pts/0", "process.tty.name": "pts/0",
				"system.auth.sudo.pwd": "/ho", "process.working_directory": "/ho"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := ParseSyslog(sudoHeader, c.msg)
			if e.Source != SourceSudo {
				t.Errorf("source %q", e.Source)
			}
			checkFields(t, e.Fields, with(with(sudoBase(c.msg), ran), c.want))
			checkLogsource(t, e.Logsource, Logsource{Product: "linux", Services: []string{"syslog", "sudo", "auth"}})
		})
	}
	for _, msg := range []string{"pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)", "a=b : x", "no separator"} {
		checkFields(t, ParseSyslog(sudoHeader, msg).Fields, sudoBase(msg))
	}
}
