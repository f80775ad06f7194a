package vuln

import (
	"fmt"
	"io"
	"strings"
)

type langText struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

type cvssData struct {
	Version      string  `json:"version"`
	VectorString string  `json:"vectorString"`
	BaseScore    float64 `json:"baseScore"`
	BaseSeverity string  `json:"baseSeverity"`
}

type nvdMetric struct {
	Type         string   `json:"type"`
	CVSSData     cvssData `json:"cvssData"`
	BaseSeverity string   `json:"baseSeverity"` // v2 keeps it here
}

// nvdCVE is the "cve" object of the NVD CVE API 2.0.
type nvdCVE struct {
	ID             string                 `json:"id"`
	VulnStatus     string                 `json:"vulnStatus"`
	Published      string                 `json:"published"`
	LastModified   string                 `json:"lastModified"`
	Descriptions   []langText             `json:"descriptions"`
	Metrics        map[string][]nvdMetric `json:"metrics"`
	Configurations []Configuration        `json:"configurations"`
}

// cve5Metadata and cve5Containers are the parts of a CVE JSON 5 record read.
type cve5Metadata struct {
	CVEID         string `json:"cveId"`
	State         string `json:"state"`
	DatePublished string `json:"datePublished"`
	DateUpdated   string `json:"dateUpdated"`
}

type cve5Container struct {
	Descriptions []langText                   `json:"descriptions"`
	Metrics      []map[string]json5CVSSMetric `json:"metrics"`
}

type json5CVSSMetric struct {
	Version      string  `json:"version"`
	VectorString string  `json:"vectorString"`
	BaseScore    float64 `json:"baseScore"`
	BaseSeverity string  `json:"baseSeverity"`
}

type cve5Containers struct {
	CNA cve5Container   `json:"cna"`
	ADP []cve5Container `json:"adp"`
}

// ParseNVD reads NVD CVE API 2.0 JSON (one record's "cve" object, an API
// item {"cve": …}, or a feed file or saved API page with a
// "vulnerabilities" array) or a CVE JSON 5 record, calling fn for each
// record as it is read, in bounded memory. On error the records already
// passed to fn must be discarded by the caller; ReadNVD does that.
func ParseNVD(r io.Reader, fn func(Record) error) error {
	s := newJSONStream("NVD/CVE JSON", r)
	var bare nvdCVE
	var meta cve5Metadata
	var cont cve5Containers
	var sawBare, sawCVE5 bool
	err := s.object(func(key string) error {
		switch key {
		case "vulnerabilities":
			return s.array(func() error {
				var item struct {
					CVE *nvdCVE `json:"cve"`
				}
				if err := s.decode(&item); err != nil {
					return err
				}
				if item.CVE == nil {
					return fmt.Errorf("%s: at byte %d: an element of \"vulnerabilities\" has no \"cve\" object", s.kind, s.dec.InputOffset())
				}
				return emitNVD(*item.CVE, fn)
			})
		case "cve":
			var c nvdCVE
			if err := s.decode(&c); err != nil {
				return err
			}
			return emitNVD(c, fn)
		case "id", "vulnStatus", "published", "lastModified", "descriptions", "metrics", "configurations":
			sawBare = true
			return s.decode(bareField(&bare, key))
		case "cveMetadata":
			sawCVE5 = true
			return s.decode(&meta)
		case "containers":
			sawCVE5 = true
			return s.decode(&cont)
		}
		return s.skip()
	})
	if err != nil {
		return err
	}
	if err := s.end(); err != nil {
		return err
	}
	switch {
	case sawCVE5:
		return emitCVE5(meta, cont, fn)
	case sawBare:
		return emitNVD(bare, fn)
	}
	return nil
}

func bareField(c *nvdCVE, key string) any {
	switch key {
	case "id":
		return &c.ID
	case "vulnStatus":
		return &c.VulnStatus
	case "published":
		return &c.Published
	case "lastModified":
		return &c.LastModified
	case "descriptions":
		return &c.Descriptions
	case "metrics":
		return &c.Metrics
	}
	return &c.Configurations
}

func emitNVD(c nvdCVE, fn func(Record) error) error {
	if !strings.HasPrefix(strings.ToUpper(c.ID), "CVE-") {
		return fmt.Errorf("NVD record %q: the id is not a CVE id", c.ID)
	}
	rec := Record{ID: c.ID, Source: "nvd", Status: c.VulnStatus, Published: c.Published, Modified: c.LastModified,
		Description: english(c.Descriptions), CVSS: nvdCVSS(c.Metrics), Configurations: c.Configurations}
	if err := compileRecord(&rec, nil); err != nil {
		return err
	}
	return fn(rec)
}

