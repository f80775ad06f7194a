// The official notice of an advisory to one agency: what the printable
// page (A4) shows.

package vuln

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
)

// NoticeSystem is one of the agency's affected systems and what makes it
// affected (each CVE with an unresolved finding, each named product the
// system runs in the versions given).
type NoticeSystem struct {
	SystemID   int64    `json:"system_id"`
	SystemName string   `json:"system_name"`
	Why        []string `json:"why"`
}

// AgencyNotice is an advisory addressed to one agency: the advisory, the
// agency (with its security officer), its progress and its systems the
// advisory affects now.
type AgencyNotice struct {
	Advisory        Advisory       `json:"advisory"`
	AgencyID        int64          `json:"agency_id"`
	AgencyCode      string         `json:"agency_code"`
	AgencyName      string         `json:"agency_name"`
	SecurityOfficer string         `json:"security_officer"`
	Progress        AgencyProgress `json:"progress"`
	Systems         []NoticeSystem `json:"systems"`
	IssuedOn        time.Time      `json:"issued_on"` // when the advisory reached the agency
}

// AgencyNotice returns the notice of advisory id to agency agencyID: in
// actor's scope, and only for an agency the advisory reached (else not
// found).
func (s *Service) AgencyNotice(ctx context.Context, actor access.Actor, id, agencyID int64) (AgencyNotice, error) {
	a, err := s.Advisory(ctx, actor, id)
	if err != nil {
		return AgencyNotice{}, err
	}
	n := AgencyNotice{Advisory: a, AgencyID: agencyID}
	found := false
	for _, p := range a.Agencies {
		if p.AgencyID == agencyID {
			n.Progress, n.IssuedOn, found = p, p.NotifiedAt, true
		}
	}
	if !found { // not reached, or not in actor's scope
		return AgencyNotice{}, fmt.Errorf("vuln: notice of advisory %d to agency %d: %w", id, agencyID, store.ErrNotFound)
	}
	q := s.db.Q(ctx)
	if err := q.QueryRowContext(ctx, `SELECT code, name, security_officer FROM agencies WHERE id = $1`, agencyID).Scan(&n.AgencyCode, &n.AgencyName, &n.SecurityOfficer); err != nil {
		return AgencyNotice{}, fmt.Errorf("vuln: agency %d: %w", agencyID, err)
	}
	why, err := affectedWhy(ctx, q, a)
	if err != nil {
		return AgencyNotice{}, err
	}
	n.Systems = []NoticeSystem{}
	for _, x := range a.Systems {
		if x.AgencyID == agencyID {
			n.Systems = append(n.Systems, NoticeSystem{SystemID: x.SystemID, SystemName: x.SystemName, Why: why[x.SystemID]})
		}
	}
	sort.Slice(n.Systems, func(i, j int) bool { return n.Systems[i].SystemName < n.Systems[j].SystemName })
	return n, nil
}

// affectedWhy lists, by system, every reason the advisory affects it
// (affected keeps the first only).
func affectedWhy(ctx context.Context, q store.Querier, a Advisory) (map[int64][]string, error) {
	out := map[int64][]string{}
	seen := map[string]bool{}
	add := func(id int64, why string) {
		k := fmt.Sprintf("%d\x00%s", id, why)
		if !seen[k] {
			seen[k] = true
			out[id] = append(out[id], why)
		}
	}
	if len(a.CVEs) > 0 {
		rows, err := q.QueryContext(ctx, `SELECT f.system_id, f.component, f.version, f.vuln_id, f.cves FROM vuln_findings f JOIN systems s ON s.id = f.system_id
			WHERE s.archived_at = '' AND f.status IN ('open', 'in_progress', 'risk_accepted') ORDER BY f.system_id, f.component, f.vuln_id`)
		if err != nil {
			return nil, fmt.Errorf("vuln: notice findings: %w", err)
		}
		for rows.Next() {
			var id int64
			var comp, version, vid, cves string
			if err := rows.Scan(&id, &comp, &version, &vid, &cves); err != nil {
				rows.Close()
				return nil, err
			}
			for _, c := range a.CVEs {
				if c == vid || slices.Contains(strings.Fields(cves), c) {
					add(id, fmt.Sprintf("%s@%s: %s", comp, version, c))
				}
			}
		}
		rows.Close()
	}
	if len(a.Products) > 0 {
		rows, err := q.QueryContext(ctx, `SELECT t.system_id, t.name, t.version FROM system_software t JOIN systems s ON s.id = t.system_id WHERE s.archived_at = '' ORDER BY t.system_id, t.position`)
		if err != nil {
			return nil, fmt.Errorf("vuln: notice software: %w", err)
		}
		for rows.Next() {
			var id int64
			var name, version string
			if err := rows.Scan(&id, &name, &version); err != nil {
				rows.Close()
				return nil, err
			}
			for _, p := range a.Products {
				if p.affects(name, version) {
					add(id, name+"@"+version)
					break
				}
			}
		}
		rows.Close()
	}
	return out, nil
}
