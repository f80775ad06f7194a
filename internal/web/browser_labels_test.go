package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
)

// TestLabelPolicyInChromium: an admin edits the label policy in a real
// browser: the form lists every check id the scanner has (from its
// registry), a misspelt id is refused with the valid ones named, on a
// laptop and a phone, in Vietnamese and English.
func TestLabelPolicyInChromium(t *testing.T) {
	w := newWorld(t, "sqlite")
	c := startChrome(t)
	c.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": 1366, "height": 850, "deviceScaleFactor": 1, "mobile": false})
	c.open(w.ts.URL + "/login")
	c.eval(`document.querySelector("input[name=username]").value = "admin";
		document.querySelector("input[name=password]").value = "` + testPassword + `";
		document.querySelector("main form").submit()`)
	c.waitLoaded()
	// The login's redirect may still be on its way: wait until it lands.
	for i := 0; i < 100 && c.eval("location.pathname") == "/login"; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	if path := c.eval("location.pathname"); path != "/" {
		t.Fatalf("after login: %v", path)
	}
	for _, lang := range []string{"vi", "en"} {
		c.open(w.ts.URL + "/lang/" + lang + "?next=%2Flabels")
		c.eval(`document.querySelectorAll("main details").forEach(d => d.open = true); true`)
		if n := c.eval(`document.querySelectorAll(".check-ids li").length`); n != float64(len(webscan.Checks())) {
			t.Errorf("%s: the form lists %v check ids, the scanner has %d", lang, n, len(webscan.Checks()))
		}
		title := webscan.Checks()[0].Title
		if lang == "en" {
			title = webscan.Checks()[0].TitleEN
		}
		if li := fmt.Sprint(c.eval(`document.querySelector(".check-ids li").innerText`)); !strings.Contains(li, "https.available") || !strings.Contains(li, title) {
			t.Errorf("%s: first listed check %q", lang, li)
		}
		c.screenshot("labels-policy-" + lang)
		c.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true})
		c.open(w.ts.URL + "/labels")
		c.eval(`document.querySelectorAll("main details").forEach(d => d.open = true); true`)
		if over := c.eval(`document.documentElement.scrollWidth > window.innerWidth + 1`); over != false {
			t.Errorf("%s: labels page wider than a phone (%v px)", lang, c.eval(`document.documentElement.scrollWidth`))
		}
		c.screenshot("labels-policy-phone-" + lang)
		// A misspelt id: refused, the valid ids named.
		c.eval(`document.querySelector("textarea[name=critical_checks]").value = "tls.certficate"; document.querySelector("textarea[name=critical_checks]").form.submit()`)
		c.waitLoaded()
		body := fmt.Sprint(c.eval(`document.querySelector("main").innerText`))
		want := "mã hợp lệ"
		if lang == "en" {
			want = "valid ids"
		}
		if !strings.Contains(body, "tls.certficate") || !strings.Contains(body, want) || !strings.Contains(body, "tls.certificate.expiry") {
			t.Errorf("%s: refusal page: %q", lang, body)
		}
		c.screenshot("labels-policy-refused-phone-" + lang)
		c.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": 1366, "height": 850, "deviceScaleFactor": 1, "mobile": false})
	}
	if p := c.problems(); len(p) > 0 {
		t.Errorf("browser console reported problems:\n%s", strings.Join(p, "\n"))
	}
}
