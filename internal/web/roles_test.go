package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// expect lists the status for admin, analyst, agencyA, agencyB, auditor
// and anonymous, in that order.
type expect [6]int

type roleCase struct {
	name   string
	method string
	path   func(w *world, role string) string
	body   func(w *world, role string) any
	want   expect
}

func fixed(p string) func(*world, string) string { return func(*world, string) string { return p } }

// freshSystem makes a new system in A1 for a destructive case.
func freshSystem(w *world, role string) string {
	code, body := w.api("admin", "POST", "/api/v1/systems", map[string]any{"agency_id": w.a1.ID, "name": "tmp " + role})
	if code != http.StatusCreated {
		w.t.Fatalf("fresh system: %d %s", code, body)
	}
	return fmt.Sprintf("/api/v1/systems/%d", idOf(w.t, body))
}

// freshArchived makes a new system in A1 and archives it.
func freshArchived(w *world, role string) string {
	path := freshSystem(w, "archived "+role)
	if code, body := w.api("admin", "DELETE", path, nil); code != http.StatusNoContent {
		w.t.Fatalf("archive: %d %s", code, body)
	}
	return path
}

func suffixed(f func(*world, string) string, suffix string) func(*world, string) string {
	return func(w *world, role string) string { return f(w, role) + suffix }
}

func freshAgency(w *world, role string) string {
	code, body := w.api("admin", "POST", "/api/v1/agencies", map[string]any{"code": "TMP-" + role, "name": "tạm", "parent_id": w.a.ID})
	if code != http.StatusCreated {
		w.t.Fatalf("fresh agency: %d %s", code, body)
	}
	return fmt.Sprintf("/api/v1/agencies/%d", idOf(w.t, body))
}

var freshUsers int

func freshUser(w *world, role string) string {
	freshUsers++
	code, body := w.api("admin", "POST", "/api/v1/users", map[string]any{"username": fmt.Sprintf("tmp-%s-%d", role, freshUsers), "password": testPassword, "role": "auditor"})
	if code != http.StatusCreated {
		w.t.Fatalf("fresh user: %d %s", code, body)
	}
	return fmt.Sprintf("/api/v1/users/%d", idOf(w.t, body))
}

var freshSites int

// freshPendingSite makes, as agency A's officer, a system in A1 with one
// URL on a host of its own (so that no check waits for another's spacing):
// a site pending verification, then the path suffix on it.
func freshPendingSite(suffix string) func(*world, string) string {
	return func(w *world, role string) string {
		freshSites++
		url := fmt.Sprintf("https://127.0.1.%d:1/", freshSites)
		code, body := w.api("agencyA", "POST", "/api/v1/systems", map[string]any{"agency_id": w.a1.ID, "name": fmt.Sprintf("chờ %s %d", role, freshSites), "urls": []string{url}})
		if code != http.StatusCreated {
			w.t.Fatalf("fresh pending site: %d %s", code, body)
		}
		code, body = w.api("admin", "GET", fmt.Sprintf("/api/v1/sites?system_id=%d", idOf(w.t, body)), nil)
		var l struct {
			Items []struct {
				ID           int64
				Verification string
			}
		}
		if err := json.Unmarshal(body, &l); code != 200 || err != nil || len(l.Items) != 1 || l.Items[0].Verification != "pending" {
			w.t.Fatalf("fresh pending site: %d %s", code, body)
		}
		return fmt.Sprintf("/api/v1/sites/%d%s", l.Items[0].ID, suffix)
	}
}

func siteA(suffix string) func(*world, string) string {
	return func(w *world, _ string) string { return fmt.Sprintf("/api/v1/sites/%d%s", w.siteA.ID, suffix) }
}

func monA(suffix string) func(*world, string) string {
	return func(w *world, _ string) string { return fmt.Sprintf("/api/v1/monitors/%d%s", w.siteA.ID, suffix) }
}

func scanA(suffix string) func(*world, string) string {
	return func(w *world, _ string) string { return fmt.Sprintf("/api/v1/scans/%d%s", w.scanA, suffix) }
}

func labelA(suffix string) func(*world, string) string {
	return func(w *world, _ string) string { return "/api/v1/labels/" + w.labelA + suffix }
}

// evidenceSystems holds, per world, the system in A1 approved at level 3
// whose evidence files the role cases use (made once, on first use).
var evidenceSystems = map[*world]string{}

