package valid

import (
	"errors"
	"testing"

	"github.com/khien-project/khien/internal/platform/store"
)

func TestValidators(t *testing.T) {
	ok := func(name string, check func(e *Errors)) {
		t.Helper()
		var e Errors
		check(&e)
		if len(e) != 0 {
			t.Errorf("%s: refused: %v", name, e)
		}
	}
	bad := func(name string, check func(e *Errors)) {
		t.Helper()
		var e Errors
		check(&e)
		if len(e) == 0 || e[0].VI == "" || e[0].EN == "" {
			t.Errorf("%s: accepted", name)
		}
		if !errors.Is(e.Err(), store.ErrInvalid) {
			t.Errorf("%s: does not unwrap to ErrInvalid", name)
		}
	}
	for _, u := range []string{"https://example.gov.vn/", "http://203.0.113.5:8080/x?y=1", "https://[2001:db8::1]/", "https://cổng.example/a"} {
		ok(u, func(e *Errors) { e.URL("u", u) })
	}
	for _, u := range []string{"ftp://x.example/", "https://u:p@x.example/", "/relative", "https://", "https://x.example:99999/", "javascript:alert(1)", "https://bad_host.example/"} {
		bad(u, func(e *Errors) { e.URL("u", u) })
	}
	for _, d := range []string{"example.gov.vn", "xn--bcher-kva.example", "bücher.example", "Sở.example"} {
		ok(d, func(e *Errors) { e.DomainField("d", d) })
	}
	for _, d := range []string{"localhost", "-a.example", "a..example", "a.123", "exa mple.com", ""} {
		bad(d, func(e *Errors) { e.DomainField("d", d) })
	}
	ok("ipv4", func(e *Errors) { e.IP("ip", "192.0.2.1") })
	ok("ipv6", func(e *Errors) { e.IP("ip", "2001:db8::1") })
	bad("ip", func(e *Errors) { e.IP("ip", "192.0.2.256") })
	ok("cidr", func(e *Errors) { e.CIDR("c", "198.51.100.0/24") })
	bad("cidr host bits", func(e *Errors) { e.CIDR("c", "198.51.100.1/24") })
	bad("cidr", func(e *Errors) { e.CIDR("c", "198.51.100.0/33") })
	ok("email", func(e *Errors) { e.Email("m", "attt@stc.example.gov.vn", true) })
	bad("email name", func(e *Errors) { e.Email("m", "Bob <bob@x.example>", true) })
	bad("email", func(e *Errors) { e.Email("m", "bob@", true) })
	ok("phone", func(e *Errors) { e.Phone("p", "+84 238 3812 345") })
	ok("phone", func(e *Errors) { e.Phone("p", "(0238) 3.812.345") })
	bad("phone letters", func(e *Errors) { e.Phone("p", "0238-CALL-ME") })
	bad("phone short", func(e *Errors) { e.Phone("p", "12345") })
	bad("code", func(e *Errors) { e.Code("c", "Mã") })
	bad("text control", func(e *Errors) { e.Text("t", "a\x07b", true, 10, false) })
	bad("text long", func(e *Errors) { e.Text("t", "ááááááááááá", true, 10, false) })
	ok("text vi", func(e *Errors) { e.Text("t", "Sở Tài chính", true, 12, false) })
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{"Sở Tài  Chính": "so tai chinh", "ĐẮK LẮK": "dak lak", "Cổng  thông tin\n": "cong thong tin"} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzURL(f *testing.F) {
	f.Add("https://cổng.example:8443/a?b=c#d")
	f.Add("http://[::1]/")
	f.Fuzz(func(t *testing.T, v string) {
		var e Errors
		out := e.URL("u", v)
		if len(e) == 0 {
			// An accepted URL is stable: validating it again changes nothing.
			var e2 Errors
			if again := e2.URL("u", out); len(e2) != 0 || again != out {
				t.Fatalf("%q → %q → %q (%v)", v, out, again, e2)
			}
		}
	})
}

func FuzzDomain(f *testing.F) {
	f.Add("bộ-tài-chính.example")
	f.Fuzz(func(t *testing.T, v string) {
		d, err := Domain(v)
		if err == nil {
			if d2, err := Domain(d); err != nil || d2 != d {
				t.Fatalf("%q → %q → %q (%v)", v, d, d2, err)
			}
		}
	})
}

// TestScanTargets: a one-label host is a target only where private
// networks may be reached; a target typed without a scheme gets https://.
func TestScanTargets(t *testing.T) {
	for _, c := range []struct {
		in            string
		public, intra bool
		want          string
	}{
		{"https://portal.example.gov.vn/a", true, true, "https://portal.example.gov.vn/a"},
		{"https://localhost/", false, true, "https://localhost/"},
		{"http://INTRANET:8080/x", false, true, "http://intranet:8080/x"},
		{"https://intranet./", false, true, "https://intranet/"},
		{"https://1234/", false, false, ""},
		{"https://bad_name/", false, false, ""},
		{"https://-x/", false, false, ""},
		{"https://[::1]:8443/b", true, true, "https://[::1]:8443/b"},
	} {
		var pub, intra Errors
		got := intra.IntranetURL("url", c.in)
		pub.URL("url", c.in)
		if (pub.Err() == nil) != c.public || (intra.Err() == nil) != c.intra {
			t.Errorf("%s: public %v, intranet %v; want %v, %v", c.in, pub.Err(), intra.Err(), c.public, c.intra)
		}
		if c.intra && got != c.want {
			t.Errorf("%s: %q, want %q", c.in, got, c.want)
		}
	}
	for in, want := range map[string]string{
		"portal.example.gov.vn":   "https://portal.example.gov.vn",
		" localhost:8443/x ":      "https://localhost:8443/x",
		"//cdn.example.org/a":     "https://cdn.example.org/a",
		"http://a.example/":       "http://a.example/",
		"HTTPS://A.example/":      "HTTPS://A.example/",
		"":                        "",
		"ftp://files.example.org": "ftp://files.example.org",
	} {
		if got := WithScheme(in); got != want {
			t.Errorf("WithScheme(%q) = %q, want %q", in, got, want)
		}
	}
}
