package webscan

// Caps of tls.ciphers for the server's finite-field DH group.
const (
	capDHUnder1024 = "DH group under 1024 bits"
	capDHUnder2048 = "DH group under 2048 bits"
)

// dhGroupCap is the cap the server's DH group imposes, after the SSL Labs
// rating guide (weak DH parameters): a group under 1,024 bits caps at F,
// one of 1,024 up to 2,047 bits at B. A server that accepts no DHE suite,
// or whose group could not be read, has none.
func dhGroupCap(f *TLSFacts) (GradeCap, bool) {
	switch {
	case !f.DHE || f.DHBits <= 0:
		return GradeCap{}, false
	case f.DHBits < 1024:
		return GradeCap{Grade: "F", Reason: capDHUnder1024}, true
	case f.DHBits < 2048:
		return GradeCap{Grade: "B", Reason: capDHUnder2048}, true
	}
	return GradeCap{}, false
}

// worseSeverity is the graver of two severities.
func worseSeverity(a, b string) string {
	if severityRank[b] > severityRank[a] {
		return b
	}
	return a
}
