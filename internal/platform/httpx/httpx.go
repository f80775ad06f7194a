// Package httpx holds what the web UI and the JSON API share: the actor
// carried by a request, strict JSON decoding with size limits, and the one
// place where error kinds become HTTP status codes.
package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/bus"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// MaxJSONBody is the largest JSON request body accepted.
const MaxJSONBody = 1 << 20

type ctxKey int

const (
	actorKey ctxKey = iota
	csrfKey
)

// WithActor returns ctx carrying the authenticated actor and, for browser
// sessions, the session's CSRF token.
func WithActor(ctx context.Context, a access.Actor, csrf string) context.Context {
	return context.WithValue(context.WithValue(ctx, actorKey, a), csrfKey, csrf)
}

// Actor returns the request's actor (anonymous when none).
func Actor(ctx context.Context) access.Actor {
	a, _ := ctx.Value(actorKey).(access.Actor)
	return a
}

// CSRF returns the browser session's CSRF token ("" for token auth).
func CSRF(ctx context.Context) string {
	s, _ := ctx.Value(csrfKey).(string)
	return s
}

// APIError is the body of every API error response.
type APIError struct {
	Code    string             `json:"code"`
	Message string             `json:"message"`
	Fields  []valid.FieldError `json:"fields,omitempty"`
}

// Classify maps an error to its HTTP status and API error body. It is the
// only place that does so.
func Classify(err error) (int, APIError) {
	var fields valid.Errors
	var maxErr *http.MaxBytesError
	var bad *BadRequestError
	switch {
	case errors.As(err, &maxErr):
		return http.StatusRequestEntityTooLarge, APIError{Code: "too_large", Message: fmt.Sprintf("request body is larger than %d bytes", maxErr.Limit)}
	case errors.As(err, &bad):
		return http.StatusBadRequest, APIError{Code: "bad_request", Message: bad.Msg}
	case errors.As(err, &fields) && errors.Is(err, store.ErrConflict):
		return http.StatusConflict, APIError{Code: "conflict", Message: fields.Error(), Fields: fields}
	case errors.As(err, &fields):
		return http.StatusBadRequest, APIError{Code: "validation_failed", Message: fields.Error(), Fields: fields}
	case errors.Is(err, store.ErrInvalid):
		return http.StatusBadRequest, APIError{Code: "bad_request", Message: cleanMessage(err)}
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, APIError{Code: "not_found", Message: "not found"}
	case errors.Is(err, store.ErrForbidden):
		return http.StatusForbidden, APIError{Code: "forbidden", Message: "your role does not allow this"}
	case errors.Is(err, store.ErrConflict):
		return http.StatusConflict, APIError{Code: "conflict", Message: cleanMessage(err)}
	case errors.Is(err, store.ErrThrottled):
		return http.StatusTooManyRequests, APIError{Code: "throttled", Message: err.Error()}
	case errors.Is(err, store.ErrUnauthenticated):
		return http.StatusUnauthorized, APIError{Code: "unauthorized", Message: err.Error()}
	case unavailable(err):
		return http.StatusServiceUnavailable, APIError{Code: "unavailable", Message: "a service Khiên depends on is unavailable for a moment; try again shortly"}
	}
	return http.StatusInternalServerError, APIError{Code: "internal", Message: "internal error"}
}

// RetryAfterOutage is the Retry-After (seconds) of a 503 answered while
// the database or the bus is unreachable.
const RetryAfterOutage = 5

// unavailable reports whether err means a dependency is down for now.
func unavailable(err error) bool { return store.IsUnavailable(err) || bus.IsUnavailable(err) }

// cleanMessage drops the "package: " prefixes of a wrapped error.
func cleanMessage(err error) string {
	s := err.Error()
	for _, p := range []string{"registry: ", "auth: ", "audit: ", "store: ", "sitescan: ", "trust: ", "monitor: ", "notify: ", "events: "} {
		s = strings.ReplaceAll(s, p, "")
	}
	return s
}

// BadRequestError is a malformed request (not a field validation).
type BadRequestError struct{ Msg string }

func (e *BadRequestError) Error() string { return e.Msg }

// BadRequest makes a BadRequestError.
func BadRequest(format string, args ...any) error {
	return &BadRequestError{Msg: fmt.Sprintf(format, args...)}
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		slog.Debug("write json", "err", err)
	}
}

// WriteError writes err as an API error response, logging unexpected ones.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := Classify(err)
	if status == http.StatusInternalServerError {
		slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var wait store.Waiter
	if errors.As(err, &wait) {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Wait().Seconds())+1))
	} else if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfterOutage))
	}
	WriteJSON(w, status, map[string]APIError{"error": body})
}

// DecodeJSON reads exactly one JSON object from the body into v: at most
// MaxJSONBody bytes, unknown fields refused, nothing after the object.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength > MaxJSONBody {
		return &http.MaxBytesError{Limit: MaxJSONBody}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	if err != nil {
		return err
	}
	return DecodeStrict(body, v)
}

// DecodeStrict decodes one JSON object from body into v, refusing unknown
// fields and trailing data, with messages that say what was wrong.
func DecodeStrict(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return BadRequest("request body is empty; send a JSON object")
	}
	if body[0] != '{' {
		return BadRequest("request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return BadRequest("malformed JSON at byte %d: %v", syn.Offset, err)
		case errors.As(err, &typ):
			return BadRequest("field %q: expected %s, got JSON %s", typ.Field, typ.Type, typ.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return BadRequest("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		case errors.Is(err, io.ErrUnexpectedEOF):
			return BadRequest("malformed JSON: unexpected end of input")
		}
		return BadRequest("malformed JSON: %v", err)
	}
	if dec.More() {
		return BadRequest("request body must hold exactly one JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return BadRequest("request body must hold exactly one JSON object")
	}
	return nil
}

// ClientAddr is the address the request came from (its host, without the
// port), which login throttling counts failures by.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// ParseID reads a positive integer path value.
func ParseID(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%w: %s %q", store.ErrNotFound, name, v)
	}
	return id, nil
}
