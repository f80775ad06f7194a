package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUIInChromium logs in through a real browser, walks the main pages on
// a laptop and a phone screen, and checks that the stylesheet and script
// load under the CSP with no console error or CSP violation.
func TestUIInChromium(t *testing.T) {
	w := newWorld(t, "sqlite")
	c := startChrome(t)
	c.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": 1280, "height": 860, "deviceScaleFactor": 1, "mobile": false})
	c.open(w.ts.URL + "/")
	if path := c.eval("location.pathname"); path != "/login" {
		t.Fatalf("anonymous visit went to %v, want /login", path)
	}
	c.screenshot("login")
	c.eval(`document.querySelector("input[name=username]").value = "agencyA";
		document.querySelector("input[name=password]").value = "` + testPassword + `";
		document.querySelector("main form").submit()`)
	c.waitLoaded()
	if path := c.eval("location.pathname"); path != "/" {
		t.Fatalf("after login: %v", path)
	}
	if h1 := c.eval(`document.querySelector("h1").textContent`); h1 != "Tổng quan" {
		t.Errorf("dashboard heading %q", h1)
	}
	// The stylesheet applied: the header has Khiên's colour.
	if bg := c.eval(`getComputedStyle(document.querySelector("header")).backgroundColor`); bg != "rgb(11, 37, 69)" {
		t.Errorf("stylesheet not applied: header background %v", bg)
	}
	if vis := c.eval(`document.querySelector(".menu nav a[href='/systems']").getClientRects().length > 0`); vis != true {
		t.Error("menu links hidden on a laptop screen")
	}
	c.screenshot("dashboard")
	// The agency officer's list holds A's system, not B's.
	c.open(w.ts.URL + "/systems")
	text := fmt.Sprint(c.eval(`document.querySelector("main").innerText`))
	if !strings.Contains(text, "secretalpha") || strings.Contains(text, "secretbeta") {
		t.Errorf("systems page for agencyA: %q", text)
	}
	c.screenshot("systems")
	// The script runs under the CSP: a refused confirmation keeps the system.
	c.open(fmt.Sprintf("%s/systems/%d", w.ts.URL, w.sysA.ID))
	c.eval(`window.confirm = () => false; document.querySelector("form.confirm button").click(); true`)
	c.waitLoaded()
	if path := c.eval("location.pathname"); path != fmt.Sprintf("/systems/%d", w.sysA.ID) {
		t.Errorf("delete went ahead without confirmation: now at %v", path)
	}
	if code, _ := w.api("admin", "GET", fmt.Sprintf("/api/v1/systems/%d", w.sysA.ID), nil); code != 200 {
		t.Errorf("system deleted although the confirmation was refused")
	}
	c.screenshot("system")
	// CSV import through the form: a file with one bad row writes nothing
	// and shows the report, line by line, in Vietnamese.
	csvPath := filepath.Join(t.TempDir(), "he-thong.csv")
	os.WriteFile(csvPath, []byte("\ufeffMã đơn vị,Tên hệ thống,Địa chỉ web\nA1,Cổng mới,https://moi.example/\nA1,Cổng hỏng,ftp://hong.example/\n"), 0o600)
	c.open(w.ts.URL + "/import")
	var doc struct{ Root struct{ NodeID int64 } }
	c.callInto(c.session, "DOM.getDocument", nil, &doc)
	var input struct{ NodeID int64 }
	c.callInto(c.session, "DOM.querySelector", map[string]any{"nodeId": doc.Root.NodeID, "selector": "input[type=file]"}, &input)
	c.call("DOM.setFileInputFiles", map[string]any{"files": []string{csvPath}, "nodeId": input.NodeID})
	c.eval(`document.querySelector("select[name=kind]").value = "systems"; document.querySelector("main form").submit()`)
	c.waitLoaded()
	report := fmt.Sprint(c.eval(`document.querySelector(".report").innerText`))
	if !strings.Contains(report, "không dòng nào được ghi") || !strings.Contains(report, "urls[0]") || !strings.Contains(report, "3") {
		t.Errorf("import report: %q", report)
	}
	if _, body := w.api("admin", "GET", "/api/v1/systems?q=cong+moi", nil); !strings.Contains(string(body), `"total":0`) {
		t.Errorf("a refused import wrote rows: %s", body)
	}
	c.screenshot("import-report")
	// On a phone the menu folds into a button and nothing overflows sideways.
	c.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true})
	c.open(w.ts.URL + "/systems")
	if d := c.eval(`getComputedStyle(document.querySelector(".menu summary")).display`); d == "none" {
		t.Error("menu button hidden on a phone")
	}
	if over := c.eval(`document.documentElement.scrollWidth > window.innerWidth + 1`); over != false {
		t.Errorf("page wider than a phone screen (%v px)", c.eval(`document.documentElement.scrollWidth`))
	}
	c.screenshot("systems-phone")
	// English.
	c.open(w.ts.URL + "/lang/en?next=%2F")
	if h1 := c.eval(`document.querySelector("h1").textContent`); h1 != "Dashboard" {
		t.Errorf("English dashboard heading %q", h1)
	}
	if p := c.problems(); len(p) > 0 {
		t.Errorf("browser console reported problems:\n%s", strings.Join(p, "\n"))
	}
}
