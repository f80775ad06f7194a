package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/net/html"

	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/web"
)

// walkPage is one page of the walks: its name and, for a role, its path
// (empty: the role does not see it as a page).
type walkPage struct {
	name string
	path func(w *world, role string) string
}

// walkPages are every HTML page the UI shows, taken from the role table
// (uiCases) with the pages each role gets (including its refusals and
// "not found" pages, which people read too), plus the pages only a post
// or a bad link shows.
func walkPages() []walkPage {
	var out []walkPage
	for _, c := range uiCases() {
		if c.method != "GET" || strings.Contains(c.name, "static") || strings.Contains(c.name, "badge") || strings.Contains(c.name, "csv") || strings.Contains(c.name, "json") {
			continue
		}
		c := c
		out = append(out, walkPage{name: c.name, path: func(w *world, role string) string {
			i := roleIndex(role)
			if c.want[i] == http.StatusSeeOther {
				return "" // a redirect: the page it leads to is walked itself
			}
			return c.path(w, role)
		}})
	}
	loggedIn := func(f func(w *world) string) func(*world, string) string {
		return func(w *world, role string) string {
			if role == "anonymous" {
				return ""
			}
			return f(w)
		}
	}
	out = append(out,
		walkPage{"agency A", loggedIn(func(w *world) string { return fmt.Sprintf("/agencies/%d", w.a.ID) })},
		walkPage{"system B", loggedIn(func(w *world) string { return fmt.Sprintf("/systems/%d", w.sysB.ID) })},
		walkPage{"site B", loggedIn(func(w *world) string { return fmt.Sprintf("/sites/%d", w.siteB.ID) })},
		walkPage{"audit filtered", loggedIn(func(w *world) string { return "/audit?action=label.grant" })},
		walkPage{"findings open", loggedIn(func(w *world) string { return "/findings" })},
		walkPage{"monitoring overview, worst first", loggedIn(func(w *world) string { return "/monitoring/overview" })},
	)
	return out
}

func roleIndex(role string) int {
	for i, r := range roleLabels {
		if r == role {
			return i
		}
	}
	panic("unknown role " + role)
}

// allowedTerms are words an English-reading or Vietnamese-reading person
// meets on either page: technical terms, units and product names.
var allowedTerms = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`TLS HTTPS HTTP CSP HSTS DNS SPF DMARC DKIM CAA URL URLs IP CSV API JSON TXT CIDR HMAC SVG HTML
		Markdown MDN Observatory ms p95 webhook Webhook e-mail E-mail Khiên ID CPE PURL IDN UTF BOM A B C D F`) {
		allowedTerms[strings.ToLower(w)] = true
	}
}

// englishWords are common English words of Khiên's English texts that
// are not Vietnamese words too: one of them in a Vietnamese page is
// English that escaped the translations.
var englishWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`the and of is are was not this that with your you yet from has have been save filter any search
		delete edit cancel create error run fail failed pass warn warning critical high medium low none open resolved unknown action
		object changes before after login session scan scans import update request label labels policy grant suspend revoke level
		sent by at for or site sites page checked until every days never details report link state status user role agency
		system systems yes menu log out dashboard findings monitoring trust valid expired suspended revoked granted name code
		queued running done requested scheduled imported approve reject verify verified pending rejected archived restore
		purge previous next urls idna disallowed rune`) {
		englishWords[w] = true
	}
}

// keyShape is a raw translation key ("site.title", "nav.group.watch").
var keyShape = regexp.MustCompile(`\b[a-z][a-z_]*\.[a-z][a-z_.-]*[a-z]\b`)

// keyPrefixes are the first parts of the translation keys.
var keyPrefixes = map[string]bool{}

func init() {
	for _, p := range strings.Fields(`nav dash field action systems agencies import users tokens audit error monitoring monitor policy
		sites site state scan origin result change findings labels label trust verification role hosting status kind sev channel
		err valid lang login account app`) {
		keyPrefixes[p] = true
	}
}

var wordRE = regexp.MustCompile(`[\p{L}][\p{L}'’-]*`)

