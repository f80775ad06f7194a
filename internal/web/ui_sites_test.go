package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/feature/trust"
	"github.com/khien-project/khien/internal/platform/access"
)

// TestPortalForms drives the portal pages' forms as a browser would (the
// session cookie and the page's CSRF token), and checks what they change.
func TestPortalForms(t *testing.T) {
	w := newWorld(t, "sqlite")
	ctx := context.Background()
	admin, analyst, officer := w.browser("admin"), w.browser("analyst"), w.browser("agencyA")
	site := fmt.Sprintf("/sites/%d", w.siteA.ID)

	// Settings: saved by an analyst, refused to an officer; a broken rule is explained.
	form := url.Values{"scan_every_hours": {"6"}, "check_every_minutes": {"10"}, "monitor_enabled": {"on"}, "change_threshold_percent": {"40"}, "ignore_rule": {"#clock\r\n.ticker"}}
	if code, _ := analyst.post(site+"/settings", analyst.withCSRF(form)); code != 303 {
		t.Fatalf("settings: %d", code)
	}
	got, _ := w.svc.Sites.Site(ctx, access.System, w.siteA.ID)
	if got.ScanEveryHours != 6 || got.CheckEveryMinutes != 10 || got.ChangeThreshold != 0.4 || got.IgnoreRule != "#clock\n.ticker" || got.BaselineAt != nil {
		t.Fatalf("after settings: %+v", got)
	}
	if code, _ := officer.post(site+"/settings", officer.withCSRF(form)); code != 403 {
		t.Errorf("officer's settings: %d", code)
	}
	form.Set("ignore_rule", "re:(")
	if code, page := analyst.post(site+"/settings", analyst.withCSRF(form)); code != 400 || !strings.Contains(string(page), "Vùng động bỏ qua") || strings.Contains(string(page), "ignore_rule") {
		t.Errorf("broken rule: %d", code)
	}
	// Without the CSRF token nothing happens.
	if code, _ := analyst.post(site+"/scan", url.Values{}); code != 403 || len(w.queued) != 0 {
		t.Errorf("scan without CSRF: %d, queued %v", code, w.queued)
	}

	// Labels: suspend with a reason, restore; the public page follows.
	lf := url.Values{"state": {"suspended"}, "reason": {"kiểm tra lại sau sự cố"}}
	if code, _ := admin.post("/labels/"+w.labelA+"/state", admin.withCSRF(lf)); code != 303 {
		t.Fatalf("suspend: %d", code)
	}
	if pub, _ := w.svc.Trust.PublicView(ctx, w.labelA); pub.State != trust.Suspended {
		t.Fatalf("after suspend: %+v", pub)
	}
	if code, _ := analyst.post("/labels/"+w.labelA+"/state", analyst.withCSRF(url.Values{"state": {"granted"}})); code != 403 {
		t.Errorf("analyst restores: %d", code)
	}
	if code, _ := admin.post("/labels/"+w.labelA+"/state", admin.withCSRF(url.Values{"state": {"granted"}})); code != 303 {
		t.Fatalf("restore: %d", code)
	}
	// Granting where the policy is not met shows why, on the site's page.
	code, page := admin.post(fmt.Sprintf("/sites/%d/label", w.siteB.ID), admin.withCSRF(url.Values{"privacy_url": {"https://beta.example/p"}, "contact": {"x"}}))
	if code != 409 || !strings.Contains(string(page), "chưa có lần đánh giá nào hoàn tất") {
		t.Errorf("grant B: %d", code)
	}

	// Policy edited on the labels page.
	pf := url.Values{"min_grade": {"A"}, "required_checks": {"https.available\ncontent.defacement"}, "critical_checks": {"content.defacement"}, "require_contact": {"on"}, "valid_days": {"180"}}
	if code, _ := admin.post("/label-policies/1", admin.withCSRF(pf)); code != 303 {
		t.Fatalf("policy: %d", code)
	}
	ps, _ := w.svc.Trust.Policies(ctx, access.System)
	if ps[0].MinGrade != "A" || len(ps[0].RequiredChecks) != 2 || ps[0].RequirePrivacyPolicy || ps[0].ValidDays != 180 {
		t.Fatalf("policy after the form: %+v", ps[0])
	}

	// Monitoring: a window for site A, a province-wide one (admins only), a target.
	wf := url.Values{"site_id": {fmt.Sprint(w.siteA.ID)}, "starts_at": {"2026-12-01T22:00"}, "ends_at": {"2026-12-02T02:00"}, "reason": {"nâng cấp máy chủ"}}
	if code, _ := analyst.post("/monitoring/windows", analyst.withCSRF(wf)); code != 303 {
		t.Fatalf("window: %d", code)
	}
	wf.Del("site_id")
	if code, _ := analyst.post("/monitoring/windows", analyst.withCSRF(wf)); code != 403 {
		t.Errorf("analyst's province-wide window: %d", code)
	}
	wins, _ := w.svc.Notify.Windows(ctx, access.System)
	if len(wins) != 1 || wins[0].StartsAt.UTC().Format("2006-01-02T15:04") != "2026-12-01T15:00" {
		t.Fatalf("windows: %+v (times are entered in Vietnam time)", wins)
	}
	if code, _ := admin.post("/monitoring/targets", admin.withCSRF(url.Values{"kind": {"email"}, "address": {"soc@songlam.example"}})); code != 303 {
		t.Fatalf("target: %d", code)
	}
	if code, _ := analyst.post("/monitoring/targets", analyst.withCSRF(url.Values{"kind": {"email"}, "address": {"x@songlam.example"}})); code != 403 {
		t.Errorf("analyst's target: %d", code)
	}
	_, page = admin.get("/monitoring")
	for _, want := range []string{"soc@songlam.example", "nâng cấp máy chủ"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("monitoring page lacks %q", want)
		}
	}
	if code, _ := admin.post(fmt.Sprintf("/monitoring/windows/%d/delete", wins[0].ID), admin.withCSRF(url.Values{})); code != 303 {
		t.Errorf("delete window: %d", code)
	}
	// Findings resolved from their page.
	fs, _, _ := w.svc.Sites.Findings(ctx, access.System, sitescanOpen())
	if len(fs) == 0 {
		t.Fatal("no open finding")
	}
	if code, _ := officer.post(fmt.Sprintf("/findings/%d/resolve", fs[0].ID), officer.withCSRF(url.Values{})); code != 403 {
		t.Errorf("officer resolves: %d", code)
	}
	if code, _ := analyst.post(fmt.Sprintf("/findings/%d/resolve", fs[0].ID), analyst.withCSRF(url.Values{})); code != 303 {
		t.Errorf("analyst resolves: %d", code)
	}
}

