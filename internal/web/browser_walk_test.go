package web_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/testkit/need"
)

// screen is a size the walk looks at pages on.
type screen struct {
	name          string
	width, height int
	mobile        bool
}

var walkScreens = []screen{{"laptop", 1366, 850, false}, {"phone", 390, 844, true}}

// maxPageBytes is the most a page may weigh: its HTML, CSS, JavaScript
// and SVG together, uncompressed.
const maxPageBytes = 100 << 10

// pageCheckJS looks at the rendered page and reports, as JSON: the page's
// width against the screen's, the words whose letters fall on two lines
// (a word cut in the middle), and the bytes the page and its resources
// weigh. Words are runs of letters between spaces and hyphens; machine
// values (URLs, host names, codes, hashes) may break anywhere and are
// left out: code, pre, textarea, select, and words holding / : . @ _ # =.
const pageCheckJS = `(() => {
  const top = document.querySelector("header.top");
  const out = {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, clientWidth: document.documentElement.clientWidth, broken: [], bytes: 0, resources: [],
    headerHeight: top ? Math.round(top.getBoundingClientRect().height) : 0};
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walker.nextNode())) {
    const el = n.parentElement;
    if (!el || el.closest("code,pre,textarea,select,script,style,.secret")) continue;
    if (!el.getClientRects().length) continue;
    const re = /[^\s\-\u2013\u2014]+/g;
    let m;
    while ((m = re.exec(n.data))) {
      const word = m[0];
      if (word.length < 2 || /[\/:.@_#=?&]/.test(word)) continue;
      const r = document.createRange();
      r.setStart(n, m.index);
      r.setEnd(n, m.index + word.length);
      const tops = new Set([...r.getClientRects()].filter(x => x.width > 0.5).map(x => Math.round(x.bottom)));
      if (tops.size > 1) out.broken.push(word + " (in <" + el.tagName.toLowerCase() + (el.className ? "." + el.className : "") + ">)");
    }
  }
  const nav = performance.getEntriesByType("navigation")[0];
  out.bytes = nav ? nav.decodedBodySize : 0;
  for (const e of performance.getEntriesByType("resource")) {
    out.bytes += e.decodedBodySize;
    out.resources.push(e.name.replace(location.origin, "") + " " + e.decodedBodySize);
  }
  return JSON.stringify(out);
})()`

// axeJS runs axe-core on the page and returns its serious and critical
// violations as JSON.
const axeJS = `(async () => {
  if (!window.axe) return JSON.stringify([{id: "axe-missing", impact: "critical", help: "axe-core was not injected", nodes: []}]);
  const r = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]});
  return JSON.stringify(r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + ": " + (n.failureSummary || "").split("\n").slice(0, 2).join(" "))})));
})()`

// axeSource is axe-core's minified script: $KHIEN_TEST_AXE (scripts/test.sh
// unpacks the npm package into a cache and sets it).
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("KHIEN_TEST_AXE")
	if path == "" {
		need.Skip(t, "no axe-core: set KHIEN_TEST_AXE to axe.min.js (scripts/test.sh fetches it with npm pack axe-core)")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		need.Skip(t, "axe-core at %s: %v", path, err)
	}
	return string(raw)
}

type pageCheck struct {
	ScrollWidth, InnerWidth int
	ClientWidth             int
	HeaderHeight            int
	Broken                  []string
	Bytes                   int
	Resources               []string
}

type axeViolation struct {
	ID, Impact, Help string
	Nodes            []string
}

