package httpx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/nats-io/nats.go"
)

type sample struct {
	Name  string   `json:"name"`
	Count int      `json:"count"`
	Tags  []string `json:"tags"`
}

func TestDecodeStrict(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{`{"name":"x","count":1}`, true},
		{` {"tags":["a"]} `, true},
		{`{"name":"x","extra":1}`, false},
		{`{"name":"x"} {"name":"y"}`, false},
		{`{"name":"x"} trailing`, false},
		{`{"count":"1"}`, false},
		{`[]`, false},
		{``, false},
		{`{"name":`, false},
	} {
		var v sample
		err := DecodeStrict([]byte(c.in), &v)
		if (err == nil) != c.ok {
			t.Errorf("%q: err %v, want ok=%v", c.in, err, c.ok)
		}
		var bad *BadRequestError
		if err != nil && !errors.As(err, &bad) {
			t.Errorf("%q: error %T is not a BadRequestError", c.in, err)
		}
	}
}

func FuzzDecodeStrict(f *testing.F) {
	f.Add([]byte(`{"name":"x","count":1,"tags":["a"]}`))
	f.Add([]byte(`{"name":"\u0000"}`))
	f.Add([]byte(`{"count":1e400}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var v sample
		err := DecodeStrict(body, &v)
		if err != nil {
			var bad *BadRequestError
			if !errors.As(err, &bad) || bad.Msg == "" {
				t.Fatalf("error without a message: %v", err)
			}
		}
	})
}

// TestOutagesAnswer503: an unreachable database or bus is a 503 with
// Retry-After and a plain message, not a 500; other errors are unchanged.
func TestOutagesAnswer503(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("registry: list: %w", syscall.ECONNREFUSED),
		fmt.Errorf("store: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}),
		fmt.Errorf("bus: enqueue: %w", nats.ErrNoServers),
		fmt.Errorf("sitescan: %w", store.ErrUnavailable),
		&pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"},
	} {
		rec := httptest.NewRecorder()
		WriteError(rec, httptest.NewRequest("GET", "/api/v1/systems", nil), err)
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), `"unavailable"`) {
			t.Errorf("%v: %d %q %s", err, rec.Code, rec.Header().Get("Retry-After"), rec.Body)
		}
		if strings.Contains(rec.Body.String(), "ECONNREFUSED") || strings.Contains(rec.Body.String(), "refused") {
			t.Errorf("%v: the answer shows the error: %s", err, rec.Body)
		}
	}
	for _, err := range []error{errors.New("boom"), &pgconn.PgError{Code: "42P01"}, context.Canceled} {
		if code, _ := Classify(err); code != http.StatusInternalServerError {
			t.Errorf("%v: %d, want 500", err, code)
		}
	}
}