func sitescanOpen() sitescan.FindingFilter { return sitescan.FindingFilter{Status: "open"} }

// TestPendingSitePage: a URL an officer registers shows as pending in the
// list and on its page, with the token, both ways to publish it and a
// "verify now" button (no "scan now"); an analyst approves it from the page.
func TestPendingSitePage(t *testing.T) {
	w := newWorld(t, "sqlite")
	ctx := context.Background()
	analyst, officer := w.browser("analyst"), w.browser("agencyA")
	path := freshPendingSite("")(w, "agencyA")
	id := strings.TrimPrefix(path, "/api/v1/sites/")
	site, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	pending, _ := w.svc.Sites.Site(ctx, access.System, site)
	code, page := officer.get("/sites/" + id)
	for _, want := range []string{"Chờ xác minh", pending.Proof.DNSValue, "_khien-verify." + pending.Proof.Host, "/.well-known/khien-verify.txt", "Xác minh ngay"} {
		if code != 200 || !strings.Contains(string(page), want) {
			t.Errorf("officer's page lacks %q (%d)", want, code)
		}
	}
	if strings.Contains(string(page), "Đánh giá ngay") || strings.Contains(string(page), "Duyệt không cần xác minh") {
		t.Error("officer's page of a pending site offers a scan or an approval")
	}
	if _, list := officer.get("/sites"); !strings.Contains(string(list), "badge v-pending") {
		t.Error("the site list does not mark the pending site")
	}
	if code, _ := officer.post("/sites/"+id+"/approve", officer.withCSRF(url.Values{})); code != 403 {
		t.Errorf("officer approves: %d", code)
	}
	if code, _ := analyst.post("/sites/"+id+"/approve", analyst.withCSRF(url.Values{})); code != 303 {
		t.Fatalf("analyst approves: %d", code)
	}
	if got, _ := w.svc.Sites.Site(ctx, access.System, site); got.Verification != sitescan.Approved {
		t.Fatalf("after approval: %s", got.Verification)
	}
	if _, page := officer.get("/sites/" + id); !strings.Contains(string(page), "Đánh giá ngay") {
		t.Error("an approved site offers no scan")
	}
}