// textProblems lists, for one rendered page in lang, the raw keys, the
// English words in a Vietnamese page and the Vietnamese words in an
// English page. Text marked translate="no" (user data: names, URLs,
// codes), in another lang, in code or pre, is not the page's language.
func textProblems(page []byte, lang string) []string {
	doc, err := html.Parse(strings.NewReader(string(page)))
	if err != nil {
		return []string{"unparsable page: " + err.Error()}
	}
	var out []string
	check := func(where, text string) {
		for _, k := range keyShape.FindAllString(text, -1) {
			if web.HasText(k) || keyPrefixes[strings.Split(k, ".")[0]] {
				out = append(out, fmt.Sprintf("raw key %q in %s", k, where))
			}
		}
		for _, word := range wordRE.FindAllString(text, -1) {
			lw := strings.ToLower(word)
			if allowedTerms[lw] {
				continue
			}
			switch lang {
			case "vi":
				if englishWords[lw] {
					out = append(out, fmt.Sprintf("English %q in %s: %q", word, where, strings.TrimSpace(text)))
				}
			case "en":
				if strings.ContainsFunc(word, vietnameseLetter) {
					out = append(out, fmt.Sprintf("Vietnamese %q in %s: %q", word, where, strings.TrimSpace(text)))
				}
			}
		}
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "style", "code", "pre", "textarea":
				return
			}
			for _, a := range n.Attr {
				switch {
				case a.Key == "translate" && a.Val == "no":
					return
				case a.Key == "lang" && a.Val != lang && n.Data != "html":
					return
				}
			}
			for _, a := range n.Attr {
				switch a.Key {
				case "title", "placeholder", "aria-label", "alt", "data-label", "data-confirm":
					check(n.Data+"@"+a.Key, a.Val)
				}
			}
		}
		if n.Type == html.TextNode {
			check(n.Parent.Data, n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

// vietnameseLetter is a letter only Vietnamese uses among Khiên's texts.
func vietnameseLetter(r rune) bool {
	return r == 'đ' || r == 'Đ' || (r >= 0xC0 && r <= 0x1EF9 && unicode.IsLetter(r))
}

// TestPagesSpeakOneLanguage renders every page for every role in both
// languages and fails on a raw translation key, an English word in the
// Vietnamese page or a Vietnamese one in the English page.
func TestPagesSpeakOneLanguage(t *testing.T) {
	w := newWorld(t, "sqlite")
	seedWalk(t, w)
	pages := 0
	for _, role := range roleLabels {
		b := w.browser(role)
		for _, lang := range []string{"vi", "en"} {
			b.setLang(lang)
			for _, p := range walkPages() {
				path := p.path(w, role)
				if path == "" {
					continue
				}
				_, body := b.get(path)
				if !strings.Contains(string(body), `<html lang="`+lang+`">`) {
					t.Errorf("%s as %s in %s: the page does not say lang=%q", p.name, role, lang, lang)
				}
				pages++
				for _, problem := range textProblems(body, lang) {
					t.Errorf("%s as %s in %s (%s): %s", p.name, role, lang, path, problem)
				}
			}
		}
	}
	if pages < 150 {
		t.Fatalf("walked only %d pages", pages)
	}
	t.Logf("%d pages checked", pages)
}

// setLang chooses the browser's language as the switch does.
func (b *browser) setLang(lang string) {
	b.w.t.Helper()
	if code, _ := b.get("/lang/" + lang + "?next=" + url.QueryEscape("/")); code != http.StatusSeeOther {
		b.w.t.Fatalf("language switch: %d", code)
	}
}

// seedWalk adds what the walks need beyond the world: an audit entry of
// each kind of the label flows, an alert-free maintenance window on A, a
// notification target, a pending site, a probe error with a resolver
// address in it.
func seedWalk(t *testing.T, w *world) {
	t.Helper()
	vulnFindingA("")(w, "admin") // a vulnerability finding on A, with its status form
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/maintenance", map[string]any{"site_id": w.siteA.ID, "starts_at": "2030-12-01T00:00:00Z", "ends_at": "2030-12-01T02:00:00Z", "reason": "nâng cấp máy chủ"}},
		{"POST", "/api/v1/notify-targets", map[string]any{"kind": "webhook", "address": "https://hooks.example/khien", "secret": "s3cret"}},
		{"POST", "/api/v1/labels/" + w.labelA + "/suspend", map[string]any{"reason": "kiểm tra lại"}},
		{"POST", "/api/v1/labels/" + w.labelA + "/restore", map[string]any{}},
		// Long values, as real registries have: a long name, a long URL
		// with no break in its path, a long officer's title.
		{"POST", "/api/v1/systems", map[string]any{"agency_id": w.a1.ID, "name": "Cổng thông tin điện tử Sở Tài nguyên và Môi trường tỉnh, chuyên mục thủ tục hành chính trực tuyến mức độ bốn",
			"urls": []string{"https://dichvucong.alpha.example/thutuchanhchinh/linhvucdatdai/capgiaychungnhanquyensudungdat/"}, "operator": "Trung tâm Công nghệ thông tin và Truyền thông"}},
		{"PATCH", fmt.Sprintf("/api/v1/agencies/%d", w.a1.ID), map[string]any{"security_officer": "Nguyễn Thị Phương Thảo, Phó Giám đốc Trung tâm Chuyển đổi số, phụ trách an toàn thông tin"}},
		{"POST", "/api/v1/ingest/tokens", map[string]any{"agency_id": w.a1.ID, "system_id": w.sysA.ID, "label": "filebeat-web01"}},
		{"POST", "/api/v1/ingest/tokens", map[string]any{"agency_id": w.b.ID, "label": "fluent-bit máy chủ thư"}},
		{"POST", "/api/v1/users", map[string]any{"username": "nguyenthiphuongthao.sotainguyenmoitruong", "display_name": "Nguyễn Thị Phương Thảo", "password": testPassword, "role": "agency", "agency_id": w.a1.ID}},
	} {
		if code, body := w.api("admin", c.method, c.path, c.body); code >= 300 {
			t.Fatalf("%s %s: %d %s", c.method, c.path, code, body)
		}
	}
	freshPendingSite("")(w, "walk")
	// Site A went down for four hours yesterday: a "down" and a
	// "recovered" alert for the alert list, one of them acknowledged.
	now := time.Now().UTC().Truncate(time.Hour)
	var probes []monitor.PastProbe
	for at := now.Add(-48 * time.Hour); !at.After(now); at = at.Add(time.Hour) {
		ok := at.Before(now.Add(-30*time.Hour)) || at.After(now.Add(-26*time.Hour))
		p := monitor.PastProbe{At: at, OK: ok, Status: 200, LatencyMS: 120}
		if !ok {
			p.Status, p.Error, p.ErrorVI, p.ErrorEN = 0, "refused", "máy chủ từ chối kết nối", "the server refused the connection"
		}
		probes = append(probes, p)
	}
	alerts, err := w.svc.Monitor.RecordHistory(context.Background(), access.System, w.siteA.ID, probes)
	if err != nil || len(alerts) == 0 {
		t.Fatalf("walk alerts: %d, %v", len(alerts), err)
	}
	if _, err := w.svc.Monitor.AcknowledgeAlerts(context.Background(), access.Actor{Role: access.Analyst, Username: "analyst"}, []int64{alerts[len(alerts)-1].ID}); err != nil {
		t.Fatal(err)
	}
}
