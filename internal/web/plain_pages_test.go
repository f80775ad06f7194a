package web_test

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestLanguageSwitchKeepsPage: the switch link carries the page and its
// query, encoded once, and lands there in the other language.
func TestLanguageSwitchKeepsPage(t *testing.T) {
	w := newWorld(t, "sqlite")
	b := w.browser("admin")
	_, page := b.get("/systems?q=alpha+b%C3%A9&status=active")
	m := regexp.MustCompile(`class="lang" href="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no language switch on the page")
	}
	link := html.UnescapeString(string(m[1]))
	resp, err := b.client.Get(w.ts.URL + link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Location"); got != "/systems?q=alpha+b%C3%A9&status=active" {
		t.Errorf("the switch %s leads to %q", link, got)
	}
}

// TestAuditSentences: audit entries read as sentences in the reader's
// language; a login names no "session" by the user's id.
func TestAuditSentences(t *testing.T) {
	w := newWorld(t, "sqlite")
	b := w.browser("admin")
	for _, c := range []struct {
		lang      string
		want, not []string
	}{
		{"vi", []string{"đăng nhập", "cấp nhãn tín nhiệm cho", "https://alpha.example/"}, []string{"session #", ">label.grant", ">login<", ">create<", "scan.import "}},
		{"en", []string{"logged in", "granted a trust label to", "https://alpha.example/"}, []string{"session #", ">label.grant", ">login<", "scan.import "}},
	} {
		b.setLang(c.lang)
		for _, path := range []string{"/audit", "/"} {
			_, page := b.get(path)
			text := string(page)
			for _, s := range c.want {
				if !strings.Contains(text, s) {
					t.Errorf("%s %s: %q missing", c.lang, path, s)
				}
			}
			for _, s := range c.not {
				if strings.Contains(text, s) {
					t.Errorf("%s %s: %q shown", c.lang, path, s)
				}
			}
		}
		_, page := b.get("/audit?object_type=system")
		want := map[string]string{"vi": "đăng ký hệ thống thông tin", "en": "registered the system"}[c.lang]
		if !strings.Contains(string(page), want) || !strings.Contains(string(page), "Cổng Alpha secretalpha") {
			t.Errorf("%s: a system's registration is not told as a sentence", c.lang)
		}
	}
}

// TestLabelFormsKeepWhatWasTyped: a refused grant shows the site page
// again with the form as it was typed and the reason in one language;
// before the button the page says what the site lacks.
func TestLabelFormsKeepWhatWasTyped(t *testing.T) {
	w := newWorld(t, "sqlite")
	b := w.browser("admin")
	site := fmt.Sprintf("/sites/%d", w.siteB.ID)
	_, page := b.get(site)
	if !strings.Contains(string(page), "chưa đạt chính sách cấp nhãn") || !strings.Contains(string(page), "chưa có lần đánh giá nào hoàn tất") {
		t.Errorf("the site page does not say what B lacks before the button")
	}
	form := url.Values{"privacy_url": {"https://beta.example/quyen-rieng-tu"}, "contact": {"Phòng CNTT, 0238 123"}}
	code, page := b.post(site+"/label", b.withCSRF(form))
	text := string(page)
	if code != 409 || !strings.Contains(text, `value="https://beta.example/quyen-rieng-tu"`) || !strings.Contains(text, `value="Phòng CNTT, 0238 123"`) {
		t.Errorf("refused grant: %d, the form was emptied", code)
	}
	for _, english := range []string{"not run", "must pass", "no finished scan"} {
		if strings.Contains(text, english) {
			t.Errorf("the Vietnamese refusal holds English %q", english)
		}
	}
	// The label's page offers the badge to embed, as HTML and Markdown.
	_, page = b.get(fmt.Sprintf("/sites/%d", w.siteA.ID))
	if !strings.Contains(string(page), "/trust/"+w.labelA+"/badge.svg") || !strings.Contains(string(page), "[![") || !strings.Contains(string(page), `id="badge-html"`) {
		t.Error("no badge snippet on a labelled site")
	}
}

// TestMaintenanceFormKeepsWhatWasTyped: a maintenance window refused for
// a missing time comes back filled in, the field named by its label.
func TestMaintenanceFormKeepsWhatWasTyped(t *testing.T) {
	w := newWorld(t, "sqlite")
	b := w.browser("analyst")
	form := url.Values{"site": {w.siteA.URL}, "starts_at": {"2030-01-02T08:00"}, "ends_at": {""}, "reason": {"thay ổ cứng"}}
	code, page := b.post("/monitoring/windows", b.withCSRF(form))
	text := string(page)
	if code != 400 || !strings.Contains(text, `value="thay ổ cứng"`) || !strings.Contains(text, `value="2030-01-02T08:00"`) || !strings.Contains(text, "Đến: cần nhập ngày và giờ") {
		t.Errorf("refused window: %d", code)
	}
	if !strings.Contains(text, fmt.Sprintf(`value="%s"`, w.siteA.URL)) {
		t.Error("the chosen site was not kept")
	}
}

// TestUnknownBadgeSaysNotValid: a badge that leads to an unknown code
// says plainly, to anyone, that it is not valid, with no dashboard link.
func TestUnknownBadgeSaysNotValid(t *testing.T) {
	w := newWorld(t, "sqlite")
	for _, lang := range []string{"vi", "en"} {
		b := w.browser("anonymous")
		b.setLang(lang)
		code, page := b.get("/trust/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
		want := map[string]string{"vi": "Nhãn không hợp lệ", "en": "This badge is not valid"}[lang]
		if code != 404 || !strings.Contains(string(page), want) || strings.Contains(string(page), "error.go_home") || strings.Contains(string(page), `<a href="/">`) {
			t.Errorf("%s: unknown label page %d", lang, code)
		}
	}
}

// TestUserFormKeepsWhatWasTyped: a refused new user comes back with what
// was typed (never the password) and the reason next to its field.
func TestUserFormKeepsWhatWasTyped(t *testing.T) {
	w := newWorld(t, "sqlite")
	b := w.browser("admin")
	form := url.Values{"username": {"thao.nguyen"}, "display_name": {"Nguyễn Thị Thảo"}, "password": {"ngan"}, "role": {"agency"}, "agency_id": {fmt.Sprint(w.a.ID)}}
	code, page := b.post("/users", b.withCSRF(form))
	text := string(page)
	if code != 400 || !strings.Contains(text, `value="thao.nguyen"`) || !strings.Contains(text, `value="Nguyễn Thị Thảo"`) || strings.Contains(text, `value="ngan"`) {
		t.Errorf("refused user: %d, the form was not kept", code)
	}
	if !strings.Contains(text, `class="field-error"`) || !strings.Contains(text, "Mật khẩu: ") {
		t.Errorf("refused user: the reason is not by its field")
	}
	if !strings.Contains(text, fmt.Sprintf(`value="%d" selected`, w.a.ID)) || !strings.Contains(text, `value="agency" selected`) {
		t.Error("the chosen role and agency were not kept")
	}
}
