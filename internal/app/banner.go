package app

import (
	"fmt"
	"io"
	"log/slog"
)

// Banner tells the person who started Khiên what they need to know (where
// to log in, the first admin's password, the demo users): plain sentences
// with the text log format, log records with the JSON one, so that a JSON
// log holds only JSON lines. Its records are written whatever --log-level
// says: a password shown once must not be filtered out.
type Banner struct {
	out io.Writer
	log *slog.Logger // nil: plain text
}

// NewBanner writes to w in format ("text" or "json").
func NewBanner(w io.Writer, format string) Banner {
	if format == "json" {
		return Banner{out: w, log: slog.New(slog.NewJSONHandler(w, nil))}
	}
	return Banner{out: w}
}

// Say writes one message: text (a sentence, printed as is) or, in JSON,
// the record msg with attrs.
func (b Banner) Say(text, msg string, attrs ...any) {
	if b.out == nil {
		return
	}
	if b.log != nil {
		b.log.Info(msg, attrs...)
		return
	}
	fmt.Fprintln(b.out, text)
}
