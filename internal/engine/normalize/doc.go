// Package normalize turns log events as they arrive (syslog messages,
// web server log lines, Windows events, JSON documents) into one shape
// that detection reads: flat fields under ECS-style dotted names, plus the
// names SigmaHQ rules use, the original text, the event's own time, the
// parser that read it, and its Sigma logsource. It is a pure library:
// text in, Event out; it never fails and never panics, and what it keeps
// of one input is bounded (Limits).
//
// # Use
//
//	e := normalize.Normalize(normalize.Input{Kind: normalize.KindSyslog, Syslog: hdr, Body: msg})
//	e.Fields["source.ip"], e.Fields["user.name"]   // flat fields
//	e.Original, e.Timestamp, e.Source             // the text, its time, the parser
//	e.Logsource.Matches("linux", "", "sshd")      // Sigma routing
//
// Normalize picks the parser from the input's kind (KindSyslog with the
// header a receiver read, KindJSON, or KindLine for a raw line) and its
// content; an input no parser knows becomes a generic event (SourceLine,
// SourceSyslog or SourceJSON) that keeps the original. The parsers are
// also callable on their own: ParseSyslog, ParseAccess, ParseWebError,
// ParseJSON, FromWinlogbeat, FromEVTX.
//
// # Fields
//
// Values are string, int64 (ports, status codes, sizes, pids), float64,
// bool, nil or []any. A log's "-" (nothing) is left out.
//
//   - syslog (every message): host.hostname, process.name, process.pid,
//     message, log.syslog.{appname,hostname,procid,msgid,facility.code,
//     severity.code}; logsource product linux, service syslog (and auth
//     for the auth facilities, cron, vsftpd, clamav… by program).
//   - sshd: event.action (ssh_login, ssh_invalid_user, ssh_disconnect),
//     event.outcome, user.name, source.ip, source.port,
//     system.auth.ssh.{event,method,invalid_user,signature}; services sshd
//     and auth.
//   - sudo: user.name, user.effective.name (USER=), process.command_line,
//     process.executable, process.tty.name, process.working_directory,
//     system.auth.sudo.{tty,pwd,user,command,error}; services sudo, auth.
//   - Postfix: postfix.{daemon,queue_id,status,dsn,relay,size,nrcpt,
//     reply_code,reason,sasl_method,…}, source.ip, source.domain,
//     email.from.address, email.to.address, user.name (sasl_username),
//     event.action (connect, disconnect, reject, sasl_auth_failed, queued,
//     delivery); service postfix.
//   - access logs (nginx, Apache; common, combined, with a virtual host):
//     source.ip, user.name, http.request.method, url.original, url.path,
//     url.query, url.extension, url.domain, http.version,
//     http.response.status_code, http.response.body.bytes,
//     http.request.referrer, user_agent.original, and the W3C names
//     Sigma's web rules use: c-ip, cs-username, cs-method, cs-uri,
//     cs-uri-query and c-uri (the request target with its query, as
//     SigmaHQ's webserver rules expect), cs-uri-stem and c-uri-stem (the
//     path), c-uri-query (after "?"), c-uri-extension, cs-version,
//     sc-status, sc-bytes, cs-referer, cs-user-agent, c-useragent, cs-host;
//     category webserver, and service nginx or apache when known.
//   - error logs: log.level, process.pid, process.thread.id, message,
//     source.ip, error.code (AH…), nginx.error.*, apache.error.module;
//     service nginx or apache (SigmaHQ's rules for them use no category).
//   - Windows: the names evtx.Flatten gives (EventID, Channel, Computer,
//     Provider_Name, TimeCreated, and the EventData fields: CommandLine,
//     Image, TargetObject, …), numbers as decimal text. Winlogbeat's ECS
//     fields are kept beside them. Logsource: product windows, the
//     channel's service (security, system, sysmon, powershell, …) and the
//     categories of Sysmon's event ids (1 process_creation, 3
//     network_connection, 12/13/14 registry_*, 22 dns_query, …), of
//     Security 4688 (process_creation) and of PowerShell's script, module
//     and classic events.
//     Security 4688 also gets Image and ParentImage (from NewProcessName
//     and ParentProcessName), the names process_creation rules use.
//   - JSON: nested objects flattened with dots, arrays kept; depth and
//     field count bounded (Limits). The reader flattens as it reads
//     (jsonscan.go) and is fuzzed against encoding/json.
//
// This package imports no other engine (internal/arch): FromEVTX takes
// the map evtx.Flatten returns, so the caller that reads the file joins
// the two.
//
// Times without a zone (nginx and Apache error logs) are read in
// Input.Location, UTC by default.
package normalize
