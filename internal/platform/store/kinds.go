package store

import (
	"errors"
	"time"
)

// More error kinds, for the callers' identity rather than the data.
var (
	// ErrUnauthenticated: missing or wrong credentials (401).
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrThrottled: too many attempts (429). An error of this kind may
	// say how long to wait by implementing Waiter.
	ErrThrottled = errors.New("throttled")
)

// Waiter is an error that knows how long the caller should wait before
// trying again (the Retry-After of a 429).
type Waiter interface {
	error
	Wait() time.Duration
}

// kindError is an error with a message of its own that is also of a kind.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// NewKind returns an error with message msg for which errors.Is(err,
// kind) holds: a feature's own error that one place still maps to a status.
func NewKind(msg string, kind error) error { return &kindError{msg: msg, kind: kind} }