// TestEveryPageInChromium walks every page for every role, in Vietnamese
// and English, on a laptop (1366×850) and a phone (390×844) screen, and
// fails when a page is wider than the phone, cuts a word across two
// lines, logs a console error or CSP violation, weighs over 100 KB, or
// has a serious or critical accessibility violation (axe-core, WCAG 2.1
// A and AA). Screenshots go to $KHIEN_SCREENSHOTS/walk when it is set.
func TestEveryPageInChromium(t *testing.T) {
	axe := axeSource(t)
	w := newWorld(t, "sqlite")
	seedWalk(t, w)
	c := startChrome(t)
	c.callInto(c.session, "Page.addScriptToEvaluateOnNewDocument", map[string]any{"source": axe}, nil)
	shots := os.Getenv("KHIEN_SCREENSHOTS")
	if shots != "" {
		shots = filepath.Join(shots, "walk")
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	weights := map[string]int{}
	pages := 0
	var tVisit, tAxe time.Duration
	roles := roleLabels
	if only := os.Getenv("KHIEN_WALK_ROLES"); only != "" {
		roles = strings.Split(only, ",") // to look at a few roles' screenshots
	}
	only := regexp.MustCompile(os.Getenv("KHIEN_WALK_PAGES")) // a few pages' screenshots; empty: all
	for _, role := range roles {
		c.call("Network.clearBrowserCookies", nil)
		if role != "anonymous" {
			c.open(w.ts.URL + "/login")
			loginAs(t, c, role)
		}
		for _, lang := range []string{"vi", "en"} {
			c.open(w.ts.URL + "/lang/" + lang + "?next=%2Flogin")
			for _, sc := range walkScreens {
				c.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": sc.width, "height": sc.height, "deviceScaleFactor": 1, "mobile": sc.mobile})
				for _, p := range walkPages() {
					path := p.path(w, role)
					if path == "" || !only.MatchString(p.name) {
						continue
					}
					where := fmt.Sprintf("%s as %s in %s on a %s (%s)", p.name, role, lang, sc.name, path)
					mark := c.mark()
					t0 := time.Now()
					c.visit(w.ts.URL + path)
					tVisit += time.Since(t0)
					pages++
					var pc pageCheck
					if err := json.Unmarshal([]byte(fmt.Sprint(c.eval(pageCheckJS))), &pc); err != nil {
						t.Fatalf("%s: %v", where, err)
					}
					// A phone's browser widens its viewport to a page that
					// overflows (innerWidth grows with it): compare with the
					// screen's width, not innerWidth.
					if sc.mobile && (pc.ScrollWidth > sc.width || pc.InnerWidth > sc.width) {
						t.Errorf("%s: the page is %d px wide on a %d px screen", where, max(pc.ScrollWidth, pc.InnerWidth), sc.width)
					}
					if pc.ScrollWidth > pc.ClientWidth {
						t.Errorf("%s: the page scrolls sideways (%d px in %d)", where, pc.ScrollWidth, pc.ClientWidth)
					}
					// On a laptop the menu is one bar, in both languages.
					if !sc.mobile && pc.HeaderHeight > 64 {
						t.Errorf("%s: the menu bar wraps (%d px high)", where, pc.HeaderHeight)
					}
					if len(pc.Broken) > 0 {
						t.Errorf("%s: words cut across lines: %s", where, strings.Join(pc.Broken, ", "))
					}
					if pc.Bytes > maxPageBytes {
						t.Errorf("%s: the page weighs %d bytes (over %d): %s", where, pc.Bytes, maxPageBytes, strings.Join(pc.Resources, "; "))
					}
					if pc.Bytes > weights[p.name] {
						weights[p.name] = pc.Bytes
					}
					var vs []axeViolation
					t0 = time.Now()
					res := c.eval(axeJS)
					tAxe += time.Since(t0)
					if err := json.Unmarshal([]byte(fmt.Sprint(res)), &vs); err != nil {
						t.Fatalf("%s: axe: %v", where, err)
					}
					for _, v := range vs {
						t.Errorf("%s: accessibility (%s, %s): %s %v", where, v.Impact, v.ID, v.Help, v.Nodes)
					}
					// The page's own status (a 404, a 409 the walk asks for)
					// is no problem; anything else the console says is.
					var problems []string
					for _, p := range c.problemsSince(mark) {
						if !strings.Contains(p, `"url":"`+w.ts.URL+path+`"`) {
							problems = append(problems, p)
						}
					}
					if len(problems) > 0 {
						t.Errorf("%s: browser console:\n%s", where, strings.Join(problems, "\n"))
					}
					if shots != "" {
						name := strings.NewReplacer(" ", "-", "/", "-").Replace(fmt.Sprintf("%s-%s-%s-%s", p.name, role, lang, sc.name))
						c.screenshot(filepath.Join("walk", name))
					}
				}
			}
		}
	}
	names := make([]string, 0, len(weights))
	for n := range weights {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return weights[names[i]] > weights[names[j]] })
	var heaviest []string
	for _, n := range names[:min(5, len(names))] {
		heaviest = append(heaviest, fmt.Sprintf("%s %.1f KB", n, float64(weights[n])/1024))
	}
	t.Logf("walked %d page views in %s (loading %s, axe-core %s); heaviest: %s", pages, time.Since(start).Round(time.Second),
		tVisit.Round(time.Second), tAxe.Round(time.Second), strings.Join(heaviest, ", "))
}

