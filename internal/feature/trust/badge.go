package trust

import (
	"fmt"
	"html"
	"unicode/utf8"
)

// badgeText gives the badge's two halves in the language asked for.
func badgeText(p Public, lang string) (left, right, color string) {
	left = "Khiên · tín nhiệm"
	state := map[string]string{Granted: "hợp lệ", Suspended: "tạm đình chỉ", Revoked: "đã thu hồi", Expired: "hết hạn"}[p.State]
	if lang == "en" {
		left = "Khiên · trusted"
		state = map[string]string{Granted: "valid", Suspended: "suspended", Revoked: "revoked", Expired: "expired"}[p.State]
	}
	color = "#b42318" // red for anything but a valid label
	right = state
	if p.State == Granted {
		color = "#1a7f37"
		if p.Grade != "" {
			right = p.Grade + " · " + state
		}
	}
	return left, right, color
}

// Badge draws the embeddable SVG badge of a label: green with the grade
// while granted, red otherwise. It carries no script and no external
// reference.
func Badge(p Public, lang string) []byte {
	left, right, color := badgeText(p, lang)
	// About 7 px per character at 11 px sans-serif, plus padding.
	lw := 7*utf8.RuneCountInString(left) + 12
	rw := 7*utf8.RuneCountInString(right) + 12
	w := lw + rw
	title := left + ": " + right
	return fmt.Appendf(nil, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="20" role="img" aria-label="%s">`+
		`<title>%s</title>`+
		`<rect width="%d" height="20" rx="3" fill="#24292f"/>`+
		`<rect x="%d" width="%d" height="20" rx="3" fill="%s"/>`+
		`<rect x="%d" width="4" height="20" fill="%s"/>`+
		`<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">`+
		`<text x="6" y="14">%s</text><text x="%d" y="14">%s</text></g></svg>`,
		w, html.EscapeString(title), html.EscapeString(title), w, lw, rw, color, lw, color,
		html.EscapeString(left), lw+6, html.EscapeString(right))
}
