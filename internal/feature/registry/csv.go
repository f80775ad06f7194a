// CSV kinds, their columns, and the cell encodings shared by import and export.

package registry

import "strings"

// Import limits.
const (
	MaxImportBytes = 10 << 20
	MaxImportRows  = 50000
)

// CSV kinds.
const (
	KindAgencies = "agencies"
	KindSystems  = "systems"
)

// Columns of each kind, in export order.
var (
	agencyFields = []string{"code", "name", "parent_code", "kind", "email", "phone", "security_officer"}
	systemFields = []string{"id", "agency_code", "name", "purpose", "info_kind", "audience", "hosting", "operator", "status", "urls", "domains", "ips", "cidrs", "software"}
)

// escapeFormula keeps spreadsheets from running a cell as a formula; the
// import removes the guard again, so that export and import round-trip.
func escapeFormula(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

func unescapeFormula(v string) string {
	if len(v) > 1 && v[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(v[1])) {
		return v[1:]
	}
	return v
}

// splitList splits a multi-valued cell on new lines and ';' (and ',' when
// commas is true).
func splitList(v string, commas bool) []string {
	out := strings.FieldsFunc(v, func(r rune) bool {
		return r == '\n' || r == '\r' || r == ';' || (commas && (r == ',' || r == ' '))
	})
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return out
}

// ParseSoftware reads "name@version (cpe:…)" items separated by ';'.
func ParseSoftware(v string) []Software {
	var out []Software
	for _, item := range splitList(v, false) {
		var sw Software
		if i := strings.LastIndex(item, " ("); i > 0 && strings.HasSuffix(item, ")") {
			id := item[i+2 : len(item)-1]
			if strings.HasPrefix(id, "pkg:") {
				sw.PURL = id
			} else {
				sw.CPE = id
			}
			item = item[:i]
		}
		sw.Name, sw.Version, _ = strings.Cut(item, "@")
		out = append(out, sw)
	}
	return out
}

// FormatSoftware writes software as ParseSoftware reads it.
func FormatSoftware(list []Software) string {
	parts := make([]string, len(list))
	for i, sw := range list {
		s := sw.Name
		if sw.Version != "" {
			s += "@" + sw.Version
		}
		if sw.CPE != "" {
			s += " (" + sw.CPE + ")"
		} else if sw.PURL != "" {
			s += " (" + sw.PURL + ")"
		}
		parts[i] = s
	}
	return strings.Join(parts, "; ")
}