// TestKeyboardMenu: with the keyboard alone, a person reaches the skip
// link, opens a menu group and follows one of its links, and each focused
// control shows a visible focus ring.
func TestKeyboardMenu(t *testing.T) {
	w := newWorld(t, "sqlite")
	c := startChrome(t)
	c.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": 1366, "height": 850, "deviceScaleFactor": 1, "mobile": false})
	c.open(w.ts.URL + "/login")
	loginAs(t, c, "analyst")
	c.visit(w.ts.URL + "/")
	key := func(k, code string, vk int) {
		down := map[string]any{"type": "keyDown", "key": k, "code": code, "windowsVirtualKeyCode": vk}
		if k == "Enter" {
			down["text"] = "\r"
		}
		c.call("Input.dispatchKeyEvent", down)
		c.call("Input.dispatchKeyEvent", map[string]any{"type": "keyUp", "key": k, "code": code, "windowsVirtualKeyCode": vk})
	}
	focused := func() string {
		return fmt.Sprint(c.eval(`(() => { const e = document.activeElement; const s = getComputedStyle(e);
			return e.tagName + "|" + (e.textContent || "").trim() + "|" + s.outlineStyle + "|" + s.outlineWidth })()`))
	}
	key("Tab", "Tab", 9)
	if f := focused(); !strings.HasPrefix(f, "A|Bỏ qua") {
		t.Errorf("first Tab: %s, want the skip link", f)
	}
	// Tab to the "Giám sát" group and open it with Enter.
	found := false
	for i := 0; i < 8 && !found; i++ {
		key("Tab", "Tab", 9)
		found = strings.HasPrefix(focused(), "SUMMARY|Giám sát")
	}
	if !found {
		t.Fatalf("the monitoring group is not reachable by Tab; focus on %s", focused())
	}
	if f := focused(); strings.Contains(f, "|none|") || strings.HasSuffix(f, "|0px") {
		t.Errorf("no visible focus on the menu group: %s", f)
	}
	key("Enter", "Enter", 13)
	if open := c.eval(`document.activeElement.parentElement.open`); open != true {
		t.Fatal("Enter does not open the group")
	}
	key("Tab", "Tab", 9)
	if f := focused(); !strings.HasPrefix(f, "A|Cổng thông tin") {
		t.Fatalf("after opening the group, Tab goes to %s", f)
	}
	key("Enter", "Enter", 13)
	c.waitLoaded()
	if path := c.eval("location.pathname"); path != "/sites" {
		t.Errorf("Enter on the link led to %v", path)
	}
	if p := c.problems(); len(p) > 0 {
		t.Errorf("browser console reported problems:\n%s", strings.Join(p, "\n"))
	}
}
