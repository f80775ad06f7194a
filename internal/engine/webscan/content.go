package webscan

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/text/unicode/norm"
)

// fold lowers text and strips Vietnamese diacritics (đ → d), so that
// "Nhà cái" and "nha cai" match the same term.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ' || r == 'Đ':
			b.WriteByte('d')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// pageLink is an anchor of a page with what the checks need to know.
type pageLink struct {
	href, text string
	hidden     bool
	block      int // the hidden block it is in (see hiddenRun); 0 when visible
}

// hiddenRun is a text node hidden from visitors. block numbers the element
// that hides it (the outermost hidden one), so that the gambling score
// judges a hidden block as a whole.
type hiddenRun struct {
	text   string
	block  int
	inLink bool // part of a link's text, which is judged with the link
}

// pageFacts is what the content checks read from one HTML page.
type pageFacts struct {
	links      []pageLink
	hiddenText []hiddenRun
	text       string
	title      string
	resources  []resource
	// hides says how each hidden block is hidden (block n at n-1).
	hides []*hideReason
	// sheets are the stylesheets read ("<style>" or a URL), unreadSheets
	// the same-site ones that could not be.
	sheets, unreadSheets []string
}

type resource struct {
	url    string
	active bool
	tag    string
}

// readPage reads a page with its <style> blocks only (no linked sheet).
func readPage(body string) pageFacts { return readPageStyled(body, "", nil) }

// readPageStyled walks an HTML page once, deciding which elements are
// hidden from its style attributes, its <style> blocks and, through load
// (nil: none), the same-site sheets it links (pageURL resolves them).
func readPageStyled(body, pageURL string, load sheetLoader) pageFacts {
	var f pageFacts
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return f
	}
	s := &styler{ss: buildStyles(doc, pageURL, load)}
	var text strings.Builder
	link := -1 // the link the walk is in
	var walk func(n *html.Node, st visState)
	walk = func(n *html.Node, st visState) {
		if n.Type == html.ElementNode {
			st = s.enter(n, st)
			defer s.leave()
			switch n.Data {
			case "script", "style", "noscript", "template":
				if n.Data == "script" {
					f.resources = appendResource(f.resources, n, "src", true)
				}
				return
			case "a":
				f.links = append(f.links, pageLink{href: attr(n, "href"), text: nodeText(n), hidden: st.block != 0, block: st.block})
				link = len(f.links) - 1
				defer func() { s.settleLink(&f.links[link], st); link = -1 }()
			case "title":
				f.title = nodeText(n)
			case "link":
				if strings.Contains(strings.ToLower(attr(n, "rel")), "stylesheet") {
					f.resources = appendResource(f.resources, n, "href", true)
				}
			case "iframe", "frame", "embed":
				f.resources = appendResource(f.resources, n, "src", true)
			case "object":
				f.resources = appendResource(f.resources, n, "data", true)
			case "img", "audio", "video", "source", "track":
				f.resources = appendResource(f.resources, n, "src", false)
			}
		}
		if n.Type == html.TextNode {
			t := strings.TrimSpace(n.Data)
			if t != "" {
				text.WriteString(t + " ")
				if link >= 0 {
					s.linkText(st)
				}
				if st.block != 0 {
					f.hiddenText = append(f.hiddenText, hiddenRun{text: t, block: st.block, inLink: link >= 0})
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, st)
		}
	}
	walk(doc, rootState())
	f.text = text.String()
	f.hides = s.blocks
	if s.ss != nil {
		f.sheets, f.unreadSheets = s.ss.read, s.ss.unread
	}
	return f
}

