package normalize

import "testing"

func TestPostfix(t *testing.T) {
	base := func(app, msg string) F {
		return F{"host.hostname": "mail", "log.syslog.hostname": "mail", "log.syslog.appname": app, "log.syslog.procid": "2231",
			"process.name": app, "process.pid": int64(2231), "message": msg, "event.category": "email"}
	}
	cases := []struct {
		name, app, msg string
		want           F
	}{
		{"connect", "postfix/smtpd", "connect from unknown[203.0.113.9]",
			F{"postfix.daemon": "smtpd", "event.action": "connect", "source.ip": "203.0.113.9"}},
		{"connect with name, IPv6", "postfix/smtpd", "connect from mx.example.net[2001:db8::25]",
			F{"postfix.daemon": "smtpd", "event.action": "connect", "source.ip": "2001:db8::25", "source.domain": "mx.example.net"}},
		{"disconnect", "postfix/submission/smtpd", "disconnect from unknown[203.0.113.9] ehlo=1 auth=0/1 quit=1 commands=2/3",
			F{"postfix.daemon": "smtpd", "event.action": "disconnect", "source.ip": "203.0.113.9"}},
		{"sasl failure", "postfix/smtpd", "warning: unknown[203.0.113.9]: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
			F{"postfix.daemon": "smtpd", "event.action": "sasl_auth_failed", "event.category": "authentication", "event.outcome": "failure",
				"source.ip": "203.0.113.9", "postfix.sasl_method": "LOGIN"}},
		{"reject", "postfix/smtpd", "NOQUEUE: reject: RCPT from unknown[198.51.100.3]: 554 5.7.1 <spam@example.net>: Relay access denied; from=<a@b.example> to=<spam@example.net> proto=ESMTP helo=<x.example>",
			F{"postfix.daemon": "smtpd", "event.action": "reject", "event.outcome": "failure", "postfix.smtp_stage": "RCPT", "source.ip": "198.51.100.3",
				"postfix.reply_code": int64(554), "postfix.reason": "5.7.1 <spam@example.net>: Relay access denied",
				"email.from.address": "a@b.example", "email.to.address": "spam@example.net", "postfix.proto": "ESMTP", "postfix.helo": "x.example"}},
		{"smtpd client with sasl", "postfix/smtpd", "3F2A81C0D4: client=unknown[192.0.2.10], sasl_method=LOGIN, sasl_username=nguyễn@sở.gov.vn",
			F{"postfix.daemon": "smtpd", "postfix.queue_id": "3F2A81C0D4", "source.ip": "192.0.2.10", "postfix.sasl_method": "LOGIN", "user.name": "nguyễn@sở.gov.vn"}},
		{"qmgr", "postfix/qmgr", "3F2A81C0D4: from=<alice@so.gov.vn>, size=1234, nrcpt=1 (queue active)",
			F{"postfix.daemon": "qmgr", "postfix.queue_id": "3F2A81C0D4", "event.action": "queued", "email.from.address": "alice@so.gov.vn",
				"postfix.size": int64(1234), "postfix.nrcpt": int64(1), "postfix.detail": "queue active"}},
		{"smtp sent", "postfix/smtp", "3F2A81C0D4: to=<bob@example.com>, relay=mx.example.com[198.51.100.2]:25, delay=0.52, delays=0.1/0/0.2/0.2, dsn=2.0.0, status=sent (250 2.0.0 OK 1700000000)",
			F{"postfix.daemon": "smtp", "postfix.queue_id": "3F2A81C0D4", "event.action": "delivery", "event.outcome": "success",
				"email.to.address": "bob@example.com", "postfix.relay": "mx.example.com[198.51.100.2]:25", "postfix.delay": "0.52",
				"postfix.dsn": "2.0.0", "postfix.status": "sent", "postfix.detail": "250 2.0.0 OK 1700000000"}},
		{"smtp bounced", "postfix/smtp", "ABC123: to=<x@example.org>, relay=none, delay=1, dsn=5.4.4, status=bounced (Host or domain name not found)",
			F{"postfix.daemon": "smtp", "postfix.queue_id": "ABC123", "event.action": "delivery", "event.outcome": "failure",
				"email.to.address": "x@example.org", "postfix.relay": "none", "postfix.delay": "1", "postfix.dsn": "5.4.4",
				"postfix.status": "bounced", "postfix.detail": "Host or domain name not found"}},
		{"truncated", "postfix/qmgr", "3F2A81C0D4: from=<alice@so",
			F{"postfix.daemon": "qmgr", "postfix.queue_id": "3F2A81C0D4", "event.action": "queued", "email.from.address": "alice@so"}},
		{"other", "postfix/master", "daemon started -- version 3.7.11, configuration /etc/postfix", F{"postfix.daemon": "master"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := ParseSyslog(SyslogHeader{Hostname: "mail", AppName: c.app, ProcID: "2231"}, c.msg)
			if e.Source != SourcePostfix {
				t.Errorf("source %q", e.Source)
			}
			checkFields(t, e.Fields, with(base(c.app, c.msg), c.want))
			checkLogsource(t, e.Logsource, Logsource{Product: "linux", Services: []string{"syslog", "postfix"}})
		})
	}
}