func emitCVE5(m cve5Metadata, c cve5Containers, fn func(Record) error) error {
	if !strings.HasPrefix(strings.ToUpper(m.CVEID), "CVE-") {
		return fmt.Errorf("CVE JSON 5 record: cveMetadata.cveId %q is not a CVE id", m.CVEID)
	}
	rec := Record{ID: m.CVEID, Source: "cve5", Status: m.State, Published: m.DatePublished, Modified: m.DateUpdated,
		Description: english(c.CNA.Descriptions)}
	for _, ct := range append([]cve5Container{c.CNA}, c.ADP...) {
		if rec.CVSS = cve5CVSS(ct.Metrics); rec.CVSS != nil {
			break
		}
	}
	if strings.EqualFold(m.State, "REJECTED") {
		rec.Status = "Rejected"
	}
	return fn(rec)
}

func english(ds []langText) string {
	for _, d := range ds {
		if strings.HasPrefix(d.Lang, "en") {
			return d.Value
		}
	}
	if len(ds) > 0 {
		return ds[0].Value
	}
	return ""
}

// nvdCVSS picks v4.0, else v3.1, v3.0, v2; the Primary (NVD) score first.
func nvdCVSS(m map[string][]nvdMetric) *CVSS {
	for _, k := range []string{"cvssMetricV40", "cvssMetricV31", "cvssMetricV30", "cvssMetricV2"} {
		ms := m[k]
		if len(ms) == 0 {
			continue
		}
		best := ms[0]
		for _, x := range ms {
			if x.Type == "Primary" {
				best = x
				break
			}
		}
		sev := best.CVSSData.BaseSeverity
		if sev == "" {
			sev = best.BaseSeverity
		}
		return &CVSS{Version: best.CVSSData.Version, Score: best.CVSSData.BaseScore, Severity: sev, Vector: best.CVSSData.VectorString}
	}
	return nil
}

func cve5CVSS(ms []map[string]json5CVSSMetric) *CVSS {
	for _, k := range []string{"cvssV4_0", "cvssV3_1", "cvssV3_0", "cvssV2_0"} {
		for _, m := range ms {
			if x, ok := m[k]; ok && x.VectorString != "" {
				return &CVSS{Version: x.Version, Score: x.BaseScore, Severity: x.BaseSeverity, Vector: x.VectorString}
			}
		}
	}
	return nil
}

// compileRecord parses every criterion's CPE name; names, when not nil,
// holds the criteria already parsed, to share (and gets the new ones).
func compileRecord(rec *Record, names map[string]*criterion) error {
	for ci := range rec.Configurations {
		if err := compileNodes(rec.ID, rec.Configurations[ci].Nodes, 0, names); err != nil {
			return err
		}
	}
	return nil
}

func compileNodes(id string, nodes []Node, depth int, names map[string]*criterion) error {
	if depth > 8 {
		return fmt.Errorf("NVD record %s: configuration nodes nested too deep", id)
	}
	for ni := range nodes {
		n := &nodes[ni]
		for mi := range n.Matches {
			m := &n.Matches[mi]
			name := names[m.Criteria]
			if name == nil {
				c, err := ParseCPE(m.Criteria)
				if err != nil {
					return fmt.Errorf("NVD record %s: %w", id, err)
				}
				name = &criterion{cpe: c, exact: parseVersion(c[cpeVersion]), key: c.Key()}
				// Shared: a product at any version (most criteria name
				// one); exact versions repeat too seldom to keep.
				if names != nil && strings.HasSuffix(m.Criteria, ":*:*:*:*:*:*:*:*") {
					names[m.Criteria] = name
				}
			}
			m.name = name
			m.bounds = nil
			if hasBounds(m) {
				m.bounds = &[4]parsedVersion{parseVersion(m.VersionStartIncluding), parseVersion(m.VersionStartExcluding),
					parseVersion(m.VersionEndIncluding), parseVersion(m.VersionEndExcluding)}
			}
		}
		if err := compileNodes(id, n.Children, depth+1, names); err != nil {
			return err
		}
	}
	return nil
}

// ReadNVD reads every record of an NVD or CVE JSON 5 document, or none
// when it is malformed.
func ReadNVD(r io.Reader) ([]Record, error) {
	var out []Record
	if err := ParseNVD(r, func(rec Record) error { out = append(out, rec); return nil }); err != nil {
		return nil, err
	}
	return out, nil
}
