package ingest

import "bytes"

// FrameResult says what Framer.Next found.
type FrameResult int

// Results of Framer.Next.
const (
	// NeedMore: no complete frame yet; read more (or, at the end of the
	// stream, nothing is left).
	NeedMore FrameResult = iota
	// Frame: frame holds one message.
	Frame
	// Oversized: a message longer than the limit was skipped (or is being
	// skipped): count it once, when it is reported.
	Oversized
)

// maxCountDigits bounds an RFC 6587 octet count ("2147483647 ").
const maxCountDigits = 10

// Framer splits a syslog TCP stream into messages, choosing the framing
// for each message by its first byte as RFC 6587 allows senders to mix:
// a digit starts an octet count ("57 <34>1 …"), anything else is a
// message ended by a line feed (non-transparent framing; a NUL also
// ends it, and a CR before the LF is dropped). Messages longer than Max
// bytes are skipped and reported as Oversized, never buffered whole.
type Framer struct {
	Max int
	// skip is how many bytes of an oversized octet-counted message are
	// still to be thrown away; skipLine says an oversized line is being
	// thrown away up to its line feed.
	skip     int
	skipLine bool
}

// Next looks at data, the unread bytes of the stream, and returns how
// many bytes it consumed (always ≤ len(data)) and what it found. A
// Frame's bytes alias data. atEOF says no more bytes will come: a last
// line without its line feed is then a frame.
func (f *Framer) Next(data []byte, atEOF bool) (advance int, frame []byte, res FrameResult) {
	if f.skip > 0 {
		n := min(f.skip, len(data))
		f.skip -= n
		return n, nil, NeedMore
	}
	if f.skipLine {
		i := bytes.IndexAny(data, "\n\x00")
		if i < 0 {
			return len(data), nil, NeedMore
		}
		f.skipLine = false
		return i + 1, nil, NeedMore
	}
	// Blank separators between frames (a stray LF after an octet-counted
	// message, keep-alive newlines) are skipped.
	start := 0
	for start < len(data) && (data[start] == '\n' || data[start] == '\r' || data[start] == 0 || data[start] == ' ') {
		start++
	}
	if start > 0 {
		return start, nil, NeedMore
	}
	if len(data) == 0 {
		return 0, nil, NeedMore
	}
	if data[0] >= '1' && data[0] <= '9' {
		if adv, fr, r, ok := f.counted(data, atEOF); ok {
			return adv, fr, r
		}
	}
	return f.line(data, atEOF)
}

// counted reads an octet-counted frame; ok is false when data does not
// start with "DIGITS SP" (the frame is then read as a line).
func (f *Framer) counted(data []byte, atEOF bool) (advance int, frame []byte, res FrameResult, ok bool) {
	n, i := 0, 0
	for i < len(data) && i < maxCountDigits && data[i] >= '0' && data[i] <= '9' {
		n = n*10 + int(data[i]-'0')
		i++
	}
	if i == len(data) && !atEOF {
		return 0, nil, NeedMore, true // the count may go on
	}
	if i == len(data) || data[i] != ' ' {
		return 0, nil, NeedMore, false
	}
	head := i + 1
	if n > f.Max {
		f.skip = n
		adv, _, _ := f.Next(data[head:], atEOF)
		return head + adv, nil, Oversized, true
	}
	if len(data)-head < n {
		if atEOF {
			// a truncated last frame: what came is kept
			return len(data), data[head:], Frame, true
		}
		return 0, nil, NeedMore, true
	}
	return head + n, data[head : head+n], Frame, true
}

// line reads a frame ended by LF or NUL.
func (f *Framer) line(data []byte, atEOF bool) (advance int, frame []byte, res FrameResult) {
	i := bytes.IndexAny(data, "\n\x00")
	if i < 0 {
		if len(data) > f.Max {
			f.skipLine = true
			return len(data), nil, Oversized
		}
		if atEOF {
			return len(data), bytes.TrimSuffix(data, []byte("\r")), Frame
		}
		return 0, nil, NeedMore
	}
	if i > f.Max {
		return i + 1, nil, Oversized
	}
	return i + 1, bytes.TrimSuffix(data[:i], []byte("\r")), Frame
}
