package detect

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// MaxEventBytes bounds one event (one NDJSON line or one JSON value).
const MaxEventBytes = 16 << 20

// ErrEVTXUnsupported is what reading an EVTX file answers until an EVTX
// reader is registered as a Format.
var ErrEVTXUnsupported = errors.New("EVTX files are not supported yet: export the log as JSON (Event.System / Event.EventData) or NDJSON")

// EventReader yields the events of a file one by one; Next answers
// io.EOF after the last. A malformed event answers an *EventError and
// the reader goes on with the next one when it can.
type EventReader interface {
	Next() (*Event, error)
}

// EventError is one event that could not be read; Index is its 0-based
// position in the file.
type EventError struct {
	Index int
	Msg   string
}

func (e *EventError) Error() string { return fmt.Sprintf("event %d: %s", e.Index, e.Msg) }

// Format is one kind of event file: Sniff looks at the first bytes,
// Open reads the file. Formats are tried in order; a later package adds
// EVTX by putting its Format first.
type Format struct {
	Name  string
	Sniff func(head []byte) bool
	Open  func(r io.Reader) (EventReader, error)
}

// DefaultFormats are the formats this package reads: JSON (NDJSON, a
// JSON array, or concatenated JSON objects, flat or nested, Windows
// exports and Winlogbeat events included), and EVTX recognised only to
// say that it is not supported yet.
func DefaultFormats() []Format {
	return []Format{
		{Name: "evtx", Sniff: func(h []byte) bool { return bytes.HasPrefix(h, []byte("ElfFile\x00")) },
			Open: func(io.Reader) (EventReader, error) { return nil, ErrEVTXUnsupported }},
		{Name: "json", Sniff: func([]byte) bool { return true }, Open: OpenJSONEvents},
	}
}

// OpenEvents picks the format of r by its first bytes and opens it.
func OpenEvents(r io.Reader, formats []Format) (EventReader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(64 << 10)
	for _, f := range formats {
		if f.Sniff(head) {
			return f.Open(br)
		}
	}
	return nil, errors.New("unknown event file format")
}

// OpenJSONEvents reads NDJSON, a JSON array of objects, or a stream of
// (pretty-printed) JSON objects. Each object is normalised
// (NormalizeWindows) and classified (Classify).
func OpenJSONEvents(r io.Reader) (EventReader, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	head, _ := br.Peek(64 << 10)
	trimmed := bytes.TrimLeft(head, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return newStreamReader(br, true)
	}
	first := trimmed
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	if len(trimmed) > 0 && bytes.IndexByte(trimmed, '\n') >= 0 && !json.Valid(bytes.TrimSpace(first)) {
		return newStreamReader(br, false) // pretty-printed objects
	}
	return &lineReader{r: br}, nil
}

// lineReader reads NDJSON; blank lines are not events.
type lineReader struct {
	r     *bufio.Reader
	index int
}

func (l *lineReader) Next() (*Event, error) {
	for {
		line, err := readLine(l.r)
		if len(bytes.TrimSpace(line)) == 0 {
			if err != nil {
				return nil, err
			}
			continue
		}
		i := l.index
		l.index++
		if errors.Is(err, errLineTooLong) {
			return nil, &EventError{Index: i, Msg: fmt.Sprintf("longer than %d bytes", MaxEventBytes)}
		}
		ev, perr := decodeEvent(line)
		if perr != nil {
			return nil, &EventError{Index: i, Msg: perr.Error()}
		}
		return ev, nil
	}
}

var errLineTooLong = errors.New("line too long")

// readLine reads one line, bounded by MaxEventBytes (the rest of a longer
// line is skipped).
func readLine(r *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(buf)+len(chunk) > MaxEventBytes {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = r.ReadSlice('\n')
			}
			return []byte("x"), errLineTooLong
		}
		buf = append(buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && len(buf) > 0 && errors.Is(err, io.EOF) {
			return buf, nil
		}
		return buf, err
	}
}

func decodeEvent(b []byte) (*Event, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("not a JSON object: %v", err)
	}
	if d.More() {
		return nil, errors.New("more than one JSON value on the line")
	}
	return eventOf(m), nil
}

func eventOf(m map[string]any) *Event {
	m, _ = NormalizeWindows(m)
	ev := NewEvent(m)
	ev.Logsource = Classify(ev)
	return ev
}

// streamReader reads a JSON array or concatenated JSON values; a syntax
// error ends it (the stream cannot be resynchronised).
type streamReader struct {
	d     *json.Decoder
	index int
	array bool
	done  bool
}

func newStreamReader(r io.Reader, array bool) (EventReader, error) {
	d := json.NewDecoder(r)
	d.UseNumber()
	s := &streamReader{d: d, array: array}
	if array {
		if _, err := d.Token(); err != nil {
			return nil, fmt.Errorf("not a JSON array: %v", err)
		}
	}
	return s, nil
}

func (s *streamReader) Next() (*Event, error) {
	if s.done || (s.array && !s.d.More()) {
		return nil, io.EOF
	}
	var raw json.RawMessage
	if err := s.d.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		s.done = true
		return nil, &EventError{Index: s.index, Msg: "invalid JSON: " + err.Error()}
	}
	i := s.index
	s.index++
	if len(raw) > MaxEventBytes {
		return nil, &EventError{Index: i, Msg: fmt.Sprintf("longer than %d bytes", MaxEventBytes)}
	}
	ev, err := decodeEvent(raw)
	if err != nil {
		return nil, &EventError{Index: i, Msg: err.Error()}
	}
	return ev, nil
}

// EventTime answers an event's own time from the usual fields
// (@timestamp, TimeCreated_SystemTime, UtcTime, timestamp, time), or the
// zero time.
func EventTime(ev *Event) time.Time {
	for _, f := range []string{"@timestamp", "TimeCreated_SystemTime", "UtcTime", "timestamp", "time", "event.created"} {
		if s := ev.String(f); s != "" {
			if t, ok := parseTime(s); ok {
				return t
			}
		}
	}
	return time.Time{}
}
