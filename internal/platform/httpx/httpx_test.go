package httpx

import (
	"errors"
	"testing"
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
