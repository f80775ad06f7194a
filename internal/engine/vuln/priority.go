package vuln

import (
	"fmt"
	"strings"
)

// Reason is one reason for a priority, in Vietnamese and English.
type Reason struct {
	VI string `json:"vi"`
	EN string `json:"en"`
}

// Assessment is what is known of a match's risk and the priority drawn
// from it.
type Assessment struct {
	Priority string     `json:"priority"` // P1 (most urgent) … P4
	Reasons  []Reason   `json:"reasons"`
	CVEs     []string   `json:"cves,omitempty"`
	CVSS     *CVSS      `json:"cvss,omitempty"`
	EPSS     *EPSSScore `json:"epss,omitempty"`
	KEV      *KEVEntry  `json:"kev,omitempty"`
}

// PriorityRules are the thresholds of the priority rules (data, so the
// vulnerability feature can keep them editable).
type PriorityRules struct {
	// EPSSP1 is the EPSS probability from which a match is P1.
	EPSSP1 float64
	// EPSSP2 is the EPSS probability from which a match is at least P2.
	EPSSP2 float64
	// CVSSP2 and CVSSP3 are the base scores from which a match is at least P2, P3.
	CVSSP2, CVSSP3 float64
}

// DefaultPriorityRules are the rules used offline: KEV or EPSS >= 0.5 is
// P1; CVSS >= 9 or EPSS >= 0.1 is P2; CVSS >= 7 is P3; anything else P4.
// (The platform adds exposure and the system's security level.)
var DefaultPriorityRules = PriorityRules{EPSSP1: 0.5, EPSSP2: 0.1, CVSSP2: 9, CVSSP3: 7}

// Assessor gives each match its priority from the feeds' CVSS, EPSS and KEV.
type Assessor struct {
	rules PriorityRules
	byID  *layered[string, *Record]
	kev   *layered[string, KEVEntry]
	epss  *layered[string, EPSSScore]
}

// NewAssessor prepares an Assessor over f (its KEV and EPSS maps are
// kept, not copied: they must not change afterwards). Of two records with
// one id, the one whose source sorts last stands for it (an NVD record,
// not its CVE JSON 5 copy).
func NewAssessor(f *Feeds, rules PriorityRules) *Assessor {
	byID := make(map[string]*Record, len(f.Records))
	for i := range f.Records {
		r := &f.Records[i]
		id := strings.ToUpper(r.ID)
		if cur := byID[id]; cur == nil || cur.Source <= r.Source {
			byID[id] = r
		}
	}
	a := &Assessor{rules: rules, byID: layer(byID), kev: layer(f.KEV), epss: layer(f.EPSS)}
	return a
}

// Assess returns the assessment of one hit. An OSV record is assessed
// through the CVE ids among its aliases.
func (a *Assessor) Assess(h Hit) Assessment {
	var as Assessment
	if h.Record != nil {
		as.CVEs = []string{strings.ToUpper(h.Record.ID)}
		as.CVSS = h.Record.CVSS
	} else if h.Advisory != nil {
		if strings.HasPrefix(strings.ToUpper(h.Advisory.ID), "CVE-") {
			as.CVEs = append(as.CVEs, strings.ToUpper(h.Advisory.ID))
		}
		for _, al := range h.Advisory.Aliases {
			if strings.HasPrefix(strings.ToUpper(al), "CVE-") {
				as.CVEs = append(as.CVEs, strings.ToUpper(al))
			}
		}
		for _, s := range h.Advisory.Severity {
			if strings.HasPrefix(s.Type, "CVSS_V4") || (as.CVSS == nil && strings.HasPrefix(s.Type, "CVSS_V3")) {
				as.CVSS = &CVSS{Version: strings.TrimPrefix(strings.SplitN(s.Score, "/", 2)[0], "CVSS:"), Vector: s.Score}
				as.CVSS.Score, _ = CVSS3BaseScore(s.Score)
			}
		}
		for _, id := range as.CVEs {
			if r := a.byID.at(id); r != nil && r.CVSS != nil {
				as.CVSS = r.CVSS
				break
			}
		}
	}
	for _, id := range as.CVEs {
		if k, ok := a.kev.get(id); ok && as.KEV == nil {
			as.KEV = &k
		}
		if e, ok := a.epss.get(id); ok && (as.EPSS == nil || e.Probability > as.EPSS.Probability) {
			as.EPSS = &e
		}
	}
	a.prioritise(&as)
	return as
}

func (a *Assessor) prioritise(as *Assessment) {
	r := a.rules
	p := 4
	raise := func(to int, vi, en string) {
		p = min(p, to)
		as.Reasons = append(as.Reasons, Reason{VI: vi, EN: en})
	}
	if as.KEV != nil {
		raise(1, fmt.Sprintf("có trong danh mục KEV của CISA (bị khai thác thực tế) từ %s, hạn khắc phục %s", as.KEV.DateAdded, as.KEV.DueDate),
			fmt.Sprintf("in the CISA KEV catalogue (exploited in the wild) since %s, due %s", as.KEV.DateAdded, as.KEV.DueDate))
		if as.KEV.Ransomware {
			raise(1, "đã được dùng trong các chiến dịch mã độc tống tiền", "known to be used in ransomware campaigns")
		}
	}
	if e := as.EPSS; e != nil {
		switch {
		case e.Probability >= r.EPSSP1:
			raise(1, fmt.Sprintf("EPSS %.3f ≥ %.2f: khả năng bị khai thác cao", e.Probability, r.EPSSP1), fmt.Sprintf("EPSS %.3f ≥ %.2f: likely to be exploited", e.Probability, r.EPSSP1))
		case e.Probability >= r.EPSSP2:
			raise(2, fmt.Sprintf("EPSS %.3f ≥ %.2f", e.Probability, r.EPSSP2), fmt.Sprintf("EPSS %.3f ≥ %.2f", e.Probability, r.EPSSP2))
		}
	}
	if c := as.CVSS; c != nil && c.Score > 0 {
		switch {
		case c.Score >= r.CVSSP2:
			raise(2, fmt.Sprintf("CVSS %s %.1f: nghiêm trọng", c.Version, c.Score), fmt.Sprintf("CVSS %s %.1f: critical", c.Version, c.Score))
		case c.Score >= r.CVSSP3:
			raise(3, fmt.Sprintf("CVSS %s %.1f: cao", c.Version, c.Score), fmt.Sprintf("CVSS %s %.1f: high", c.Version, c.Score))
		default:
			raise(4, fmt.Sprintf("CVSS %s %.1f", c.Version, c.Score), fmt.Sprintf("CVSS %s %.1f", c.Version, c.Score))
		}
	}
	if len(as.Reasons) == 0 {
		as.Reasons = append(as.Reasons, Reason{VI: "không có điểm CVSS, EPSS hay KEV", EN: "no CVSS score, EPSS or KEV entry"})
	}
	as.Priority = fmt.Sprintf("P%d", p)
}
