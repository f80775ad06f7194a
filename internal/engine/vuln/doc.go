// Package vuln is the vulnerability matcher: it reads advisory feeds (NVD
// CVE API 2.0, CVE JSON 5, OSV, CISA KEV, FIRST EPSS) and matches them
// against an inventory of software components. It is a pure library: no
// database, no network; docs/vulnerabilities.md says what it supports.
package vuln

// Record is one CVE record from NVD (or a CVE JSON 5 record, which has no
// configurations and so matches nothing).
type Record struct {
	ID             string          `json:"id"`
	Source         string          `json:"source"` // "nvd" or "cve5"
	Status         string          `json:"status,omitempty"`
	Published      string          `json:"published,omitempty"`
	Modified       string          `json:"modified,omitempty"`
	Description    string          `json:"description,omitempty"`
	CVSS           *CVSS           `json:"cvss,omitempty"`
	Configurations []Configuration `json:"configurations,omitempty"`
	// simple is set by NewIndex when the record is one OR node, not
	// negated: then a matched vulnerable criterion is a match.
	simple bool
}

// CVSS is the score a record gives: v4.0 where present, else v3.x, else v2.
type CVSS struct {
	Version  string  `json:"version"`
	Score    float64 `json:"score"`
	Severity string  `json:"severity,omitempty"`
	Vector   string  `json:"vector"`
}

// Configuration is one NVD applicability statement: nodes joined by
// Operator (OR when empty).
type Configuration struct {
	Operator string `json:"operator,omitempty"`
	Negate   bool   `json:"negate,omitempty"`
	Nodes    []Node `json:"nodes"`
}

// Node joins its CPE match entries (and legacy children) by Operator,
// inverted when Negate.
type Node struct {
	Operator string     `json:"operator"`
	Negate   bool       `json:"negate"`
	Matches  []CPEMatch `json:"cpeMatch"`
	Children []Node     `json:"children,omitempty"`
}

// CPEMatch is one criterion: a CPE name and optional version bounds.
type CPEMatch struct {
	Vulnerable            bool              `json:"vulnerable"`
	Criteria              string            `json:"criteria"`
	VersionStartIncluding string            `json:"versionStartIncluding,omitempty"`
	VersionStartExcluding string            `json:"versionStartExcluding,omitempty"`
	VersionEndIncluding   string            `json:"versionEndIncluding,omitempty"`
	VersionEndExcluding   string            `json:"versionEndExcluding,omitempty"`
	name                  *criterion        // the criteria parsed, shared by criteria of one text
	bounds                *[4]parsedVersion // start incl., start excl., end incl., end excl.; nil without bounds
	rec                   *Record           // the record holding it, set by NewIndex
}

// criterion is a criteria text parsed: its CPE name, its version
// parsed and its part:vendor:product. Records read together share one
// per distinct text (most criteria name a product at any version).
type criterion struct {
	cpe   CPE
	exact parsedVersion
	key   string
}

// Advisory is one OSV record.
type Advisory struct {
	ID        string     `json:"id"`
	Aliases   []string   `json:"aliases,omitempty"`
	Published string     `json:"published,omitempty"`
	Modified  string     `json:"modified"`
	Withdrawn string     `json:"withdrawn,omitempty"`
	Summary   string     `json:"summary,omitempty"`
	Severity  []Severity `json:"severity,omitempty"`
	Affected  []Affected `json:"affected"`
}

// Severity is an OSV severity entry (a CVSS vector).
type Severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Affected is one affected package of an OSV record.
type Affected struct {
	Package  Package  `json:"package"`
	Ranges   []Range  `json:"ranges,omitempty"`
	Versions []string `json:"versions,omitempty"`
}

// Package names an OSV package.
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl,omitempty"`
}

// Range is an OSV range; GIT ranges are ignored by the matcher.
type Range struct {
	Type   string  `json:"type"`
	Events []Event `json:"events"`
}

// Event is one OSV range event: exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// KEVEntry is one CISA Known Exploited Vulnerabilities entry.
type KEVEntry struct {
	CVE        string `json:"cve"`
	DateAdded  string `json:"date_added"`
	DueDate    string `json:"due_date"`
	Ransomware bool   `json:"known_ransomware_use"`
	Name       string `json:"name,omitempty"`
}

// EPSSScore is one FIRST EPSS score.
type EPSSScore struct {
	Probability float64 `json:"probability"`
	Percentile  float64 `json:"percentile"`
}

// Feeds is everything read from advisory files.
type Feeds struct {
	Records    []Record
	Advisories []Advisory
	KEV        map[string]KEVEntry
	EPSS       map[string]EPSSScore
	// EPSSModel is the model_version line of the EPSS file, if any.
	EPSSModel string
}
