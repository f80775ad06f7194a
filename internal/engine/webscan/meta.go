package webscan

import (
	"strings"

	"golang.org/x/net/html"
)

// metaReferrer returns the content of the page's <meta name="referrer">
// tags (joined with ", " when there are several) and whether the page
// parsed. Only the document head's tags count, as in browsers.
func metaReferrer(body string) (string, bool) {
	if body == "" {
		return "", true
	}
	z := html.NewTokenizer(strings.NewReader(body))
	var found []string
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(found, ", "), true
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "body":
				return strings.Join(found, ", "), true
			case "meta":
				var metaName, content string
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					switch string(k) {
					case "name":
						metaName = string(v)
					case "content":
						content = string(v)
					}
				}
				if strings.EqualFold(metaName, "referrer") && content != "" {
					found = append(found, content)
				}
			}
		}
	}
}
