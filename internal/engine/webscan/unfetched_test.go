package webscan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
)

func TestTLSLevelFailureAfterHandshake(t *testing.T) {
	alert := errors.New("remote error: tls: handshake failure")
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"handshake alert", alert, true},
		{"reset after a completed handshake", &afterHandshakeError{io.ErrUnexpectedEOF}, false},
		{"wrapped after-handshake error", fmt.Errorf("GET: %w", &afterHandshakeError{alert}), false},
		{"deadline", context.DeadlineExceeded, false},
		{"refused dial", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, false},
		{"no error", nil, false},
	}
	for _, c := range cases {
		if got := tlsLevelFailure(c.err); got != c.want {
			t.Errorf("%s: tlsLevelFailure = %v, want %v", c.name, got, c.want)
		}
	}
}
