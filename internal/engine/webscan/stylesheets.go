package webscan

import (
	"context"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/html"
)

// A page's stylesheets: its <style> blocks, and the sheets it links
// (<link rel=stylesheet> and @import) on its own site — the same host, or
// the same registrable domain (static.portal.gov.vn for
// portal.gov.vn) — fetched through the scan's fetcher, so with its
// address guard and pacing, at most maxSheets of them and maxSheetBytes
// each. Sheets on other sites (a CDN, web fonts) are not fetched: what
// they hide is not seen. An http:// sheet on an https:// page is not
// fetched either (browsers refuse it as mixed content).

// styleSource is one sheet of a page, in document order: a <style>
// block's text, or a linked sheet's URL.
type styleSource struct {
	text   string
	url    string
	inline bool
}

// sheetLoader fetches same-site stylesheets: it returns the text of those
// it could fetch, by URL.
type sheetLoader func(urls []string) map[string]string

// mapLoader serves sheets already fetched (a HAR file's, a probe's).
func mapLoader(m map[string]string) sheetLoader {
	if len(m) == 0 {
		return nil
	}
	return func(urls []string) map[string]string {
		out := map[string]string{}
		for _, u := range urls {
			if t, ok := m[u]; ok {
				out[u] = t
			}
		}
		return out
	}
}

// styleSources lists a page's <style> blocks and its same-site linked
// sheets (resolved against pageURL; none when it is unknown).
func styleSources(doc *html.Node, pageURL string) []styleSource {
	page, _ := url.Parse(pageURL)
	var out []styleSource
	inlineBytes := 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "template", "noscript", "svg", "math":
				return
			case "style":
				if mediaHolds(attr(n, "media")) {
					t := ""
					if n.FirstChild != nil && n.FirstChild.Type == html.TextNode {
						t = n.FirstChild.Data // raw text: the parser gives it as one node
					}
					if inlineBytes+len(t) > maxStyleBlocksBytes {
						t = t[:max(0, maxStyleBlocksBytes-inlineBytes)]
					}
					inlineBytes += len(t)
					out = append(out, styleSource{text: t, inline: true})
				}
				return
			case "link":
				if u := linkedSheet(n, page); u != "" {
					out = append(out, styleSource{url: u})
				}
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

// linkedSheet is the URL of a <link rel=stylesheet> on the page's own
// site that applies to cssViewport, "" otherwise.
func linkedSheet(n *html.Node, page *url.URL) string {
	rel := strings.Fields(strings.ToLower(attr(n, "rel")))
	isSheet, alternate := false, false
	for _, r := range rel {
		isSheet = isSheet || r == "stylesheet"
		alternate = alternate || r == "alternate"
	}
	if !isSheet || alternate || hasAttr(n, "disabled") || !mediaHolds(attr(n, "media")) {
		return ""
	}
	return sheetURL(page, attr(n, "href"))
}

// sheetURL resolves href against base and returns it when it is on the
// page's site ("" otherwise).
func sheetURL(base *url.URL, href string) string {
	href = strings.TrimSpace(href)
	if base == nil || base.Host == "" || href == "" {
		return ""
	}
	u, err := base.Parse(href)
	if err != nil || !sameSiteSheet(base, u) {
		return ""
	}
	u.Fragment = ""
	return u.String()
}

// sameSiteSheet: http(s), not http:// under an https:// page, and the
// same host or registrable domain (an IP address only itself).
func sameSiteSheet(page, u *url.URL) bool {
	if (u.Scheme != "http" && u.Scheme != "https") || (page.Scheme == "https" && u.Scheme == "http") {
		return false
	}
	ph, uh := strings.ToLower(page.Hostname()), strings.ToLower(u.Hostname())
	if ph == "" || uh == "" {
		return false
	}
	if ph == uh {
		return true
	}
	if net.ParseIP(ph) != nil || net.ParseIP(uh) != nil {
		return false
	}
	return registrable(ph) == registrable(uh)
}

// buildStyles reads a page's sheets into one set of rules, in cascade
// order: the sheets in document order, each preceded by its @imports.
// Linked and imported sheets come from load (nil: <style> blocks only).
func buildStyles(doc *html.Node, pageURL string, load sheetLoader) *styleSet {
	srcs := styleSources(doc, pageURL)
	if len(srcs) == 0 {
		return nil
	}
	room := maxSelectors
	parse := func(text, source string) *parsedSheet {
		sh := parseStylesheet(text, source, room)
		room -= len(sh.rules)
		return sh
	}
	base, _ := url.Parse(pageURL)
	inline := make([]*parsedSheet, len(srcs))
	var want []string
	for i, s := range srcs {
		if s.inline {
			inline[i] = parse(s.text, "<style>")
			for _, imp := range inline[i].imports {
				if u := sheetURL(base, imp); u != "" {
					want = append(want, u)
				}
			}
		} else {
			want = append(want, s.url)
		}
	}
	fetched := map[string]*parsedSheet{}
	var unread []string
	asked := map[string]bool{}
	for round := 0; round < 3 && len(want) > 0 && load != nil; round++ {
		var batch []string
		for _, u := range want {
			switch {
			case asked[u]:
			case len(batch)+len(fetched)+len(unread) >= maxSheets:
				unread = append(unread, u+" (over the limit of sheets)")
			default:
				batch = append(batch, u)
			}
			asked[u] = true
		}
		want = nil
		texts := load(batch)
		for _, u := range batch {
			t, ok := texts[u]
			if !ok {
				unread = append(unread, u)
				continue
			}
			sh := parse(t, u)
			fetched[u] = sh
			for _, imp := range sh.imports {
				if v := sheetURL(mustParse(u), imp); v != "" && sameSiteSheet(base, mustParse(v)) {
					want = append(want, v)
				}
			}
		}
	}
	var ordered []*parsedSheet
	var read []string
	seen := map[*parsedSheet]bool{}
	var emit func(sh *parsedSheet, at *url.URL, depth int)
	emit = func(sh *parsedSheet, at *url.URL, depth int) {
		if sh == nil || seen[sh] || depth > 4 {
			return
		}
		seen[sh] = true
		for _, imp := range sh.imports {
			if v := sheetURL(at, imp); v != "" {
				emit(fetched[v], mustParse(v), depth+1)
			}
		}
		ordered = append(ordered, sh)
	}
	for i, s := range srcs {
		if s.inline {
			emit(inline[i], base, 0)
			read = append(read, "<style>")
		} else if sh := fetched[s.url]; sh != nil {
			emit(sh, mustParse(s.url), 0)
			if sh.cut {
				read = append(read, s.url+" (its first 256 KB)")
			} else {
				read = append(read, s.url)
			}
		}
	}
	ss := newStyleSet(ordered)
	ss.read, ss.unread = read, unread
	return ss
}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		return &url.URL{}
	}
	return u
}

