package webscan

import (
	"mime"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/publicsuffix"
)

// TestSRI is the Observatory's Subresource Integrity test.
const TestSRI = "subresource-integrity"

type script struct {
	src       string
	integrity bool
}

// pageScripts lists the <script src> elements of an HTML page.
func pageScripts(body string) ([]script, error) {
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	var out []script
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "script" {
			var s script
			for _, a := range n.Attr {
				switch strings.ToLower(a.Key) {
				case "src":
					s.src = strings.TrimSpace(a.Val)
				case "integrity":
					s.integrity = strings.TrimSpace(a.Val) != ""
				}
			}
			if s.src != "" {
				out = append(out, s)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out, nil
}

func isHTML(r *Response) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && (mt == "text/html" || mt == "application/xhtml+xml")
}

// registrable returns the registrable domain (eTLD+1) of a host, or the
// host itself.
func registrable(host string) string {
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return host
	}
	return d
}

// SubresourceIntegrity checks the final page's scripts: scripts from other
// sites should carry an integrity hash, and every script must come over
// HTTPS (a protocol-relative "//" source does not count as secure).
func SubresourceIntegrity(ex *Exchange) HeaderResult {
	r := ex.Final
	if r == nil || !isHTML(r) {
		return result(TestSRI, "sri-not-implemented-response-not-html", true, nil)
	}
	scripts, err := pageScripts(r.Body)
	if err != nil {
		return result(TestSRI, "html-not-parseable", false, nil)
	}
	if len(scripts) == 0 {
		return result(TestSRI, "sri-not-implemented-but-no-scripts-loaded", true, nil)
	}
	site := registrable(HostOf(r.URL))
	anySRI, external, externalSRI, externalSecure := false, 0, 0, 0
	for _, s := range scripts {
		anySRI = anySRI || s.integrity
		u, err := url.Parse(s.src)
		if err == nil && u.Host == "" && !strings.HasPrefix(s.src, "//") {
			continue // a path on this site, fetched like the page
		}
		protocolRelative := strings.HasPrefix(s.src, "//")
		secure := err == nil && strings.EqualFold(u.Scheme, "https")
		if secure && registrable(strings.ToLower(u.Hostname())) == site {
			continue // the same site over HTTPS
		}
		external++
		if s.integrity {
			externalSRI++
		}
		if secure && !protocolRelative {
			externalSecure++
		}
	}
	data := map[string]any{"scripts": len(scripts), "external": external}
	switch {
	case external == 0 && anySRI:
		return result(TestSRI, "sri-implemented-and-all-scripts-loaded-securely", true, data)
	case external == 0:
		return result(TestSRI, "sri-not-implemented-but-all-scripts-loaded-from-secure-origin", true, data)
	case externalSRI == external && externalSecure == external:
		return result(TestSRI, "sri-implemented-and-external-scripts-loaded-securely", true, data)
	case externalSRI == external:
		return result(TestSRI, "sri-implemented-but-external-scripts-not-loaded-securely", false, data)
	case externalSecure == external:
		return result(TestSRI, "sri-not-implemented-but-external-scripts-loaded-securely", false, data)
	}
	return result(TestSRI, "sri-not-implemented-and-external-scripts-not-loaded-securely", false, data)
}
