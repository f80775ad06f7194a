package webscan

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func pageExchange(url, body string) *Exchange {
	r := &Response{URL: url, Status: 200, Header: http.Header{"Content-Type": {"text/html"}}, Body: body, Verified: true}
	return &Exchange{Final: r, HTTPS: r, CORS: r}
}

func TestContentChecks(t *testing.T) {
	cases := []struct {
		name, url, body string
		want            map[string]string
		capped          bool
	}{
		{"clean page", "https://portal.example/", `<html><head><title>Cổng thông tin</title></head><body><a href="/tin-tuc">Tin tức</a><img src="/logo.png"></body></html>`,
			map[string]string{"content.injected-links": Pass, "content.defacement": Pass, "content.mixed": Pass}, false},
		{"links hidden by display:none", "https://portal.example/", `<body><div style="display:none"><a href="https://nhacai.example/">Nhà cái uy tín</a></div></body>`,
			map[string]string{"content.injected-links": Fail}, true},
		{"off-screen, no diacritics", "https://portal.example/", `<body><p style="position:absolute; left:-9999px">soi keo bong da <a href="https://x.example/">tai day</a></p></body>`,
			map[string]string{"content.injected-links": Fail}, true},
		{"zero font size, brand in the address", "https://portal.example/", `<body><span style="font-size:0px"><a href="https://fb88-vn.example/">xem them</a></span></body>`,
			map[string]string{"content.injected-links": Fail}, true},
		{"zero-size box", "https://portal.example/", `<body><div style="height:0;overflow:hidden"><a href="https://a.example/">Tài xỉu online</a></div></body>`,
			map[string]string{"content.injected-links": Fail}, true},
		{"hidden attribute, text only", "https://portal.example/", `<body><div hidden>Cá cược thể thao khuyến mãi</div></body>`,
			map[string]string{"content.injected-links": Fail}, true},
		{"defaced", "https://portal.example/", `<html><head><title>Hacked by Anonymous</title></head><body><h1>Your security is low</h1></body></html>`,
			map[string]string{"content.defacement": Fail}, true},
		{"mixed active content", "https://portal.example/", `<head><script src="http://cdn.example/a.js"></script></head><body><img src="http://cdn.example/a.png"></body>`,
			map[string]string{"content.mixed": Fail}, false},
		{"mixed passive content", "https://portal.example/", `<body><img src="http://cdn.example/a.png"></body>`,
			map[string]string{"content.mixed": Warn}, false},
		{"invalid HTML does not crash", "https://portal.example/", "<html><body><div style='display:none'><a href=\"https://x.example\">nha cai<<<</div></a></p></table>\x00",
			map[string]string{"content.injected-links": Fail}, true},
	}
	for _, c := range cases {
		checks, caps := ContentChecks(pageExchange(c.url, c.body), nil, nil)
		got := map[string]Check{}
		for _, ch := range checks {
			got[ch.ID] = ch
		}
		for id, want := range c.want {
			if got[id].Result != want {
				t.Errorf("%s: %s = %s (%s), want %s", c.name, id, got[id].Result, got[id].Evidence, want)
			}
		}
		if (len(caps) > 0) != c.capped {
			t.Errorf("%s: caps %v, want capped=%v", c.name, caps, c.capped)
		}
	}
}

// TestCloaking: a server that shows gambling links only to search-engine
// crawlers is caught by fetching the page both ways.
func TestCloaking(t *testing.T) {
	ts := exposureServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		if strings.Contains(r.UserAgent(), "Googlebot") {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<html><body><p>Cổng thông tin</p><a href="https://kubet.example/">Nhà cái KUBET</a></body></html>`)
			return
		}
		strictHandler(w, r)
	})
	rep, err := Assess(context.Background(), ts.URL+"/", Options{RootCAs: pool(ts), AllowPrivate: true, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c := checksByID(rep)["content.injected-links"]
	if c.Result != Fail || !strings.Contains(c.Evidence, "cloaking") || rep.Grade != "F" {
		t.Fatalf("cloaked site: %s %q grade %s", c.Result, c.Evidence, rep.Grade)
	}
}

func FuzzReadPage(f *testing.F) {
	f.Add(`<div style="display:none"><a href="https://x.example">nha cai</a></div>`)
	f.Fuzz(func(t *testing.T, body string) {
		checks, _ := ContentChecks(pageExchange("https://p.example/", body), nil, nil)
		if len(checks) != 3 {
			t.Fatalf("%d checks", len(checks))
		}
	})
}

// TestNoFalseAlarmsOnOrdinaryPortals: the state lottery's results, an
// "owned by" notice and ordinary news raise nothing; the same lottery
// words hidden in the page still do, and so does SEO spam in English.
func TestNoFalseAlarmsOnOrdinaryPortals(t *testing.T) {
	clean := `<html><head><title>Cổng thông tin tỉnh</title></head><body>
<a href="https://xosokienthiet.example/ket-qua">Kết quả xổ số kiến thiết Sông Lam</a>
<p>This website is owned by the Provincial People's Committee. Visitors were here 1,204 times today.</p></body></html>`
	checks, caps := ContentChecks(pageExchange("https://portal.example/", clean), nil, nil)
	for _, c := range checks {
		if c.Result != Pass {
			t.Errorf("%s = %s (%s)", c.ID, c.Result, c.Evidence)
		}
	}
	if len(caps) != 0 {
		t.Errorf("caps %v", caps)
	}
	for _, body := range []string{
		`<body><div style="display:none"><a href="https://x.example/">xổ số online uy tín</a></div></body>`,
		`<body><div style="position:absolute;left:-5000px"><a href="https://x.example/">slot gacor maxwin</a></div></body>`,
	} {
		checks, _ := ContentChecks(pageExchange("https://portal.example/", body), nil, nil)
		if checks[0].ID != "content.injected-links" || checks[0].Result != Fail {
			t.Errorf("hidden spam not found in %q: %+v", body, checks[0])
		}
	}
}