func appendResource(list []resource, n *html.Node, key string, active bool) []resource {
	if v := strings.TrimSpace(attr(n, key)); v != "" {
		list = append(list, resource{url: v, active: active, tag: n.Data})
	}
	return list
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// gamblingLinks lists the evidence of the page's gambling or betting
// blocks (links, and hidden text), hidden ones first: see
// gamblingFindings and docs/scoring.md §4 for how they are scored.
// pageURL is the page's own address ("" when unknown): links to its host
// do not leave the site.
func gamblingLinks(f pageFacts, pageURL string) (hidden, visible []string) {
	return splitFindings(gamblingFindings(f, pageURL))
}

// defacementSignatures are phrases defacers leave on the pages they deface.
// (Phrases a legitimate page may use, such as "owned by", are left out.)
var defacementSignatures = []string{
	"hacked by", "hacked_by", "defaced by", "h4ck3d", "hacked & owned", "0wned by", "greetz to", "security is just an illusion",
	"your security is low", "your security is poor", "cyber army", "bi hack boi", "da bi hack", "hacked by anonymous",
}

// The content checks read the page itself: hidden gambling links (and
// cloaking when the crawler's view is given), defacement signatures, and
// insecure resources on an HTTPS page.
var (
	contentInjectedLinksDef = CheckDef{ID: ContentInjectedLinks, Severity: "critical", input: fromAnswers,
		run: func(def CheckDef, a *assessment) (Check, []GradeCap, bool) {
			c, caps := injectedLinksCheck(def.New(), a.pageFacts(), a.crawlerFacts(), a.ex.Final.URL)
			return c, caps, true
		},
		Title: "Liên kết cờ bạc, lừa đảo bị chèn", TitleEN: "Injected gambling or scam links",
		Remediation:   "Trang đã bị xâm nhập: gỡ liên kết, tìm và xóa mã độc (thường trong giao diện, plugin hoặc cơ sở dữ liệu), vá lỗ hổng, đổi mật khẩu quản trị, rồi yêu cầu công cụ tìm kiếm thu thập lại.",
		RemediationEN: "The site has been compromised: remove the links, find and delete the injected code (often in the theme, a plugin or the database), patch the hole, change admin passwords, then ask search engines to recrawl.",
		Caps:          []GradeCap{{Grade: "F", Reason: "injected gambling links"}, {Grade: "F", Reason: "gambling links"}}}
	contentDefacementDef = CheckDef{ID: ContentDefacement, Severity: "critical", input: fromAnswers,
		run: func(def CheckDef, a *assessment) (Check, []GradeCap, bool) {
			c, caps := defacementCheck(def.New(), a.pageFacts(), a.ex.Final.Body, a.baseline)
			return c, caps, true
		},
		Title: "Dấu hiệu thay đổi giao diện trái phép", TitleEN: "Defacement",
		Remediation:   "Đưa trang về bản sạch từ sao lưu, tìm đường xâm nhập và vá, đổi mọi mật khẩu; báo cáo sự cố theo quy định.",
		RemediationEN: "Restore the site from a clean backup, find and close the way in, change every password; report the incident as the rules require.",
		Caps:          []GradeCap{{Grade: "F", Reason: "defacement"}}}
	contentMixedDef = CheckDef{ID: ContentMixed, Severity: "medium", input: fromAnswers,
		run: func(def CheckDef, a *assessment) (Check, []GradeCap, bool) {
			return mixedContentCheck(def.New(), a.pageFacts(), a.ex.Final.URL), nil, true
		},
		Title: "Nội dung hỗn hợp HTTP trên trang HTTPS", TitleEN: "Mixed content",
		Remediation: "Tải mọi tài nguyên qua https:// (hoặc đường dẫn tương đối).", RemediationEN: "Load every resource over https:// (or a relative path)."}
)

// ContentChecks read the page itself: hidden gambling links (and cloaking
// when the crawler's view is given), defacement signatures, and insecure
// resources on an HTTPS page.
// With a baseline, a page whose text moved beyond the threshold is a
// warning under content.defacement even without a signature.
func ContentChecks(ex *Exchange, crawlerView *Response, baseline *Baseline) ([]Check, []GradeCap) {
	a := &assessment{ex: ex, crawler: crawlerView, baseline: baseline}
	return a.runIDs(ContentInjectedLinks, ContentDefacement, ContentMixed)
}

// injectedLinksCheck fails a page carrying gambling or betting links:
// hidden ones, or ones shown only to the crawler (crawlerPage, the page
// as a crawler got it, when given), are critical. pageURL is the page's
// address.
func injectedLinksCheck(c Check, page pageFacts, crawlerPage *pageFacts, pageURL string) (Check, []GradeCap) {
	var caps []GradeCap
	findings := gamblingFindings(page, pageURL)
	hidden, visible := splitFindings(findings)
	var cloaked []string
	if crawlerPage != nil {
		ch, cv := gamblingLinks(*crawlerPage, pageURL)
		seen := map[string]bool{}
		for _, x := range append(hidden, visible...) {
			seen[x] = true
		}
		for _, x := range append(ch, cv...) {
			if !seen[x] {
				cloaked = append(cloaked, x)
			}
		}
	}
	switch {
	case len(hidden) > 0 || len(cloaked) > 0:
		c.Result, c.Severity = Fail, "critical"
		ev := hidden
		if len(cloaked) > 0 {
			ev = append(ev, "shown only to search-engine crawlers (cloaking):")
			ev = append(ev, cloaked...)
		}
		ev = append(ev, findingReasons(findings, true)...)
		c.Evidence = strings.Join(ev, "\n")
		c.Detail = "Trang chứa liên kết hoặc chữ quảng cáo cờ bạc, cá cược bị ẩn khỏi người xem hoặc chỉ hiện với công cụ tìm kiếm."
		c.DetailEN = "The page carries gambling or betting links or text hidden from visitors, or shown only to search engines."
		if vi, en := hidingTexts(findings); len(vi) > 0 {
			c.Detail += " Cách ẩn: " + strings.Join(vi, "; ") + "."
			c.DetailEN += " How it is hidden: " + strings.Join(en, "; ") + "."
		}
		caps = append(caps, GradeCap{Grade: "F", Reason: "injected gambling links"})
	case len(visible) > 0:
		c.Result, c.Severity, c.Evidence = Fail, "high", strings.Join(append(visible, findingReasons(findings, false)...), "\n")
		c.Detail, c.DetailEN = "Trang có liên kết tới nội dung cờ bạc, cá cược.", "The page links to gambling or betting content."
		caps = append(caps, GradeCap{Grade: "F", Reason: "gambling links"})
	default:
		c.Result, c.Severity = Pass, Info
		c.Detail, c.DetailEN = "Không thấy liên kết cờ bạc, cá cược hay nội dung ẩn đáng ngờ.", "No gambling or betting link and no suspicious hidden content."
	}
	if note := sheetsNote(page); note != "" {
		if c.Evidence != "" {
			c.Evidence += "\n"
		}
		c.Evidence += note
	}
	return c, caps
}

// sheetsNote lists the stylesheets read to tell what the page hides, and
// the same-site ones that could not be ("" for a page without any).
func sheetsNote(page pageFacts) string {
	var parts []string
	if len(page.sheets) > 0 {
		parts = append(parts, "stylesheets read: "+shorten(strings.Join(page.sheets, ", "), 300))
	}
	if len(page.unreadSheets) > 0 {
		parts = append(parts, "not read: "+shorten(strings.Join(page.unreadSheets, ", "), 300))
	}
	return strings.Join(parts, "; ")
}

// defacementCheck fails a page carrying a defacement signature; with a
// baseline, a page whose text (body) moved beyond the threshold is a
// warning even without a signature.
func defacementCheck(c Check, page pageFacts, body string, baseline *Baseline) (Check, []GradeCap) {
	var caps []GradeCap
	if sig := signatureIn(page); sig != "" {
		c.Result, c.Severity, c.Evidence = Fail, "critical", "“"+sig+"” in: "+page.title
		c.Detail, c.DetailEN = "Trang có dấu hiệu bị thay đổi giao diện trái phép.", "The page shows signs of defacement."
		caps = append(caps, GradeCap{Grade: "F", Reason: "defacement"})
	} else {
		c.Result, c.Severity = Pass, Info
		c.Detail, c.DetailEN = "Không thấy dấu hiệu thay đổi giao diện trái phép.", "No sign of defacement."
	}
	if baseline != nil {
		change, th, fp := baseline.compare(body)
		note := fmt.Sprintf("%.0f%% of the text differs from the baseline (threshold %.0f%%; %d words now, %d then)", change*100, th*100, fp.Words, baseline.Fingerprint.Words)
		if c.Evidence != "" {
			c.Evidence += "\n"
		}
		c.Evidence += note
		if change > th && c.Result == Pass {
			c.Result, c.Severity = Warn, "high"
			c.Detail = "Nội dung trang khác nhiều so với bản gốc đã lưu; nếu đơn vị không chủ động thay đổi, xử lý như sự cố thay đổi giao diện."
			c.DetailEN = "The page's text differs widely from the stored baseline; if the agency did not change it, handle it as a defacement."
		}
	}
	return c, caps
}

// mixedContentCheck finds resources loaded over HTTP by an HTTPS page
// (pageURL is the page's own URL).
func mixedContentCheck(c Check, page pageFacts, pageURL string) Check {
	var active, passive []string
	if schemeOf(pageURL) == "https" {
		for _, r := range page.resources {
			if strings.HasPrefix(strings.ToLower(r.url), "http://") {
				if r.active {
					active = append(active, "<"+r.tag+"> "+r.url)
				} else {
					passive = append(passive, "<"+r.tag+"> "+r.url)
				}
			}
		}
	}
	switch {
	case len(active) > 0:
		c.Result, c.Severity, c.Evidence = Fail, "medium", strings.Join(append(active, passive...), "\n")
		c.Detail, c.DetailEN = "Trang HTTPS tải script, style hoặc khung qua HTTP.", "The HTTPS page loads scripts, styles or frames over HTTP."
	case len(passive) > 0:
		c.Result, c.Severity, c.Evidence = Warn, "low", strings.Join(passive, "\n")
		c.Detail, c.DetailEN = "Trang HTTPS tải ảnh hoặc media qua HTTP.", "The HTTPS page loads images or media over HTTP."
	default:
		c.Result, c.Severity = Pass, Info
		c.Detail, c.DetailEN = "Không có tài nguyên HTTP trên trang HTTPS.", "No HTTP resource on the HTTPS page."
	}
	return c
}

// signatureIn finds the first defacement signature in a page's title and
// text ("" for none).
func signatureIn(page pageFacts) string {
	folded := fold(page.title + " " + page.text)
	for _, s := range defacementSignatures {
		if strings.Contains(folded, s) {
			return s
		}
	}
	return ""
}
