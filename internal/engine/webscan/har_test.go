package webscan

import (
	"errors"
	"strings"
	"testing"
)

func TestExchangeFromHARRefusesBadFiles(t *testing.T) {
	for name, data := range map[string]string{
		"not JSON":     "<html>",
		"no entries":   `{"log":{"entries":[]}}`,
		"not a HAR":    `{"foo":1}`,
		"ftp URL":      `{"log":{"entries":[{"request":{"url":"ftp://x.example/"},"response":{"status":200}}]}}`,
		"relative URL": `{"log":{"entries":[{"request":{"url":"/index.html"},"response":{"status":200}}]}}`,
		"too large":    strings.Repeat(" ", MaxHARBytes+1),
		"truncated":    `{"log":{"entries":[{"request":{"url":"https://a.example/"`,
	} {
		if _, err := ExchangeFromHAR([]byte(data)); !errors.Is(err, ErrBadHAR) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestExchangeFromHARFollowsRedirects(t *testing.T) {
	data := `{"log":{"entries":[
	 {"request":{"url":"http://portal.example/"},"response":{"status":301,"headers":[{"name":"Location","value":"https://portal.example/"}]}},
	 {"request":{"url":"https://portal.example/"},"response":{"status":302,"redirectURL":"/vi/","headers":[{"name":"Strict-Transport-Security","value":"max-age=31536000"}]}},
	 {"request":{"url":"https://portal.example/vi/"},"response":{"status":200,"headers":[{"name":"Content-Type","value":"text/html"}],"content":{"text":"<html></html>"}}},
	 {"request":{"url":"https://portal.example/vi/","headers":[{"name":"Origin","value":"https://evil.example"}]},"response":{"status":200,"headers":[{"name":"Access-Control-Allow-Origin","value":"https://evil.example"},{"name":"Access-Control-Allow-Credentials","value":"true"}]}}
	]}}`
	ex, err := ExchangeFromHAR([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.HTTPChain) != 3 || ex.HTTPS.URL != "https://portal.example/" || ex.Final.URL != "https://portal.example/vi/" || ex.CORSOrigin != "https://evil.example" {
		t.Fatalf("exchange: chain %v https %v final %v origin %q", ex.HTTPChain, ex.HTTPS.URL, ex.Final.URL, ex.CORSOrigin)
	}
	if r := Redirection(ex); r.Result != "redirection-to-https" {
		t.Errorf("redirection: %s", r.Result)
	}
	if r := HSTS(ex); r.Result != "hsts-implemented-max-age-at-least-six-months" {
		t.Errorf("hsts: %s", r.Result)
	}
	if r := CrossOriginResourceSharing(ex); r.Result != "cross-origin-resource-sharing-implemented-with-universal-access" {
		t.Errorf("cors: %s", r.Result)
	}
	// A redirect loop ends instead of hanging.
	loop := `{"log":{"entries":[
	 {"request":{"url":"https://a.example/"},"response":{"status":302,"redirectURL":"https://a.example/b"}},
	 {"request":{"url":"https://a.example/b"},"response":{"status":302,"redirectURL":"https://a.example/"}}]}}`
	if _, err := ExchangeFromHAR([]byte(loop)); err != nil {
		t.Fatal(err)
	}
}

func FuzzExchangeFromHAR(f *testing.F) {
	f.Add([]byte(`{"log":{"entries":[{"request":{"url":"http://a.example/"},"response":{"status":301,"redirectURL":"https://a.example/"}},{"request":{"url":"https://a.example/"},"response":{"status":200,"content":{"text":"<script src=//x.example/a.js></script>"}}}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ex, err := ExchangeFromHAR(data)
		if err != nil {
			if !errors.Is(err, ErrBadHAR) {
				t.Fatalf("error does not wrap ErrBadHAR: %v", err)
			}
			return
		}
		for _, r := range ObservatoryHeaders(ex) {
			if _, ok := ScoreModifier(r.Result); !ok {
				t.Fatalf("unknown result %q", r.Result)
			}
		}
	})
}
