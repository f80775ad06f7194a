package web

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"time"
)

// RequestIDHeader carries a request's id, in the request (from a proxy
// that already chose one) and in every answer.
const RequestIDHeader = "X-Request-Id"

type requestIDKey struct{}

// userKey holds a *string the authentication step fills with the caller's
// user name, so that the request log, which wraps it, can name them.
type userKey struct{}

// RequestID is the id of the request being handled in ctx ("" outside one).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// requestID keeps a sane incoming id (letters, digits, '-', '_', '.', at
// most 64 characters) or makes a random one.
func requestID(r *http.Request) string {
	if id := r.Header.Get(RequestIDHeader); saneRequestID(id) {
		return id
	}
	return rand.Text()
}

func saneRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range []byte(id) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

// logRequest writes the request log line: one per request, at info level,
// with the route pattern rather than the path so that ids in paths do not
// make every line different.
func (s *Server) logRequest(r *http.Request, route, user string, rec *statusRecorder, took time.Duration) {
	if user == "" {
		user = "-"
	}
	log := s.deps.Log
	if log == nil {
		log = slog.Default()
	}
	log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("method", r.Method), slog.String("route", route), slog.String("user", user),
		slog.Int("status", rec.status), slog.Int64("bytes", rec.bytes),
		slog.Float64("duration_ms", float64(took.Microseconds())/1000))
}

// LogHandler wraps a log handler so that every record written with the
// context of a request (slog.InfoContext(r.Context(), …)) carries that
// request's id as request_id.
func LogHandler(h slog.Handler) slog.Handler { return requestIDHandler{h} }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
