package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestRedirectInChromium follows crafted `next` targets in a real browser,
// which strips tab and newline and reads '\' as '/', and checks it stays on
// the test server. The "other site" is a second local server, so a redirect
// that escapes is seen without any DNS lookup.
func TestRedirectInChromium(t *testing.T) {
	w := newWorld(t, "sqlite")
	var visits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		visits.Add(1)
		rw.Write([]byte("<!doctype html><title>other site</title>"))
	}))
	t.Cleanup(other.Close)
	host := strings.TrimPrefix(other.URL, "http://")
	c := startChrome(t)
	onSite := func(step string) {
		t.Helper()
		if origin := c.eval("location.origin"); origin != w.ts.URL {
			t.Errorf("%s: browser left for %v, want to stay on %s", step, origin, w.ts.URL)
		}
	}
	for _, next := range []string{"/%09/" + host + "/", "/%0A/" + host + "/", "/%0D%0A/" + host + "/", "/%5C" + host + "/", "%5C%5C" + host + "/", "//" + host + "/"} {
		c.open(w.ts.URL + "/lang/en?next=" + next)
		onSite("/lang/en?next=" + next)
	}
	c.open(w.ts.URL + "/login?next=/%09/" + host + "/")
	loginAs(t, c, "analyst")
	onSite("login with next=/%09/" + host + "/")
	if path := c.eval("location.pathname"); path != "/" {
		t.Errorf("after login the browser is at %v, want /", path)
	}
	// A local target survives the round trip through the login form.
	c.open(w.ts.URL + "/")
	c.eval(`document.querySelector("form[action='/logout']").submit()`)
	c.waitLoaded()
	c.open(w.ts.URL + "/login?next=%2Fsystems%3Fq%3Da%2Bb%26page%3D2")
	loginAs(t, c, "analyst")
	onSite("login with a local next")
	if got := c.eval("location.pathname + location.search"); got != "/systems?q=a+b&page=2" {
		t.Errorf("after login with a local next the browser is at %v", got)
	}
	if n := visits.Load(); n != 0 {
		t.Errorf("the browser reached the other site %d times", n)
	}
	// Chromium also refuses a login form redirected off-site (CSP
	// form-action 'self'): such a refusal is a failure here too.
	if p := c.problems(); len(p) > 0 {
		t.Errorf("browser console reported problems:\n%s", strings.Join(p, "\n"))
	}
}

// loginAs fills in and sends the login form on the open page and waits
// (a few seconds at most) until the browser has left the login page.
func loginAs(t *testing.T, c *chrome, user string) {
	t.Helper()
	c.eval(`document.querySelector("input[name=username]").value = "` + user + `";
		document.querySelector("input[name=password]").value = "` + testPassword + `";
		document.querySelector("main form").submit()`)
	for deadline := time.Now().Add(5 * time.Second); c.eval("location.pathname") == "/login" && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	c.waitLoaded()
}
