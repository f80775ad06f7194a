package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// attack posts a wrong password for name to the login form from addr.
func (w *world) attack(name, addr string) int {
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"username": {name}, "password": {"guess"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = addr + ":40000"
	rec := httptest.NewRecorder()
	w.srv.ServeHTTP(rec, req)
	return rec.Code
}

func loginResponse(t *testing.T, b *browser, name, password string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.w.ts.URL+"/login", strings.NewReader(url.Values{"username": {name}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestWrongPasswordsFromManyAddressesDoNotLockOutTheAdmin is issue 8's
// lockout: wrong passwords for admin from many addresses refused the real
// admin's next login. The admin's browser, which logged in before, still
// logs in; a new browser is refused with the same words as for an account
// that does not exist.
func TestWrongPasswordsFromManyAddressesDoNotLockOutTheAdmin(t *testing.T) {
	w := newWorld(t, "sqlite")
	admin := w.browser("admin")
	var device *http.Cookie
	u, _ := url.Parse(w.ts.URL)
	for _, c := range admin.client.Jar.Cookies(u) {
		if c.Name == "khien_device" {
			device = c
		}
	}
	if device == nil {
		t.Fatal("no device cookie after a login")
	}
	for i := 0; i < 20; i++ {
		for j := 0; j < 2; j++ {
			w.attack("admin", fmt.Sprintf("203.0.113.%d", i+1))
			w.attack("nobody", fmt.Sprintf("203.0.113.%d", i+1))
		}
	}
	if code, _ := admin.post("/logout", admin.withCSRF(url.Values{})); code != http.StatusSeeOther {
		t.Fatalf("logout: %d", code)
	}
	if resp, _ := loginResponse(t, admin, "admin", testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the admin's own browser was locked out: %d", resp.StatusCode)
	}
	fresh, _ := loginResponse(t, w.browser("anonymous"), "admin", testPassword)
	if fresh.StatusCode != http.StatusTooManyRequests || fresh.Header.Get("Retry-After") == "" {
		t.Fatalf("a new browser during the attack: %d, Retry-After %q", fresh.StatusCode, fresh.Header.Get("Retry-After"))
	}
	_, adminPage := loginResponse(t, w.browser("anonymous"), "admin", "guess")
	nobody, nobodyPage := loginResponse(t, w.browser("anonymous"), "nobody", "guess")
	if nobody.StatusCode != http.StatusTooManyRequests || !strings.Contains(nobodyPage, "Nhập sai mật khẩu quá nhiều lần") {
		t.Fatalf("unknown account during the attack: %d", nobody.StatusCode)
	}
	if strip(adminPage, "admin") != strip(nobodyPage, "nobody") {
		t.Error("the refusal tells an existing account from a missing one")
	}
}

// strip removes the user name typed (the form shows it again).
func strip(page, name string) string { return strings.ReplaceAll(page, `value="`+name+`"`, "") }

// TestDeviceCookieAttributes: HttpOnly, SameSite=Strict, long-lived.
func TestDeviceCookieAttributes(t *testing.T) {
	w := newWorld(t, "sqlite")
	resp, _ := loginResponse(t, w.browser("anonymous"), "ANALYST", testPassword)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login in capitals: %d", resp.StatusCode)
	}
	var device *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "khien_device" {
			device = c
		}
	}
	if device == nil || !device.HttpOnly || device.SameSite != http.SameSiteStrictMode || device.MaxAge < 30*24*3600 || device.Path != "/" {
		t.Fatalf("device cookie %+v", device)
	}
}

// TestPasswordChangeEndsTokens changes passwords through the API with real
// tokens: a change ends the caller's tokens unless kept, an admin's reset
// ends the user's, and wrong current passwords are held back with 429.
func TestPasswordChangeEndsTokens(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			w := newWorld(t, engine)
			change := func(role string, body map[string]any) (int, string) {
				code, out := w.api(role, "POST", "/api/v1/me/password", body)
				return code, string(out)
			}
			if code, out := change("analyst", map[string]any{"current_password": testPassword, "new_password": "kept tokens password", "keep_tokens": true}); code != 200 || !strings.Contains(out, `"tokens_revoked":0`) {
				t.Fatalf("change keeping tokens: %d %s", code, out)
			}
			if code, _ := w.api("analyst", "GET", "/api/v1/me", nil); code != 200 {
				t.Fatalf("kept token: %d", code)
			}
			if code, out := change("analyst", map[string]any{"current_password": "kept tokens password", "new_password": "tokens end password"}); code != 200 || !strings.Contains(out, `"tokens_revoked":1`) {
				t.Fatalf("default change: %d %s", code, out)
			}
			if code, _ := w.api("analyst", "GET", "/api/v1/me", nil); code != 401 {
				t.Fatalf("token after a default change: %d", code)
			}
			// An admin sets the auditor's password: the auditor's token ends.
			if code, _ := w.api("admin", "PATCH", fmt.Sprintf("/api/v1/users/%d", w.users["auditor"].ID), map[string]any{"password": "set by the admin"}); code != 200 {
				t.Fatal(code)
			}
			if code, _ := w.api("auditor", "GET", "/api/v1/me", nil); code != 401 {
				t.Fatalf("token after an admin's reset: %d", code)
			}
			// Guessing the current password is slowed down like a login.
			for i := 0; i < 3; i++ {
				if code, out := change("agencyA", map[string]any{"current_password": "guess", "new_password": "whatever long"}); code != 400 {
					t.Fatalf("guess %d: %d %s", i+1, code, out)
				}
			}
			req, _ := http.NewRequest("POST", w.ts.URL+"/api/v1/me/password", strings.NewReader(`{"current_password": "`+testPassword+`", "new_password": "whatever long"}`))
			req.Header.Set("Authorization", "Bearer "+w.tokens["agencyA"])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
				t.Fatalf("fourth guess: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
		})
	}
}

// TestAccountPageChangesPassword: the form with its box to keep tokens.
func TestAccountPageChangesPassword(t *testing.T) {
	w := newWorld(t, "sqlite")
	br := w.browser("agencyB")
	_, page := br.get("/account")
	if !strings.Contains(string(page), `name="keep_tokens"`) || strings.Contains(string(page), `name="keep_tokens" value="1" checked`) {
		t.Fatal("no unticked box to keep tokens on the account page")
	}
	if code, _ := br.post("/account/password", br.withCSRF(url.Values{"current_password": {"wrong"}, "new_password": {"new long password"}})); code != 400 {
		t.Fatalf("wrong current password: %d", code)
	}
	code, _ := br.post("/account/password", br.withCSRF(url.Values{"current_password": {testPassword}, "new_password": {"new long password"}, "keep_tokens": {"1"}}))
	if code != http.StatusSeeOther {
		t.Fatalf("change: %d", code)
	}
	code, page = br.get("/account")
	m := csrfField.FindSubmatch(page)
	if code != 200 || m == nil || string(m[1]) == br.csrf {
		t.Fatalf("the browser lost its session or kept its CSRF token: %d", code)
	}
	br.csrf = string(m[1]) // a new session, a new token
	if code, _ := w.api("agencyB", "GET", "/api/v1/me", nil); code != 200 {
		t.Fatalf("kept token: %d", code)
	}
	if code, _ := br.post("/account/password", br.withCSRF(url.Values{"current_password": {"new long password"}, "new_password": {testPassword}})); code != http.StatusSeeOther {
		t.Fatalf("second change: %d", code)
	}
	if code, _ := w.api("agencyB", "GET", "/api/v1/me", nil); code != 401 {
		t.Fatalf("token after a change without the box: %d", code)
	}
}