// evidenceOf is the evidence path of requirement g.risk of that system.
func evidenceOf(w *world, _ string) string {
	if p, ok := evidenceSystems[w]; ok {
		return p
	}
	p := "/api/v1" + strings.Replace(assessedSystemPage(w, "evidence"), "/levels", "", 1) + "/requirements/g.risk/evidence"
	evidenceSystems[w] = p
	return p
}

// freshEvidence is an evidence file the admin has just uploaded there.
func freshEvidence(w *world, role string) string {
	code, body := w.api("admin", "POST", evidenceOf(w, role)+"?name=bien-ban-"+role+".pdf", "%PDF-1.4\n%%EOF\n")
	if code != http.StatusCreated {
		w.t.Fatalf("evidence file: %d %s", code, body)
	}
	return fmt.Sprintf("%s/%d", evidenceOf(w, role), idOf(w.t, body))
}

func apiCases() []roleCase {
	agencyA := func(w *world, _ string) string { return fmt.Sprintf("/api/v1/agencies/%d", w.a.ID) }
	agencyB := func(w *world, _ string) string { return fmt.Sprintf("/api/v1/agencies/%d", w.b.ID) }
	sysA := func(w *world, _ string) string { return fmt.Sprintf("/api/v1/systems/%d", w.sysA.ID) }
	sysB := func(w *world, _ string) string { return fmt.Sprintf("/api/v1/systems/%d", w.sysB.ID) }
	return []roleCase{
		{"list evidence files", "GET", evidenceOf, nil, expect{200, 200, 200, 404, 200, 401}},
		{"upload an evidence file", "POST", suffixed(evidenceOf, "?name=bien-ban.pdf"), func(*world, string) any { return "%PDF-1.4\n%%EOF\n" }, expect{201, 201, 201, 404, 403, 401}},
		{"download an evidence file", "GET", freshEvidence, nil, expect{200, 200, 200, 404, 200, 401}},
		{"delete an evidence file", "DELETE", freshEvidence, nil, expect{204, 204, 204, 404, 403, 401}},
		{"list agencies", "GET", fixed("/api/v1/agencies"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"get agency A", "GET", agencyA, nil, expect{200, 200, 200, 404, 200, 401}},
		{"get agency B", "GET", agencyB, nil, expect{200, 200, 404, 200, 200, 401}},
		{"create agency under A", "POST", fixed("/api/v1/agencies"), func(w *world, role string) any {
			return map[string]any{"code": "NEW-" + role, "name": "Đơn vị mới", "parent_id": w.a.ID}
		}, expect{201, 403, 201, 400, 403, 401}},
		{"create root agency", "POST", fixed("/api/v1/agencies"), func(w *world, role string) any {
			return map[string]any{"code": "ROOT-" + role, "name": "Gốc"}
		}, expect{201, 403, 400, 400, 403, 401}},
		{"patch agency A1", "PATCH", func(w *world, _ string) string { return fmt.Sprintf("/api/v1/agencies/%d", w.a1.ID) }, func(*world, string) any {
			return map[string]any{"phone": "0238 3812 345"}
		}, expect{200, 403, 200, 404, 403, 401}},
		{"delete agency in A", "DELETE", freshAgency, nil, expect{204, 403, 204, 404, 403, 401}},
		{"delete own agency", "DELETE", agencyA, nil, expect{409, 403, 403, 404, 403, 401}},
		{"list systems", "GET", fixed("/api/v1/systems"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"get system A", "GET", sysA, nil, expect{200, 200, 200, 404, 200, 401}},
		{"get system B", "GET", sysB, nil, expect{200, 200, 404, 200, 200, 401}},
		{"create system in A1", "POST", fixed("/api/v1/systems"), func(w *world, role string) any {
			return map[string]any{"agency_id": w.a1.ID, "name": "Hệ thống " + role, "urls": []string{"https://new.example/"}}
		}, expect{201, 403, 201, 400, 403, 401}},
		{"patch system A", "PATCH", sysA, func(*world, string) any { return map[string]any{"operator": "Trung tâm"} }, expect{200, 403, 200, 404, 403, 401}},
		{"delete system in A1", "DELETE", freshSystem, nil, expect{204, 403, 204, 404, 403, 401}},
		{"list archived systems", "GET", fixed("/api/v1/systems?archived=all"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"get archived system in A1", "GET", freshArchived, nil, expect{200, 200, 200, 404, 200, 401}},
		{"patch archived system in A1", "PATCH", freshArchived, func(*world, string) any { return map[string]any{"operator": "X"} }, expect{409, 403, 409, 404, 403, 401}},
		{"delete archived system in A1", "DELETE", freshArchived, nil, expect{409, 403, 409, 404, 403, 401}},
		{"restore archived system in A1", "POST", suffixed(freshArchived, "/restore"), nil, expect{200, 403, 403, 403, 403, 401}},
		{"purge archived system in A1", "POST", suffixed(freshArchived, "/purge"), nil, expect{200, 403, 403, 403, 403, 401}},
		{"purge live system A", "POST", func(w *world, _ string) string { return fmt.Sprintf("/api/v1/systems/%d/purge", w.sysA.ID) }, nil, expect{409, 403, 403, 403, 403, 401}},
		{"restore live system A", "POST", func(w *world, _ string) string { return fmt.Sprintf("/api/v1/systems/%d/restore", w.sysA.ID) }, nil, expect{409, 403, 403, 403, 403, 401}},
		{"export systems", "GET", fixed("/api/v1/export/systems"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"export agencies", "GET", fixed("/api/v1/export/agencies"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"import systems dry run", "POST", fixed("/api/v1/import/systems?dry_run=true"), func(*world, string) any {
			return "agency_code,name\nA1,Hệ thống nhập\n"
		}, expect{200, 403, 200, 400, 403, 401}},
		{"list users", "GET", fixed("/api/v1/users"), nil, expect{200, 403, 403, 403, 403, 401}},
		{"create user", "POST", fixed("/api/v1/users"), func(w *world, role string) any {
			return map[string]any{"username": "new-" + role, "password": testPassword, "role": "agency", "agency_id": w.b.ID}
		}, expect{201, 403, 403, 403, 403, 401}},
		{"get user agencyA", "GET", func(w *world, _ string) string { return fmt.Sprintf("/api/v1/users/%d", w.users["agencyA"].ID) }, nil, expect{200, 404, 200, 404, 404, 401}},
		{"patch user", "PATCH", freshUser, func(*world, string) any { return map[string]any{"display_name": "X"} }, expect{200, 403, 403, 403, 403, 401}},
		{"delete user", "DELETE", freshUser, nil, expect{204, 403, 403, 403, 403, 401}},
		{"me", "GET", fixed("/api/v1/me"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"change own password, keeping tokens", "POST", fixed("/api/v1/me/password"), func(*world, string) any {
			return map[string]any{"current_password": testPassword, "new_password": testPassword, "keep_tokens": true}
		}, expect{200, 200, 200, 200, 200, 401}},
		{"demote the last admin", "PATCH", func(w *world, _ string) string { return fmt.Sprintf("/api/v1/users/%d", w.users["admin"].ID) },
			func(*world, string) any { return map[string]any{"role": "analyst"} }, expect{409, 403, 403, 403, 403, 401}},
		{"disable the last admin", "PATCH", func(w *world, _ string) string { return fmt.Sprintf("/api/v1/users/%d", w.users["admin"].ID) },
			func(*world, string) any { return map[string]any{"disabled": true} }, expect{409, 403, 403, 403, 403, 401}},
		{"list tokens", "GET", fixed("/api/v1/tokens"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"create own token", "POST", fixed("/api/v1/tokens"), func(*world, string) any { return map[string]any{"label": "ci"} }, expect{201, 201, 201, 201, 201, 401}},
		{"revoke agencyA's token", "DELETE", func(w *world, role string) string {
			code, body := w.api("agencyA", "POST", "/api/v1/tokens", map[string]any{"label": "to revoke by " + role})
			if code != http.StatusCreated {
				w.t.Fatalf("token: %d %s", code, body)
			}
			return fmt.Sprintf("/api/v1/tokens/%d", idOf(w.t, body))
		}, nil, expect{204, 404, 204, 404, 404, 401}},
		{"audit log", "GET", fixed("/api/v1/audit"), nil, expect{200, 403, 403, 403, 200, 401}},
		{"audit verify", "GET", fixed("/api/v1/audit/verify"), nil, expect{200, 403, 403, 403, 200, 401}},
		{"list sites", "GET", fixed("/api/v1/sites"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"get site A", "GET", siteA(""), nil, expect{200, 200, 200, 404, 200, 401}},
		{"get site B", "GET", func(w *world, _ string) string { return fmt.Sprintf("/api/v1/sites/%d", w.siteB.ID) }, nil, expect{200, 200, 404, 200, 200, 401}},
		{"site A settings", "PATCH", siteA(""), func(*world, string) any { return map[string]any{"scan_every_hours": 12} }, expect{200, 200, 403, 403, 403, 401}},
		{"verify a pending site now", "POST", freshPendingSite("/verify"), nil, expect{200, 200, 200, 404, 403, 401}},
		{"approve a pending site", "POST", freshPendingSite("/approve"), nil, expect{200, 200, 403, 403, 403, 401}},
		{"reject a pending site", "POST", freshPendingSite("/reject"), nil, expect{200, 200, 403, 403, 403, 401}},
		{"scan a pending site", "POST", fixed("/api/v1/scans"), func(w *world, role string) any {
			return map[string]any{"site_id": idOf(w.t, []byte(`{"id":`+strings.TrimPrefix(freshPendingSite("")(w, role), "/api/v1/sites/")+`}`))}
		}, expect{409, 409, 409, 404, 403, 401}},
		{"scan site A now", "POST", fixed("/api/v1/scans"), func(w *world, _ string) any { return map[string]any{"site_id": w.siteA.ID} }, expect{202, 202, 202, 404, 403, 401}},
		{"ad-hoc scan of an unregistered URL", "POST", fixed("/api/v1/scans"), func(*world, string) any { return map[string]any{"url": "https://phishing.example/login"} }, expect{202, 202, 404, 404, 403, 401}},
		{"scan site A by its URL", "POST", fixed("/api/v1/scans"), func(w *world, _ string) any { return map[string]any{"url": w.siteA.URL} }, expect{202, 202, 202, 404, 403, 401}},
		{"list scans", "GET", fixed("/api/v1/scans"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"get scan A", "GET", scanA(""), nil, expect{200, 200, 200, 404, 200, 401}},
		{"scan A report", "GET", scanA("/report"), nil, expect{200, 200, 200, 404, 200, 401}},
		{"scan A diff", "GET", scanA("/diff"), nil, expect{200, 200, 200, 404, 200, 401}},
		{"list findings", "GET", fixed("/api/v1/findings"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"resolve finding on A", "POST", func(w *world, _ string) string {
			code, body := w.api("admin", "GET", fmt.Sprintf("/api/v1/findings?site_id=%d", w.siteA.ID), nil)
			var l struct{ Items []struct{ ID int64 } }
			if err := json.Unmarshal(body, &l); code != 200 || err != nil || len(l.Items) == 0 {
				w.t.Fatalf("findings of A: %d %s", code, body)
			}
			return fmt.Sprintf("/api/v1/findings/%d/resolve", l.Items[0].ID)
		}, nil, expect{204, 204, 403, 403, 403, 401}},
		{"list monitors", "GET", fixed("/api/v1/monitors"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"monitor A", "GET", monA(""), nil, expect{200, 200, 200, 404, 200, 401}},
		{"monitor A settings", "PATCH", monA(""), func(*world, string) any { return map[string]any{"check_every_minutes": 10} }, expect{200, 200, 403, 403, 403, 401}},
		{"probe A now", "POST", monA("/check"), nil, expect{200, 200, 403, 403, 403, 401}},
		{"monitor A by URL", "POST", fixed("/api/v1/monitors"), func(w *world, _ string) any { return map[string]any{"url": w.siteA.URL, "check_every_minutes": 2} }, expect{200, 200, 403, 404, 403, 401}},
		{"monitoring of B off", "DELETE", func(w *world, _ string) string { return fmt.Sprintf("/api/v1/monitors/%d", w.siteB.ID) }, nil, expect{204, 204, 403, 403, 403, 401}},
		{"monitor A chart", "GET", monA("/chart.svg"), nil, expect{200, 200, 200, 404, 200, 401}},
		{"list alerts", "GET", fixed("/api/v1/alerts"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"list alerts filtered", "GET", fixed("/api/v1/alerts?state=new&severity=critical&sort=oldest&from=2026-01-01"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"list maintenance", "GET", fixed("/api/v1/maintenance"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"maintenance for A", "POST", fixed("/api/v1/maintenance"), func(w *world, _ string) any {
			return map[string]any{"site_id": w.siteA.ID, "starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-12-01T02:00:00Z", "reason": "nâng cấp"}
		}, expect{201, 201, 403, 403, 403, 401}},
		{"maintenance for all", "POST", fixed("/api/v1/maintenance"), func(*world, string) any {
			return map[string]any{"starts_at": "2026-12-02T00:00:00Z", "ends_at": "2026-12-02T02:00:00Z"}
		}, expect{201, 403, 403, 403, 403, 401}},
		{"end maintenance for A", "DELETE", func(w *world, role string) string {
			code, body := w.api("admin", "POST", "/api/v1/maintenance", map[string]any{"site_id": w.siteA.ID, "starts_at": "2026-12-03T00:00:00Z", "ends_at": "2026-12-03T01:00:00Z"})
			if code != http.StatusCreated {
				w.t.Fatalf("window: %d %s", code, body)
			}
			return fmt.Sprintf("/api/v1/maintenance/%d", idOf(w.t, body))
		}, nil, expect{204, 204, 403, 403, 403, 401}},
		{"list notify targets", "GET", fixed("/api/v1/notify-targets"), nil, expect{200, 403, 403, 403, 403, 401}},
		{"add notify target", "POST", fixed("/api/v1/notify-targets"), func(_ *world, role string) any {
			return map[string]any{"kind": "email", "address": "soc-" + role + "@sokhcn.example.gov.vn"}
		}, expect{201, 403, 403, 403, 403, 401}},
		{"delete notify target", "DELETE", func(w *world, role string) string {
			code, body := w.api("admin", "POST", "/api/v1/notify-targets", map[string]any{"kind": "webhook", "address": "https://hooks.example/" + role, "secret": "s3cret"})
			if code != http.StatusCreated {
				w.t.Fatalf("target: %d %s", code, body)
			}
			return fmt.Sprintf("/api/v1/notify-targets/%d", idOf(w.t, body))
		}, nil, expect{204, 403, 403, 403, 403, 401}},
		{"list labels", "GET", fixed("/api/v1/labels"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"get label A", "GET", labelA(""), nil, expect{200, 200, 200, 404, 200, 401}},
		{"grant label B (no scan yet)", "POST", fixed("/api/v1/labels"), func(w *world, _ string) any { return map[string]any{"site_id": w.siteB.ID} }, expect{409, 403, 403, 403, 403, 401}},
		{"grant label B by URL", "POST", fixed("/api/v1/labels"), func(w *world, _ string) any { return map[string]any{"url": w.siteB.URL} }, expect{409, 403, 403, 403, 403, 401}},
		{"suspend label A", "POST", labelA("/suspend"), func(*world, string) any { return map[string]any{"reason": "kiểm tra"} }, expect{200, 403, 403, 403, 403, 401}},
		{"restore label A", "POST", labelA("/restore"), func(*world, string) any { return map[string]any{} }, expect{200, 403, 403, 403, 403, 401}},
		{"revoke label A", "POST", labelA("/revoke"), func(*world, string) any { return map[string]any{"reason": "thử"} }, expect{200, 403, 403, 403, 403, 401}},
		{"list label policies", "GET", fixed("/api/v1/label-policies"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"change label policy", "PATCH", fixed("/api/v1/label-policies/1"), func(*world, string) any { return map[string]any{"valid_days": 180} }, expect{200, 403, 403, 403, 403, 401}},
		{"vuln feeds", "GET", fixed("/api/v1/vuln/feeds"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"import a vuln feed", "POST", fixed("/api/v1/vuln/feeds"), func(w *world, _ string) any { return readSample(w.t) }, expect{200, 403, 403, 403, 403, 401}},
		{"vuln findings", "GET", fixed("/api/v1/vuln/findings?priority=P3&overdue=false"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"vuln finding of A", "GET", vulnFindingA(""), nil, expect{200, 200, 200, 404, 200, 401}},
		{"vuln findings CSV", "GET", fixed("/api/v1/vuln/findings.csv?status=open"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"move vuln finding of A", "POST", vulnFindingA("/status"), alternateStatus, expect{200, 200, 200, 404, 403, 401}},
		{"discovered components", "GET", fixed("/api/v1/vuln/discovered"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"decide no discovered component", "POST", fixed("/api/v1/vuln/discovered/999999"), func(*world, string) any { return map[string]any{"status": "confirmed"} }, expect{404, 404, 404, 404, 403, 401}},
		{"vuln advisories", "GET", fixed("/api/v1/vuln/advisories"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"issue a vuln advisory", "POST", fixed("/api/v1/vuln/advisories"), func(_ *world, role string) any {
			return map[string]any{"title": "Cảnh báo " + role, "action": "Nâng cấp", "products": []map[string]string{{"name": "nginx", "version_end_excluding": "1.21.0"}}, "deadline": "2027-01-31"}
		}, expect{201, 403, 403, 403, 403, 401}},
		{"vuln advisory reaching A", "GET", advisoryA(""), nil, expect{200, 200, 200, 404, 200, 401}},
		{"vuln notice to A", "GET", advisoryA("/agencies/A/notice"), nil, expect{200, 200, 200, 404, 200, 401}},
		{"vuln aliases", "GET", fixed("/api/v1/vuln/aliases"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"add a vuln alias", "POST", fixed("/api/v1/vuln/aliases"), func(_ *world, role string) any {
			return map[string]any{"name": "caddy-" + role, "cpe": "a:caddyserver:caddy"}
		}, expect{201, 403, 403, 403, 403, 401}},
		{"remove a missing vuln alias", "DELETE", fixed("/api/v1/vuln/aliases?name=none&cpe=a:none:none"), nil, expect{404, 403, 403, 403, 403, 401}},
		{"vuln rules", "GET", fixed("/api/v1/vuln/rules"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"import a feed from a loopback URL", "POST", fixed("/api/v1/vuln/feeds/url"), func(*world, string) any { return map[string]any{"url": "http://127.0.0.1:9/kev.json"} }, expect{400, 403, 403, 403, 403, 401}},
		{"vuln figures", "GET", fixed("/api/v1/vuln/figures"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"vuln figures of agency B", "GET", func(w *world, _ string) string { return fmt.Sprintf("/api/v1/vuln/figures?agency_id=%d", w.b.ID) }, nil, expect{200, 200, 404, 200, 200, 401}},
		{"vuln figures csv", "GET", fixed("/api/v1/vuln/figures.csv"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"which systems run nginx", "GET", fixed("/api/v1/vuln/running?product=nginx&version_end_excluding=1.21"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"which systems run nginx csv", "GET", fixed("/api/v1/vuln/running.csv?product=nginx"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"vuln advisories csv", "GET", fixed("/api/v1/vuln/advisories.csv"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"discovered csv", "GET", fixed("/api/v1/vuln/discovered.csv"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"vuln feeds csv", "GET", fixed("/api/v1/vuln/feeds.csv"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"vuln aliases csv", "GET", fixed("/api/v1/vuln/aliases.csv"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"set vuln rules", "PUT", fixed("/api/v1/vuln/rules"), func(*world, string) any { return map[string]any{"level_raise": 3} }, expect{200, 403, 403, 403, 403, 401}},
		{"acknowledge advisory for A", "POST", advisoryA("/agencies/A"), func(*world, string) any { return map[string]any{"status": "acknowledged"} }, expect{200, 200, 200, 404, 403, 401}},
		{"search log events", "GET", fixed("/api/v1/logs/events?q=secretalpha"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"get log event of A1", "GET", logEvent("/api/v1/logs/events/"), nil, expect{200, 200, 200, 404, 200, 401}},
		{"log storage", "GET", fixed("/api/v1/logs/storage"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"ingest tokens", "GET", fixed("/api/v1/ingest/tokens"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"ingest senders", "GET", fixed("/api/v1/ingest/senders"), nil, expect{200, 200, 200, 200, 200, 401}},
		{"create ingest token for A1", "POST", fixed("/api/v1/ingest/tokens"), func(w *world, role string) any { return map[string]any{"agency_id": w.a1.ID, "label": "roles " + role} }, expect{201, 201, 403, 403, 403, 401}},
		{"revoke no ingest token", "DELETE", fixed("/api/v1/ingest/tokens/999999"), nil, expect{404, 404, 403, 403, 403, 401}},
		{"openapi", "GET", fixed("/api/v1/openapi.json"), nil, expect{200, 200, 200, 200, 200, 200}},
		{"healthz", "GET", fixed("/healthz"), nil, expect{200, 200, 200, 200, 200, 200}},
		{"metrics", "GET", fixed("/metrics"), nil, expect{200, 200, 200, 200, 200, 200}},
	}
}

func TestAPIRoles(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			w := newWorld(t, engine)
			for _, c := range apiCases() {
				for i, role := range roleLabels {
					path := c.path(w, role)
					var body any
					if c.body != nil {
						body = c.body(w, role)
					}
					code, out := w.api(role, c.method, path, body)
					if code != c.want[i] {
						t.Errorf("%s as %s: %s %s = %d, want %d (%s)", c.name, role, c.method, path, code, c.want[i], out)
					}
				}
			}
		})
	}
}

func uiCases() []roleCase {
	page := func(format string, id func(w *world) int64) func(*world, string) string {
		return func(w *world, _ string) string { return fmt.Sprintf(format, id(w)) }
	}
	a := func(w *world) int64 { return w.a.ID }
	b := func(w *world) int64 { return w.b.ID }
	sysA := func(w *world) int64 { return w.sysA.ID }
	return []roleCase{
		{"dashboard", "GET", fixed("/"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"agency tree", "GET", fixed("/agencies"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"agency B", "GET", page("/agencies/%d", b), nil, expect{200, 200, 404, 200, 200, 303}},
		{"new agency form", "GET", fixed("/agencies/new"), nil, expect{200, 403, 200, 200, 403, 303}},
		{"edit agency A", "GET", page("/agencies/%d/edit", a), nil, expect{200, 403, 200, 404, 403, 303}},
		{"systems", "GET", fixed("/systems?q=alpha&hosting=&status=active"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"system A", "GET", page("/systems/%d", sysA), nil, expect{200, 200, 200, 404, 200, 303}},
		{"edit system A", "GET", page("/systems/%d/edit", sysA), nil, expect{200, 403, 200, 404, 403, 303}},
		{"new system form", "GET", fixed("/systems/new"), nil, expect{200, 403, 200, 200, 403, 303}},
		{"archived systems", "GET", fixed("/systems?archived=true"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"archived system page", "GET", uiArchived(""), nil, expect{200, 200, 200, 404, 200, 303}},
		{"edit archived system", "GET", uiArchived("/edit"), nil, expect{409, 403, 409, 404, 403, 303}},
		{"archived sites", "GET", fixed("/sites?archived=all"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"import form", "GET", fixed("/import"), nil, expect{200, 403, 200, 200, 403, 303}},
		{"users", "GET", fixed("/users"), nil, expect{200, 403, 403, 403, 403, 303}},
		{"tokens", "GET", fixed("/tokens"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"account", "GET", fixed("/account"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"audit", "GET", fixed("/audit"), nil, expect{200, 403, 403, 403, 200, 303}},
		{"detections", "GET", fixed("/detections?status=new&sort=level"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"rules", "GET", fixed("/rules"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"rule test", "GET", fixed("/rules/test"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"export csv", "GET", fixed("/export/systems.csv"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"sites", "GET", fixed("/sites?grade=A%2B&state=unknown&q=alpha"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"site A", "GET", func(w *world, _ string) string { return fmt.Sprintf("/sites/%d", w.siteA.ID) }, nil, expect{200, 200, 200, 404, 200, 303}},
		{"scan A report page", "GET", func(w *world, _ string) string { return fmt.Sprintf("/scans/%d", w.scanA) }, nil, expect{200, 200, 200, 404, 200, 303}},
		{"scans", "GET", fixed("/scans?sort=score&status=done&q=alpha"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"scans of agency A", "GET", page("/scans?agency_id=%d&grade=A%%2B", a), nil, expect{200, 200, 200, 404, 200, 303}},
		{"findings", "GET", fixed("/findings?status=all"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"labels", "GET", fixed("/labels"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"monitoring", "GET", fixed("/monitoring"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"monitoring alerts", "GET", fixed("/alerts?state=all&sort=severity"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"site picker json", "GET", fixed("/pick/sites?q=alpha"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"monitoring alerts of agency A", "GET", page("/alerts?agency_id=%d", a), nil, expect{200, 200, 200, 404, 200, 303}},
		{"vulnerabilities", "GET", fixed("/vuln?priority=P1&status=open&overdue=1"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"system A vulnerabilities", "GET", page("/systems/%d/vulnerabilities", sysA), nil, expect{200, 200, 200, 404, 200, 303}},
		{"vulnerability feeds", "GET", fixed("/vuln/feeds"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"vulnerability advisories", "GET", fixed("/vuln/advisories"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"vulnerability aliases", "GET", fixed("/vuln/aliases"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"vulnerability figures", "GET", fixed("/vuln/figures"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"which systems run nginx", "GET", fixed("/vuln/running?product=nginx&version_end_excluding=1.21"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"which systems run (form)", "GET", fixed("/vuln/running"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"vulnerability notice to A", "GET", uiPath(advisoryA("/agencies/A/notice?lang=en")), nil, expect{200, 200, 200, 404, 200, 303}},
		{"monitoring overview", "GET", fixed("/monitoring/overview?sort=-uptime_24h&state=up"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"log event search", "GET", fixed("/logs?q=secretalpha&fields=host.name%3Dweb*"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"log event of A1", "GET", logEvent("/logs/events/"), nil, expect{200, 200, 200, 404, 200, 303}},
		{"log search of agency A", "GET", page("/logs?agency=%d", a), nil, expect{200, 200, 200, 400, 200, 303}},
		{"log storage", "GET", fixed("/logs/storage"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"log sources", "GET", fixed("/ingest"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"static chart css", "GET", fixed("/static/chart.css"), nil, expect{200, 200, 200, 200, 200, 200}},
		{"status page not published", "GET", fixed("/status/A"), nil, expect{404, 404, 404, 404, 404, 404}},
		{"public label page", "GET", func(w *world, _ string) string { return "/trust/" + w.labelA }, nil, expect{200, 200, 200, 200, 200, 200}},
		{"public badge", "GET", func(w *world, _ string) string { return "/trust/" + w.labelA + "/badge.svg" }, nil, expect{200, 200, 200, 200, 200, 200}},
		{"unknown label", "GET", fixed("/trust/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), nil, expect{404, 404, 404, 404, 404, 404}},
		{"unknown page", "GET", fixed("/no-such-page"), nil, expect{404, 404, 404, 404, 404, 404}},
		{"login page", "GET", fixed("/login"), nil, expect{303, 303, 303, 303, 303, 200}},
		{"static css", "GET", fixed("/static/khien.css"), nil, expect{200, 200, 200, 200, 200, 200}},
		{"levels dashboard", "GET", fixed("/levels"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"levels dossiers", "GET", fixed("/levels/dossiers?overdue=true"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"levels annual report", "GET", fixed("/levels/reports/annual"), nil, expect{200, 200, 200, 200, 200, 303}},
		{"levels system page", "GET", levelSystemPage, nil, expect{200, 200, 200, 404, 200, 303}},
		{"levels dossier page", "GET", levelDossierPage, nil, expect{200, 200, 200, 404, 200, 303}},
		{"levels questionnaire", "GET", suffixed(levelSystemPage, "/questionnaire"), nil, expect{200, 200, 200, 404, 200, 303}},
		{"levels assessed system page", "GET", assessedSystemPage, nil, expect{200, 200, 200, 404, 200, 303}},
	}
}

// uiArchived is the page (with suffix) of a system in A1 archived for the case.
func uiArchived(suffix string) func(*world, string) string {
	return func(w *world, role string) string {
		return strings.TrimPrefix(freshArchived(w, "ui "+role), "/api/v1") + suffix
	}
}

func TestUIRoles(t *testing.T) {
	w := newWorld(t, "sqlite")
	browsers := map[string]*browser{}
	for _, role := range roleLabels {
		browsers[role] = w.browser(role)
	}
	for _, c := range uiCases() {
		for i, role := range roleLabels {
			path := c.path(w, role)
			code, body := browsers[role].get(path)
			if code != c.want[i] {
				t.Errorf("%s as %s: GET %s = %d, want %d", c.name, role, path, code, c.want[i])
			}
			if code == 200 && !strings.HasSuffix(path, ".css") && !strings.HasSuffix(path, ".svg") && !strings.Contains(path, ".csv") && !strings.Contains(c.name, "json") && !strings.Contains(string(body), "<html lang=\"vi\">") {
				t.Errorf("%s as %s: page is not in Vietnamese by default", c.name, role)
			}
		}
	}
}

// TestScopeNeverLeaks checks that an agency officer never sees another
// agency's rows, in lists, details, search, exports or pages.
func TestScopeNeverLeaks(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			w := newWorld(t, engine)
			for _, c := range []struct{ role, own, other, otherAgency string }{
				{"agencyA", "secretalpha", "secretbeta", "Sở Beta"},
				{"agencyB", "secretbeta", "secretalpha", "Sở Alpha"},
			} {
				for _, path := range []string{"/api/v1/systems", "/api/v1/systems?q=" + c.other, "/api/v1/systems?limit=1000", "/api/v1/agencies", "/api/v1/agencies?q=" + url.QueryEscape(c.otherAgency),
					"/api/v1/export/systems", "/api/v1/export/agencies", fmt.Sprintf("/api/v1/systems?agency_id=%d", w.root.ID)} {
					code, body := w.api(c.role, "GET", path, nil)
					if code != 200 {
						t.Fatalf("%s GET %s: %d %s", c.role, path, code, body)
					}
					if strings.Contains(string(body), c.other) || strings.Contains(string(body), c.otherAgency) {
						t.Errorf("%s GET %s leaks the other agency: %s", c.role, path, body)
					}
				}
				_, body := w.api(c.role, "GET", "/api/v1/systems", nil)
				if !strings.Contains(string(body), c.own) {
					t.Errorf("%s does not see its own system: %s", c.role, body)
				}
				br := w.browser(c.role)
				for _, path := range []string{"/", "/systems", "/systems?q=secret", "/agencies", "/export/systems.csv", "/users", "/agencies/new", "/systems/new"} {
					_, page := br.get(path)
					if strings.Contains(string(page), c.other) || strings.Contains(string(page), c.otherAgency) {
						t.Errorf("%s page %s leaks the other agency", c.role, path)
					}
				}
			}
		})
	}
}
