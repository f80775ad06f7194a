package webscan

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func exposureServer(t *testing.T, handler http.HandlerFunc) *httptest.Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(handler)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts
}

func TestExposures(t *testing.T) {
	leaky := exposureServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "Apache/2.4.41 (Ubuntu)")
		w.Header().Set("X-Powered-By", "PHP/7.4.3")
		switch r.URL.Path {
		case "/.git/HEAD":
			io.WriteString(w, "ref: refs/heads/main\n")
		case "/.env":
			io.WriteString(w, "APP_ENV=production\nDB_PASSWORD=hunter2\n")
		case "/uploads/":
			io.WriteString(w, "<html><head><title>Index of /uploads</title></head><body><h1>Index of /uploads</h1></body></html>")
		case "/":
			if r.Method == "TRACE" {
				w.Header().Set("Content-Type", "message/http")
				io.WriteString(w, "TRACE / HTTP/1.1\r\n")
				return
			}
			strictHandler(w, r)
		default:
			http.NotFound(w, r)
		}
	})
	// A soft-404 site: every path answers 200 with the same page, even
	// paths whose real files would be findings.
	soft := exposureServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/security.txt" {
			io.WriteString(w, "Contact: mailto:attt@portal.example\nExpires: "+time.Now().Add(200*24*time.Hour).UTC().Format(time.RFC3339)+"\n")
			return
		}
		strictHandler(w, r)
	})
	cases := []struct {
		name  string
		ts    *httptest.Server
		want  map[string]string
		grade string
	}{
		{"exposed .git and .env", leaky, map[string]string{"exposed.files": Fail, "exposed.directory-listing": Fail, "http.methods": Fail, "leak.server-version": Warn, "security.txt": Info}, "F"},
		{"soft 404 gives no false alarm", soft, map[string]string{"exposed.files": Pass, "exposed.directory-listing": Pass, "http.methods": Pass, "leak.server-version": Pass, "security.txt": Pass}, "A+"},
	}
	for _, c := range cases {
		rep, err := Assess(context.Background(), c.ts.URL+"/", Options{RootCAs: pool(c.ts), AllowPrivate: true, Timeout: 20 * time.Second})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := checksByID(rep)
		for id, want := range c.want {
			if got[id].Result != want {
				t.Errorf("%s: %s = %s (%s), want %s", c.name, id, got[id].Result, got[id].Evidence, want)
			}
		}
		if rep.Grade != c.grade {
			t.Errorf("%s: grade %s, want %s", c.name, rep.Grade, c.grade)
		}
	}
}

func TestLooksLikeEnv(t *testing.T) {
	for body, want := range map[string]bool{
		"APP_ENV=production\nDB_PASSWORD=x\n":                     true,
		"DB_CONNECTION=mysql\nDB_PORT=3306\nDB_DATABASE=portal\n": true,
		"export AWS_SECRET_ACCESS_KEY=abc\n":                      true,
		"NAME=x\n":                                                false,
		"<html><body>APP_KEY=x</body></html>":                     false,
		"Không tìm thấy trang":                                    false,
		"# comment only\n\n":                                      false,
	} {
		if got := looksLikeEnv([]byte(body)); got != want {
			t.Errorf("looksLikeEnv(%q) = %v", body, got)
		}
	}
}
