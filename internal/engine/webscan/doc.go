// Package webscan is Khiên's web assessment engine: a pure library that
// takes what a site answered and returns checks, a score and a grade. It
// knows nothing of SQL or HTTP routing and imports nothing of Khiên's.
//
// This first part holds the HTTP security-header analysis scored like the
// MDN HTTP Observatory (v2), so that results compare one to one with it.
package webscan
