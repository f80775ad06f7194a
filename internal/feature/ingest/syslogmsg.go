package ingest

import (
	"strings"
	"time"

	syslog "github.com/leodido/go-syslog/v4"
	"github.com/leodido/go-syslog/v4/rfc3164"
	"github.com/leodido/go-syslog/v4/rfc5424"

	"github.com/khien-project/khien/internal/engine/normalize"
)

// MessageParser reads one syslog message (RFC 5424 or RFC 3164, told
// apart by the version after the priority) into the header normalize
// takes and the message body. It is not safe for concurrent use: each
// connection or UDP reader has its own.
type MessageParser struct {
	loc     *time.Location
	rfc5424 syslog.Machine
	rfc3164 syslog.Machine
	header  []byte // an RFC 5424 header with "-" for its structured data
}

// NewMessageParser returns a parser reading RFC 3164 times (which carry
// no zone) in loc (nil: UTC).
func NewMessageParser(loc *time.Location) *MessageParser {
	if loc == nil {
		loc = time.UTC
	}
	return &MessageParser{
		loc:     loc,
		rfc5424: rfc5424.NewParser(rfc5424.WithBestEffort()),
		rfc3164: rfc3164.NewParser(rfc3164.WithBestEffort(), rfc3164.WithYear(rfc3164.CurrentYear{}), rfc3164.WithTimezone(loc), rfc3164.WithRFC3339()),
	}
}

// Parse reads msg, received at received. ok is false when msg has no
// syslog priority ("<N>") that either grammar reads: the caller keeps it
// as a raw line. A message the grammar reads only in part keeps what was
// read, and its body is the rest of the text.
func (p *MessageParser) Parse(msg []byte, received time.Time) (h normalize.SyslogHeader, body string, ok bool) {
	if len(msg) < 3 || msg[0] != '<' {
		return h, "", false
	}
	end := 1
	for end < len(msg) && end < 5 && msg[end] >= '0' && msg[end] <= '9' {
		end++
	}
	if end == 1 || end >= len(msg) || msg[end] != '>' {
		return h, "", false
	}
	var m syslog.Message
	is5424 := end+2 < len(msg) && msg[end+1] >= '1' && msg[end+1] <= '9' && msg[end+2] == ' '
	sd, hasSD, headerOK := 0, false, false
	if is5424 {
		sd, hasSD = sdStart(msg)
		hasSD = hasSD && msg[sd] == '['
	}
	switch {
	case hasSD:
		// The grammar reads the header only; the structured data and the
		// message are read below.
		p.header = append(append(p.header[:0], msg[:sd]...), '-')
		var err error
		m, err = p.rfc5424.Parse(p.header)
		headerOK = err == nil
	case is5424:
		m, _ = p.rfc5424.Parse(msg)
	default:
		m, _ = p.rfc3164.Parse(msg)
	}
	if m == nil {
		return h, "", false
	}
	var base *syslog.Base
	switch v := m.(type) {
	case *rfc5424.SyslogMessage:
		base = &v.Base
	case *rfc3164.SyslogMessage:
		base = &v.Base
	default:
		return h, "", false
	}
	if base.Priority == nil {
		return h, "", false
	}
	h = header(base, received)
	if base.Message != nil {
		body = strings.TrimPrefix(*base.Message, "\ufeff")
	} else if base.Timestamp == nil {
		// read no further than the priority: the rest is the message
		body = string(msg[end+1:])
	}
	switch {
	case hasSD && headerOK:
		body = structured(&h, string(msg[sd:]))
	case hasSD:
		body = string(msg[end+1:]) // a header read in part: keep all the text
	}
	return h, body, true
}

// structured reads an RFC 5424 message's STRUCTURED-DATA (text, from its
// first '[') into h with normalize.ParseStructuredData and answers the
// message body. The grammar's own reader is not used for it: it refuses
// a backslash before an ordinary character, which RFC 5424 allows, keeps
// only the last of a repeated parameter, loses the message after
// structured data it cannot read, and costs a map per message. Structured
// data that cannot be read is left in the body, never dropped.
func structured(h *normalize.SyslogHeader, text string) string {
	params, rest, ok := normalize.ParseStructuredData(text)
	if !ok {
		return text
	}
	h.StructuredData = params
	return strings.TrimPrefix(rest, "\ufeff")
}

// sdStart finds where STRUCTURED-DATA begins: after the priority and
// version, TIMESTAMP, HOSTNAME, APP-NAME, PROCID and MSGID, each ended by
// one space.
func sdStart(msg []byte) (int, bool) {
	fields := 0
	for i, c := range msg {
		if c != ' ' {
			continue
		}
		fields++
		if fields == 6 {
			return i + 1, i+1 < len(msg)
		}
	}
	return 0, false
}

// header copies the parsed fields; an RFC 3164 time that lands more than
// a day after reception belongs to last year (a December message read in
// January).
func header(b *syslog.Base, received time.Time) normalize.SyslogHeader {
	h := normalize.SyslogHeader{Priority: true, Facility: int(deref(b.Facility)), Severity: int(deref(b.Severity))}
	h.Hostname, h.AppName, h.ProcID, h.MsgID = str(b.Hostname), str(b.Appname), str(b.ProcID), str(b.MsgID)
	if b.Timestamp != nil {
		h.Timestamp = *b.Timestamp
		if !received.IsZero() && h.Timestamp.After(received.Add(24*time.Hour)) {
			h.Timestamp = h.Timestamp.AddDate(-1, 0, 0)
		}
	}
	return h
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func deref(p *uint8) uint8 {
	if p == nil {
		return 0
	}
	return *p
}
