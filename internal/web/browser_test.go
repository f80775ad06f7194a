package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	// The menu's groups are shown as a bar; a group opens as a dropdown.
	if vis := c.eval(`document.querySelector(".menu nav details.group summary").getClientRects().length > 0`); vis != true {
		t.Error("menu groups hidden on a laptop screen")
	}
	c.eval(`document.querySelector(".menu nav details.group summary").click(); true`)
	if vis := c.eval(`document.querySelector(".menu nav a[href='/systems']").getClientRects().length > 0`); vis != true {
		t.Error("menu links hidden on a laptop screen once their group is opened")
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
	if code, body := w.api("admin", "GET", fmt.Sprintf("/api/v1/systems/%d", w.sysA.ID), nil); code != 200 || !strings.Contains(string(body), `"archived_at":null`) {
		t.Errorf("system deleted (archived) although the confirmation was refused")
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
	if !strings.Contains(report, "không dòng nào được ghi") || !strings.Contains(report, "Địa chỉ web, dòng 1") || strings.Contains(report, "urls[0]") || !strings.Contains(report, "3") {
		t.Errorf("import report: %q", report)
	}
	if _, body := w.api("admin", "GET", "/api/v1/systems?q=cong+moi", nil); !strings.Contains(string(body), `"total":0`) {
		t.Errorf("a refused import wrote rows: %s", body)
	}
	c.screenshot("import-report")
	// Web portals: the list with grades and trends, a site's page with its
	// chart, "scan now", a scan's report, and the public label page.
	c.open(w.ts.URL + "/sites")
	if g := c.eval(`document.querySelector("td .grade").textContent`); g != "A+" {
		t.Errorf("site list grade %v", g)
	}
	if n := c.eval(`document.querySelectorAll("td.trend .grade").length`); n != float64(2) {
		t.Errorf("trend marks %v", n)
	}
	c.open(fmt.Sprintf("%s/sites/%d", w.ts.URL, w.siteA.ID))
	// Grade history (two assessments: C then A+), uptime and latency, each
	// an SVG drawn in the page with its text equivalent; the latency and
	// uptime of a site never probed say "no data", not 0 %.
	if n := c.eval(`document.querySelectorAll("figure.chart-figure").length`); n != float64(3) {
		t.Errorf("charts on the site page: %v, want 3", n)
	}
	if n := c.eval(`document.querySelectorAll("svg.chart-history circle").length`); n == float64(0) {
		t.Errorf("grade history drawn without its points")
	}
	if got := c.eval(`document.querySelector("svg.chart-uptime") ? document.querySelector("svg.chart-uptime").closest("figure").textContent : ""`); !strings.Contains(fmt.Sprint(got), "Chưa có dữ liệu") {
		t.Errorf("uptime of a site never probed: %q", got)
	}
	c.screenshot("site")
	// An agency officer sees the findings on its site and may ask for a
	// new scan of it (to see a fix), but not change its settings.
	if n := c.eval(`document.querySelectorAll("form[action$='/scan']").length`); n != float64(1) {
		t.Error("an agency officer has no scan button on its own site")
	}
	if n := c.eval(`document.querySelectorAll("form[action$='/settings']").length`); n != float64(0) {
		t.Error("an agency officer sees the settings form")
	}
	if f := fmt.Sprint(c.eval(`document.querySelector("ul.findings").innerText`)); !strings.Contains(f, "dns.caa") {
		t.Errorf("open findings on the site page: %q", f)
	}
	c.open(fmt.Sprintf("%s/scans/%d", w.ts.URL, w.scanA))
	if n := c.eval(`document.querySelectorAll("section.check").length`); n != float64(6) {
		t.Errorf("report shows %v checks", n)
	}
	if d := fmt.Sprint(c.eval(`document.querySelector(".diff").innerText`)); !strings.Contains(d, "dns.caa") {
		t.Errorf("diff: %q", d)
	}
	c.screenshot("scan-report")
	c.open(w.ts.URL + "/trust/" + w.labelA)
	if v := c.eval(`document.querySelector(".verdict").textContent.trim()`); v != "Hợp lệ" {
		t.Errorf("public verdict %v", v)
	}
	c.screenshot("trust-public")
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
	// An analyst asks for a scan now.
	c.open(w.ts.URL + "/")
	c.eval(`document.querySelector("form[action='/logout']").submit()`)
	c.waitLoaded()
	c.eval(`document.querySelector("input[name=username]").value = "analyst";
		document.querySelector("input[name=password]").value = "` + testPassword + `";
		document.querySelector("main form").submit()`)
	c.waitLoaded()
	c.open(fmt.Sprintf("%s/sites/%d", w.ts.URL, w.siteA.ID))
	c.eval(`document.querySelector("form[action$='/scan'] button").click()`)
	c.waitLoaded()
	if flash := fmt.Sprint(c.eval(`document.querySelector(".flash") && document.querySelector(".flash").textContent`)); !strings.Contains(flash, "xếp lịch") || len(w.queued) != 1 || w.queued[0] == w.scanA {
		t.Errorf("scan now: flash %q, queued %v", flash, w.queued)
	}
	// With the scan queued the page says so and reloads itself (a marker
	// set in this document is gone once it has).
	if c.eval(`!!document.querySelector("[data-refresh]")`) != true {
		t.Error("a queued scan: no self-updating notice on the site page")
	}
	c.eval(`window.khienBefore = 1`)
	reloaded := false
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if c.eval(`typeof window.khienBefore === "undefined" && document.readyState === "complete"`) == true {
			reloaded = true
			break
		}
	}
	if !reloaded {
		t.Error("the site page with a queued scan did not reload itself")
	}
	// English.
	c.open(w.ts.URL + "/lang/en?next=%2F")
	if h1 := c.eval(`document.querySelector("h1").textContent`); h1 != "Dashboard" {
		t.Errorf("English dashboard heading %q", h1)
	}
	if p := c.problems(); len(p) > 0 {
		t.Errorf("browser console reported problems:\n%s", strings.Join(p, "\n"))
	}
}
