package chart

import (
	"fmt"
	"strings"
)

// pt is a point of a line in drawing units; brk starts a new run (the
// line is not drawn from the point before).
type pt struct {
	x, y float64
	brk  bool
}

// maxColumns bounds the points a line keeps: beyond two per column, each
// column keeps its lowest and highest point, in order, so spikes stay
// visible and the SVG stays small however many samples there are.
const maxColumns = 240

// thin reduces pts to at most two per column of the plot.
func thin(pts []pt) []pt {
	if len(pts) <= 2*maxColumns {
		return pts
	}
	col := func(x float64) int { return int((x - left) / (right - left) * (maxColumns - 1)) }
	var out []pt
	for i := 0; i < len(pts); {
		j, c := i+1, col(pts[i].x)
		for j < len(pts) && !pts[j].brk && col(pts[j].x) == c {
			j++
		}
		lo, hi := i, i
		for k := i; k < j; k++ {
			if pts[k].y < pts[lo].y {
				lo = k
			}
			if pts[k].y > pts[hi].y {
				hi = k
			}
		}
		first, second := pts[min(lo, hi)], pts[max(lo, hi)]
		first.brk = pts[i].brk
		out = append(out, first)
		if lo != hi {
			second.brk = false
			out = append(out, second)
		}
		i = j
	}
	return out
}

// path writes pts as an SVG path: one run per break, runs of one point
// left out (the caller marks those points).
func path(pts []pt) string {
	var b strings.Builder
	for i := 0; i < len(pts); {
		j := i + 1
		for j < len(pts) && !pts[j].brk {
			j++
		}
		if j-i > 1 {
			fmt.Fprintf(&b, "M%s %sL", num(pts[i].x), num(pts[i].y))
			for k := i + 1; k < j; k++ {
				if k > i+1 {
					b.WriteByte(' ')
				}
				fmt.Fprintf(&b, "%s %s", num(pts[k].x), num(pts[k].y))
			}
		}
		i = j
	}
	return b.String()
}
