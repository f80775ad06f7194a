// Package detect is Khiên's Sigma engine: it loads Sigma rules (detection
// rules, meta filters and correlation rules), compiles them once, and
// checks events against the whole set. It is a pure library of the engines
// tier: input in, result out, no database and no bus.
//
// The flow is Load (YAML to Rule, errors with file and line), Compile
// (Rule to an Engine: value matchers, condition trees, a logsource router
// and an Aho-Corasick prefilter over literal needles), then per event
// Engine.Match for single-event rules and a Correlator for correlation
// rules, whose bounded state can be saved with Snapshot and restored with
// Restore. docs/detection.md says what is supported and how field names
// are looked up.
package detect
