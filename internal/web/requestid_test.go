package web

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestSaneRequestID(t *testing.T) {
	for _, c := range []struct {
		id   string
		sane bool
	}{
		{"abc-DEF_012.x", true},
		{strings.Repeat("9", 64), true},
		{strings.Repeat("9", 65), false},
		{"", false},
		{"a b", false},
		{"a/b", false},
		{"ä", false},
		{"x\r\ny", false},
	} {
		if got := saneRequestID(c.id); got != c.sane {
			t.Errorf("saneRequestID(%q) = %v, want %v", c.id, got, c.sane)
		}
	}
}

// TestLogHandlerAddsRequestID: records written with a request's context
// carry its id, through WithAttrs too; others do not.
func TestLogHandlerAddsRequestID(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(LogHandler(slog.NewJSONHandler(&buf, nil))).With("component", "test")
	ctx := context.WithValue(context.Background(), requestIDKey{}, "req-1")
	log.InfoContext(ctx, "inside")
	log.Info("outside")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines: %q", lines)
	}
	for i, want := range []any{"req-1", nil} {
		var rec map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &rec); err != nil {
			t.Fatal(err)
		}
		if rec["request_id"] != want || rec["component"] != "test" {
			t.Errorf("line %d: %v, want request_id %v", i, rec, want)
		}
	}
}
