package vuln

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

type kevJSON struct {
	CVEID      string `json:"cveID"`
	DateAdded  string `json:"dateAdded"`
	DueDate    string `json:"dueDate"`
	Ransomware string `json:"knownRansomwareCampaignUse"`
	Name       string `json:"vulnerabilityName"`
}

func (k kevJSON) entry() (KEVEntry, error) {
	if !strings.HasPrefix(strings.ToUpper(k.CVEID), "CVE-") {
		return KEVEntry{}, fmt.Errorf("KEV: cveID %q is not a CVE id", k.CVEID)
	}
	return KEVEntry{CVE: strings.ToUpper(k.CVEID), DateAdded: k.DateAdded, DueDate: k.DueDate,
		Ransomware: strings.EqualFold(k.Ransomware, "Known"), Name: k.Name}, nil
}

// ReadKEV reads the CISA KEV catalogue as JSON (known_exploited_vulnerabilities.json),
// streaming its "vulnerabilities" array; nothing is returned on error.
func ReadKEV(r io.Reader) (map[string]KEVEntry, error) {
	s := newJSONStream("KEV", r)
	out := map[string]KEVEntry{}
	seen := false
	err := s.object(func(key string) error {
		if key != "vulnerabilities" {
			return s.skip()
		}
		seen = true
		return s.array(func() error {
			var k kevJSON
			if err := s.decode(&k); err != nil {
				return err
			}
			e, err := k.entry()
			if err != nil {
				return err
			}
			out[e.CVE] = e
			return nil
		})
	})
	if err == nil {
		err = s.end()
	}
	if err == nil && !seen {
		err = errors.New("KEV: no \"vulnerabilities\" array: not the KEV catalogue")
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReadKEVCSV reads the CISA KEV catalogue as CSV (known_exploited_vulnerabilities.csv).
func ReadKEVCSV(r io.Reader) (map[string]KEVEntry, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("KEV CSV: no header line: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")] = i
	}
	if _, ok := col["cveID"]; !ok {
		return nil, errors.New("KEV CSV: the header has no cveID column: not the KEV catalogue")
	}
	get := func(row []string, name string) string {
		if i, ok := col[name]; ok && i < len(row) {
			return row[i]
		}
		return ""
	}
	out := map[string]KEVEntry{}
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("KEV CSV: %w", err)
		}
		e, err := kevJSON{CVEID: get(row, "cveID"), DateAdded: get(row, "dateAdded"), DueDate: get(row, "dueDate"),
			Ransomware: get(row, "knownRansomwareCampaignUse"), Name: get(row, "vulnerabilityName")}.entry()
		if err != nil {
			line, _ := cr.FieldPos(0)
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		out[e.CVE] = e
	}
}
