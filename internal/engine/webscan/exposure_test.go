package webscan

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
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

func TestListingDirs(t *testing.T) {
	for in, want := range map[string]string{"": "/", "/": "/", "/a": "/", "/a/": "/a/", "/a/b.jpg": "/a/", "/a/b/c/": "/a/b/c/", "/a//b/../c.png": "/a/"} {
		if got := dirOf(in); got != want {
			t.Errorf("dirOf(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"/a/b/": "/a/", "/a/": "/", "/": "/"} {
		if got := parentDir(in); got != want {
			t.Errorf("parentDir(%q) = %q, want %q", in, got, want)
		}
	}
	body := `<html><body><a href="/tin-tuc/2024/bai-1.html">a</a><img src="/wp-content/uploads/2024/05/anh.jpg">
		<a href="https://other.example/x/y.html">off-site</a><script src="static/js/app.js"></script><a href="mailto:a@b.c">m</a></body></html>`
	a := &assessment{ex: &Exchange{Final: &Response{URL: "https://portal.example.gov.vn/gioi-thieu/index.html", Body: body}}, exposedPaths: []string{"/.git/HEAD", "/.env"}}
	dirs := a.listingDirs()
	for _, want := range []string{"/", "/uploads/", "/.git/", "/gioi-thieu/", "/tin-tuc/2024/", "/wp-content/uploads/2024/05/", "/gioi-thieu/static/js/", "/wp-content/uploads/", "/wp-content/", "/tin-tuc/"} {
		if !slices.Contains(dirs, want) {
			t.Errorf("%s not looked at: %v", want, dirs)
		}
	}
	for _, d := range dirs {
		if strings.Contains(d, "other.example") || strings.Contains(d, "/x/") || !strings.HasPrefix(d, "/") || !strings.HasSuffix(d, "/") {
			t.Errorf("unexpected directory %q", d)
		}
	}
	var many strings.Builder
	for i := range 200 {
		fmt.Fprintf(&many, `<a href="/d%d/p.html">x</a>`, i)
	}
	a = &assessment{ex: &Exchange{Final: &Response{URL: "https://portal.example.gov.vn/", Body: many.String()}}}
	if n := len(a.listingDirs()); n != maxListingDirs {
		t.Errorf("%d directories, want the cap %d", n, maxListingDirs)
	}
}

// TestListingUnderLinkedDirectory: a listing in a directory only the
// page's links reveal, and in the directory of an exposed file, is found.
func TestListingUnderLinkedDirectory(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Write([]byte(`<html><body><img src="/media/2024/anh.jpg"><a href="/van-ban/qd-1.pdf">QĐ</a></body></html>`))
		case "/media/2024/":
			w.Write([]byte(`<html><head><title>Index of /media/2024/</title></head><body><a href="anh.jpg">anh.jpg</a></body></html>`))
		case "/.git/HEAD":
			w.Write([]byte("ref: refs/heads/main\n"))
		case "/.git/":
			w.Write([]byte(`<html><head><title>Index of /.git/</title></head><body><a href="HEAD">HEAD</a></body></html>`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer ts.Close()
	rep, err := Assess(context.Background(), ts.URL+"/", Options{RootCAs: pool(ts), AllowPrivate: true, Timeout: 10 * time.Second, HTTPPort: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := checksByID(rep)[string(ExposedDirectoryListing)]
	if c.Result != Fail || !strings.Contains(c.Evidence, "/media/2024/") || !strings.Contains(c.Evidence, "/.git/") {
		t.Errorf("listing: %s %q", c.Result, c.Evidence)
	}
}
