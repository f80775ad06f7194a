package normalize

import (
	"testing"
	"time"
)

var sshHeader = SyslogHeader{Hostname: "web01", AppName: "sshd", ProcID: "812", Priority: true, Facility: 10, Severity: 6,
	Timestamp: time.Date(2026, 11, 30, 8, 1, 2, 0, time.UTC)}

// sshBase is what every sshd message of sshHeader has.
func sshBase(msg string) F {
	return F{"host.hostname": "web01", "log.syslog.hostname": "web01", "log.syslog.appname": "sshd", "log.syslog.procid": "812",
		"process.name": "sshd", "process.pid": int64(812), "log.syslog.facility.code": int64(10), "log.syslog.severity.code": int64(6),
		"message": msg}
}

func TestSSHD(t *testing.T) {
	auth := F{"event.category": "authentication"}
	cases := []struct {
		name, msg string
		want      F
	}{
		{"accepted password", "Accepted password for root from 203.0.113.5 port 52311 ssh2",
			F{"event.action": "ssh_login", "event.outcome": "success", "system.auth.ssh.event": "Accepted", "system.auth.ssh.method": "password",
				"user.name": "root", "source.ip": "203.0.113.5", "source.port": int64(52311)}},
		{"accepted publickey over IPv6", "Accepted publickey for deploy from 2001:db8::17 port 4222 ssh2: ED25519 SHA256:Zk3bW0h9x1rJ",
			F{"event.action": "ssh_login", "event.outcome": "success", "system.auth.ssh.event": "Accepted", "system.auth.ssh.method": "publickey",
				"user.name": "deploy", "source.ip": "2001:db8::17", "source.port": int64(4222), "system.auth.ssh.signature": "ED25519 SHA256:Zk3bW0h9x1rJ"}},
		{"failed password, invalid user", "Failed password for invalid user admin from 198.51.100.7 port 40022 ssh2",
			F{"event.action": "ssh_login", "event.outcome": "failure", "system.auth.ssh.event": "Failed", "system.auth.ssh.method": "password",
				"system.auth.ssh.invalid_user": true, "user.name": "admin", "source.ip": "198.51.100.7", "source.port": int64(40022)}},
		{"failed publickey", "Failed publickey for git from 198.51.100.8 port 1 ssh2: RSA SHA256:abc",
			F{"event.action": "ssh_login", "event.outcome": "failure", "system.auth.ssh.event": "Failed", "system.auth.ssh.method": "publickey",
				"user.name": "git", "source.ip": "198.51.100.8", "source.port": int64(1), "system.auth.ssh.signature": "RSA SHA256:abc"}},
		{"unicode user name", "Failed password for invalid user nguyễn văn from 198.51.100.9 port 5000 ssh2",
			F{"event.action": "ssh_login", "event.outcome": "failure", "system.auth.ssh.event": "Failed", "system.auth.ssh.method": "password",
				"system.auth.ssh.invalid_user": true, "user.name": "nguyễn văn", "source.ip": "198.51.100.9", "source.port": int64(5000)}},
		{"user name holding from", "Failed password for invalid user a from b from 198.51.100.9 port 5000 ssh2",
			F{"event.action": "ssh_login", "event.outcome": "failure", "system.auth.ssh.event": "Failed", "system.auth.ssh.method": "password",
				"system.auth.ssh.invalid_user": true, "user.name": "a from b", "source.ip": "198.51.100.9", "source.port": int64(5000)}},
		{"invalid user", "Invalid user oracle from 192.0.2.44 port 51234",
			F{"event.action": "ssh_invalid_user", "event.outcome": "failure", "system.auth.ssh.event": "Invalid",
				"user.name": "oracle", "source.ip": "192.0.2.44", "source.port": int64(51234)}},
		{"invalid empty user", "Invalid user  from 192.0.2.44 port 51234",
			F{"event.action": "ssh_invalid_user", "event.outcome": "failure", "system.auth.ssh.event": "Invalid",
				"user.name": "", "source.ip": "192.0.2.44", "source.port": int64(51234)}},
		{"disconnected authenticating user", "Disconnected from authenticating user root 203.0.113.5 port 52311 [preauth]",
			F{"event.action": "ssh_disconnect", "user.name": "root", "source.ip": "203.0.113.5", "source.port": int64(52311)}},
		{"disconnected user", "Disconnected from user deploy 2001:db8::17 port 4222",
			F{"event.action": "ssh_disconnect", "user.name": "deploy", "source.ip": "2001:db8::17", "source.port": int64(4222)}},
		{"connection closed, invalid user", "Connection closed by invalid user test 192.0.2.1 port 22 [preauth]",
			F{"event.action": "ssh_disconnect", "user.name": "test", "system.auth.ssh.invalid_user": true, "source.ip": "192.0.2.1", "source.port": int64(22)}},
		{"received disconnect", "Received disconnect from 192.0.2.1 port 40000:11: Bye Bye [preauth]",
			F{"event.action": "ssh_disconnect", "source.ip": "192.0.2.1", "source.port": int64(40000)}},
		{"connection closed, address only", "Connection closed by 192.0.2.1 port 40000 [preauth]",
			F{"event.action": "ssh_disconnect", "source.ip": "192.0.2.1", "source.port": int64(40000)}},
		{"truncated", "Accepted password for root from 203.0.1",
			F{"event.action": "ssh_login", "event.outcome": "success", "system.auth.ssh.event": "Accepted", "system.auth.ssh.method": "password",
				"user.name": "root"}},
		{"bad port", "Accepted password for root from 203.0.113.5 port 99999999 ssh2",
			F{"event.action": "ssh_login", "event.outcome": "success", "system.auth.ssh.event": "Accepted", "system.auth.ssh.method": "password",
				"user.name": "root", "source.ip": "203.0.113.5"}},
		{"not an address", "Invalid user x from example.com port 1",
			F{"event.action": "ssh_invalid_user", "event.outcome": "failure", "system.auth.ssh.event": "Invalid", "user.name": "x"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := ParseSyslog(sshHeader, c.msg)
			if e.Source != SourceSSHD || e.Original != c.msg || !e.Timestamp.Equal(sshHeader.Timestamp) {
				t.Errorf("source %q original %q time %v", e.Source, e.Original, e.Timestamp)
			}
			checkFields(t, e.Fields, with(with(sshBase(c.msg), auth), c.want))
			checkLogsource(t, e.Logsource, Logsource{Product: "linux", Services: []string{"syslog", "sshd", "auth"}})
		})
	}
}

// Messages sshd writes that are not about logins keep the generic fields
// only.
func TestSSHDOtherMessages(t *testing.T) {
	for _, msg := range []string{
		"Server listening on 0.0.0.0 port 22.",
		"pam_unix(sshd:session): session opened for user root(uid=0) by (uid=0)",
		"",
		"   Accepted   ",
	} {
		e := ParseSyslog(sshHeader, msg)
		checkFields(t, e.Fields, sshBase(msg))
	}
}