// sheetFetchTimeout bounds the fetching of one page's sheets.
const sheetFetchTimeout = 10 * time.Second

// liveSheetLoader fetches sheets with f (its guard and pacing), a few at
// a time, keeping those that answer 200 as CSS (or with no type).
func liveSheetLoader(ctx context.Context, f *fetcher) sheetLoader {
	return func(urls []string) map[string]string {
		ctx, cancel := context.WithTimeout(ctx, sheetFetchTimeout)
		defer cancel()
		out := map[string]string{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		next := make(chan string)
		for range min(probeParallel, len(urls)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for u := range next {
					r, err := f.getLimit(ctx, u, http.Header{"Accept": {"text/css,*/*;q=0.1"}}, maxSheetBytes+1)
					if err != nil || r.Status != http.StatusOK || !isCSS(r) {
						continue
					}
					mu.Lock()
					out[u] = r.Body
					mu.Unlock()
				}
			}()
		}
		for _, u := range urls {
			next <- u
		}
		close(next)
		wg.Wait()
		return out
	}
}

// isCSS: the answer says text/css, or gives no type (browsers refuse a
// sheet of another type in standards mode).
func isCSS(r *Response) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "text/css"
}

// sheetCache remembers the sheets a loader fetched (and those it could
// not), so that a second page of the same site (the crawler's view)
// fetches nothing twice.
type sheetCache struct {
	mu    sync.Mutex
	load  sheetLoader
	got   map[string]string
	tried map[string]bool
}

func newSheetCache(load sheetLoader) *sheetCache {
	return &sheetCache{load: load, got: map[string]string{}, tried: map[string]bool{}}
}

func (c *sheetCache) loader() sheetLoader {
	return func(urls []string) map[string]string {
		c.mu.Lock()
		defer c.mu.Unlock()
		var todo []string
		for _, u := range urls {
			if !c.tried[u] {
				c.tried[u] = true
				todo = append(todo, u)
			}
		}
		if len(todo) > 0 && c.load != nil {
			for u, t := range c.load(todo) {
				c.got[u] = t
			}
		}
		out := map[string]string{}
		for _, u := range urls {
			if t, ok := c.got[u]; ok {
				out[u] = t
			}
		}
		return out
	}
}

// fetchPageSheets fetches the same-site sheets of a page (for a
// monitoring probe, which judges them later, offline).
func fetchPageSheets(ctx context.Context, body, pageURL string, opts Options) map[string]string {
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return nil
	}
	f := newProbeFetcher(opts)
	defer f.close()
	c := newSheetCache(liveSheetLoader(ctx, f))
	buildStyles(doc, pageURL, c.loader())
	if len(c.got) == 0 {
		return nil
	}
	return c.got
}
