// "Which systems run X": the inventory (registry software and confirmed
// discovered components) searched by product and version range.

package vuln

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/khien-project/khien/internal/engine/vuln"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Running is one component of a live system that a search found.
type Running struct {
	SystemID   int64  `json:"system_id"`
	SystemName string `json:"system_name"`
	AgencyID   int64  `json:"agency_id"`
	AgencyName string `json:"agency_name"`
	Component  string `json:"component"`
	Version    string `json:"version"`
	CPE        string `json:"cpe"`
	Origin     string `json:"origin"` // registry, discovered
}

// maxRunning bounds one search's answer.
const maxRunning = 100_000

// RunningSystems lists the components of live systems in actor's scope
// that are the product q.Name — by component name, by the vendor:product
// or product of the component's CPE, or of an alias line of its name —
// within q's versions (every version when none is given), ordered by
// agency, system and component.
func (s *Service) RunningSystems(ctx context.Context, actor access.Actor, q Product) ([]Running, error) {
	var e valid.Errors
	q.Name = componentKey(q.Name)
	e.Text("product", q.Name, true, 200, false)
	for field, v := range map[string]string{"version": q.Version, "version_start_including": q.VersionStartIncluding, "version_end_including": q.VersionEndIncluding, "version_end_excluding": q.VersionEndExcluding} {
		e.Text(field, v, false, 100, false)
	}
	if len(e) > 0 {
		return nil, e
	}
	aliases, err := readAliases(ctx, s.db.Q(ctx))
	if err != nil {
		return nil, err
	}
	names := map[string]bool{q.Name: true} // component names that are the product
	for _, a := range aliases {
		if productIs(a.CPE, q.Name) {
			names[a.Name] = true
		}
	}
	var w store.Where
	w.Cond(actor.PathFilter(store.ScopePath))
	w.Add("s.archived_at = ''")
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT t.system_id, s.name, s.agency_id, a.name, t.name, t.version, t.cpe, t.origin FROM (
			SELECT system_id, name, version, cpe, 'registry' AS origin FROM system_software
			UNION ALL SELECT system_id, name, version, '', 'discovered' FROM vuln_discovered WHERE status = 'confirmed') t
		JOIN systems s ON s.id = t.system_id JOIN agencies a ON a.id = s.agency_id WHERE `+w.SQL()+` ORDER BY t.system_id`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("vuln: systems running %s: %w", q.Name, err)
	}
	defer rows.Close()
	out := []Running{}
	for rows.Next() {
		var x Running
		if err := rows.Scan(&x.SystemID, &x.SystemName, &x.AgencyID, &x.AgencyName, &x.Component, &x.Version, &x.CPE, &x.Origin); err != nil {
			return nil, fmt.Errorf("vuln: systems running %s: %w", q.Name, err)
		}
		version := x.Version
		if x.CPE != "" {
			c, err := vuln.ParseCPE(x.CPE)
			if err != nil || !productIs(c.Key(), q.Name) {
				if !names[componentKey(x.Component)] {
					continue
				}
			} else if v := c[3]; v != "*" && v != "" && v != "-" {
				version = v
			}
		} else if !names[componentKey(x.Component)] {
			continue
		}
		if q.versionIn(version) && len(out) < maxRunning {
			out = append(out, x)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.AgencyName != b.AgencyName {
			return a.AgencyName < b.AgencyName
		}
		if a.SystemName != b.SystemName {
			return a.SystemName < b.SystemName
		}
		return a.Component < b.Component
	})
	return out, rows.Err()
}

// productIs reports whether a part:vendor:product triple (or a CPE key)
// names product, given as "product" or "vendor:product".
func productIs(triple, product string) bool {
	p := strings.Split(strings.ToLower(triple), ":")
	if len(p) < 3 {
		return false
	}
	vendor, prod := p[len(p)-2], p[len(p)-1]
	return product == prod || product == vendor+":"+prod
}
