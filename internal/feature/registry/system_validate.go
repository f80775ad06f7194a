// Validation and normalisation of a system's fields and assets.

package registry

import (
	"fmt"
	"strings"

	"github.com/khien-project/khien/internal/platform/valid"
)

const maxAssets = 200

// validate checks every field and normalises the assets in place.
func (s *System) validate() error {
	var e valid.Errors
	if s.AgencyID <= 0 {
		e.Add("agency_id", "is required", "bắt buộc phải chọn đơn vị")
	}
	e.Text("name", s.Name, true, 200, false)
	e.Text("purpose", s.Purpose, false, 2000, true)
	e.Text("info_kind", s.InfoKind, false, 200, false)
	e.Text("audience", s.Audience, false, 200, false)
	e.OneOf("hosting", s.Hosting, false, Hostings...)
	e.Text("operator", s.Operator, false, 200, false)
	if s.Status == "" {
		s.Status = "active"
	}
	e.OneOf("status", s.Status, true, Statuses...)
	s.URLs = checkList(&e, "urls", s.URLs, e.URL)
	s.Domains = checkList(&e, "domains", s.Domains, e.DomainField)
	s.IPs = checkList(&e, "ips", s.IPs, e.IP)
	s.CIDRs = checkList(&e, "cidrs", s.CIDRs, e.CIDR)
	if len(s.Software) > maxAssets {
		e.Add("software", fmt.Sprintf("has more than %d entries", maxAssets), fmt.Sprintf("có hơn %d mục", maxAssets))
	}
	for i := range s.Software {
		sw := &s.Software[i]
		field := fmt.Sprintf("software[%d]", i)
		sw.Name, sw.Version, sw.CPE, sw.PURL = strings.TrimSpace(sw.Name), strings.TrimSpace(sw.Version), strings.TrimSpace(sw.CPE), strings.TrimSpace(sw.PURL)
		e.Text(field+".name", sw.Name, true, 200, false)
		e.Text(field+".version", sw.Version, false, 100, false)
		if sw.CPE != "" && !strings.HasPrefix(sw.CPE, "cpe:2.3:") && !strings.HasPrefix(sw.CPE, "cpe:/") {
			e.Add(field+".cpe", fmt.Sprintf("%q is not a CPE name (cpe:2.3:… or cpe:/…)", sw.CPE), fmt.Sprintf("%q không phải tên CPE (cpe:2.3:… hoặc cpe:/…)", sw.CPE))
		}
		e.Text(field+".cpe", sw.CPE, false, 500, false)
		if sw.PURL != "" && !strings.HasPrefix(sw.PURL, "pkg:") {
			e.Add(field+".purl", fmt.Sprintf("%q is not a package URL (pkg:type/name@version)", sw.PURL), fmt.Sprintf("%q không phải package URL (pkg:loại/tên@phiên-bản)", sw.PURL))
		}
		e.Text(field+".purl", sw.PURL, false, 500, false)
	}
	return e.Err()
}

// checkList validates and normalises each entry, dropping empty entries
// and exact duplicates.
func checkList(e *valid.Errors, field string, in []string, check func(field, v string) string) []string {
	if len(in) > maxAssets {
		e.Add(field, fmt.Sprintf("has more than %d entries", maxAssets), fmt.Sprintf("có hơn %d mục", maxAssets))
		return in
	}
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for i, v := range in {
		if v == "" {
			continue
		}
		n := check(fmt.Sprintf("%s[%d]", field, i), v)
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}
