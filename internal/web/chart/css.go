package chart

import _ "embed"

// Stylesheet is chart.css, the rules of the classes the charts use; the
// web server serves it beside its own stylesheet.
//
//go:embed chart.css
var Stylesheet []byte
