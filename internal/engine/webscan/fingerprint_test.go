package webscan

import (
	"fmt"
	"strings"
	"testing"
)

func portalPage(news, clock string) string {
	var b strings.Builder
	b.WriteString(`<html><head><title>Cổng thông tin điện tử tỉnh</title><script>var t = "` + clock + `";</script></head><body>`)
	b.WriteString(`<div id="clock">Hôm nay: ` + clock + `</div><ul class="ticker"><li>` + clock + `</li></ul>`)
	for i := range 40 {
		fmt.Fprintf(&b, "<p>Thông báo số %d về thủ tục hành chính, dịch vụ công trực tuyến và lịch tiếp công dân của ủy ban nhân dân tỉnh.</p>", i)
	}
	b.WriteString("<p>" + news + "</p></body></html>")
	return b.String()
}

func TestFingerprintChange(t *testing.T) {
	rule, err := ParseIgnoreRule("// dynamic parts\n#clock\n.ticker\nre:\\d{2}:\\d{2}")
	if err != nil {
		t.Fatal(err)
	}
	base := PageFingerprint(portalPage("Tin mới: hội nghị chuyển đổi số", "08:00"), rule)
	same := PageFingerprint(portalPage("Tin mới: hội nghị chuyển đổi số", "17:45"), rule)
	if Change(base, same) != 0 || base.Hash != same.Hash {
		t.Errorf("ignored regions changed the fingerprint: %v", Change(base, same))
	}
	if noRule := PageFingerprint(portalPage("Tin mới: hội nghị chuyển đổi số", "17:45"), IgnoreRule{}); noRule.Hash == PageFingerprint(portalPage("Tin mới: hội nghị chuyển đổi số", "08:00"), IgnoreRule{}).Hash {
		t.Error("without the rule the clock should change the hash")
	}
	small := PageFingerprint(portalPage("Tin mới: kết quả tuyển sinh năm học mới đã được công bố", "08:00"), rule)
	if c := Change(base, small); c <= 0 || c > 0.2 {
		t.Errorf("a news item changed %.2f of the page, want a small positive share", c)
	}
	defaced := PageFingerprint(`<html><head><title>Owned</title></head><body><h1>Nothing left of the old page here</h1><p>greetings to the crew</p></body></html>`, rule)
	if c := Change(base, defaced); c < 0.95 {
		t.Errorf("a replaced page changed only %.2f", c)
	}
	back, err := ParseFingerprint(base.String())
	if err != nil || back.Hash != base.Hash || len(back.Sketch) != len(base.Sketch) || back.Words != base.Words || Change(back, base) != 0 {
		t.Errorf("fingerprint does not round-trip: %v", err)
	}
}

func TestIgnoreRuleErrors(t *testing.T) {
	for _, bad := range []string{"re:(", "div > p", "#", strings.Repeat("x", 9<<10)} {
		if _, err := ParseIgnoreRule(bad); err == nil {
			t.Errorf("ParseIgnoreRule(%.20q) accepted", bad)
		}
	}
	for _, bad := range []string{"", "v2:1:aa:", "v1:x:" + strings.Repeat("a", 64) + ":", "v1:1:" + strings.Repeat("a", 64) + ":zz", "v1:1:" + strings.Repeat("a", 64) + ":2,1"} {
		if _, err := ParseFingerprint(bad); err == nil {
			t.Errorf("ParseFingerprint(%q) accepted", bad)
		}
	}
}

func TestDefacementAgainstBaseline(t *testing.T) {
	rule, _ := ParseIgnoreRule("#clock\n.ticker")
	base := &Baseline{Fingerprint: PageFingerprint(portalPage("a", "08:00"), rule), Ignore: rule, Threshold: 0.3}
	get := func(body string) Check {
		checks, _ := ContentChecks(pageExchange("https://portal.example/", body), nil, base)
		for _, c := range checks {
			if c.ID == "content.defacement" {
				return c
			}
		}
		t.Fatal("no content.defacement")
		return Check{}
	}
	if c := get(portalPage("a", "09:30")); c.Result != Pass || !strings.Contains(c.Evidence, "0% of the text") {
		t.Errorf("unchanged page: %s %q", c.Result, c.Evidence)
	}
	if c := get(`<body><h1>Trang đang bảo trì</h1><p>Xin quay lại sau.</p></body>`); c.Result != Warn || c.Severity != "high" {
		t.Errorf("replaced page without signature: %s %q", c.Result, c.Evidence)
	}
	if c := get(`<title>Hacked by X</title><body>hacked by x</body>`); c.Result != Fail {
		t.Errorf("signature with a baseline: %s", c.Result)
	}
}

func FuzzFingerprint(f *testing.F) {
	f.Add(portalPage("x", "1"), "#clock\nre:a+")
	f.Add("<p>a b c", ".x")
	f.Fuzz(func(t *testing.T, body, rule string) {
		r, err := ParseIgnoreRule(rule)
		if err != nil {
			return
		}
		fp := PageFingerprint(body, r)
		back, err := ParseFingerprint(fp.String())
		if err != nil {
			t.Fatalf("own fingerprint refused: %v", err)
		}
		if c := Change(fp, back); c != 0 {
			t.Fatalf("change with itself %v", c)
		}
		ParseFingerprint(body)
	})
}
