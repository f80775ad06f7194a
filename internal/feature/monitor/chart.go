package monitor

import (
	"fmt"
	"html"
	"strings"
)

// Chart draws a site's latency over time as an SVG line, with a strip
// under it that is green for each probe that answered and red for each
// that failed. It is drawn on the server: no script, no external file.
func Chart(st Stats, lang string) []byte {
	const w, h, strip, pad = 720, 160, 10, 4
	title := fmt.Sprintf("Độ trễ và tình trạng: %d lần kiểm tra, hoạt động %.2f%%", st.Samples, st.UptimePercent)
	if lang == "en" {
		title = fmt.Sprintf("Latency and availability: %d checks, %.2f%% up", st.Samples, st.UptimePercent)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="%s"><title>%s</title>`,
		w, h+strip+pad, html.EscapeString(title), html.EscapeString(title))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#f6f8fa"/>`, w, h)
	n := len(st.Series)
	if n == 0 {
		empty := "Chưa có dữ liệu giám sát"
		if lang == "en" {
			empty = "No monitoring data yet"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="14" font-family="sans-serif" fill="#57606a">%s</text></svg>`, w/2, h/2, empty)
		return []byte(b.String())
	}
	maxLat := 1
	for _, s := range st.Series {
		maxLat = max(maxLat, s.LatencyMS)
	}
	x := func(i int) float64 {
		if n == 1 {
			return w / 2
		}
		return float64(i) * float64(w-1) / float64(n-1)
	}
	var pts []string
	for i, s := range st.Series {
		if s.OK {
			y := float64(h-pad) - float64(s.LatencyMS)*float64(h-2*pad)/float64(maxLat)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y))
		}
	}
	if len(pts) > 0 {
		fmt.Fprintf(&b, `<polyline fill="none" stroke="#0969da" stroke-width="1.5" points="%s"/>`, strings.Join(pts, " "))
	}
	fmt.Fprintf(&b, `<text x="6" y="14" font-size="11" font-family="sans-serif" fill="#57606a">%d ms</text>`, maxLat)
	bw := float64(w) / float64(n)
	for i, s := range st.Series {
		color := "#1a7f37"
		if !s.OK {
			color = "#cf222e"
		}
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>`, float64(i)*bw, h+pad, max(bw, 1), strip, color)
	}
	b.WriteString(`</svg>`)
	return []byte(b.String())
}
