package vuln_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/khien-project/khien/internal/feature/vuln"
)

func TestParseDisclosed(t *testing.T) {
	cases := []struct{ evidence, want string }{
		{"X-Powered-By: PHP/5.6.40", "php@5.6.40"},
		{"Server: nginx/1.22.1", "nginx@1.22.1"},
		{"Server: Apache/2.4.41 (Ubuntu)\nX-Powered-By: PHP/7.4.3", "apache@2.4.41 php@7.4.3"},
		{"Server: Microsoft-IIS/8.5", "iis@8.5"},
		{`<meta name="generator" content="WordPress 4.9.1">`, "wordpress@4.9.1"},
		{`<meta name="generator" content="Joomla! 3.9.28 - Open Source Content Management">`, "joomla@3.9.28"},
		{"X-AspNet-Version: 4.0.30319", ""}, // no product name: nothing to match
		// Ordinary banners without a version propose nothing.
		{"Server: nginx", ""},
		{"Server: cloudflare", ""},
		// Apache-Coyote's number is its protocol's, not Tomcat's version.
		{"Server: Apache-Coyote/1.1", "apache-coyote@1.1"},
		{"", ""},
	}
	for _, c := range cases {
		var got []string
		for _, p := range vuln.ParseDisclosed(c.evidence) {
			got = append(got, p[0]+"@"+p[1])
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("%q: %q, want %q", c.evidence, g, c.want)
		}
	}
}

func FuzzParseDisclosed(f *testing.F) {
	for _, s := range []string{"X-Powered-By: PHP/5.6.40", "Server: Apache/2.4.41 (Ubuntu)", `<meta name="generator" content="WordPress 4.9.1">`, "a/1.2\nb 3.4.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, evidence string) {
		for _, p := range vuln.ParseDisclosed(evidence) {
			if p[0] == "" || p[1] == "" || p[0] != strings.ToLower(p[0]) || !utf8.ValidString(p[0]+p[1]) {
				t.Fatalf("%q: %q", evidence, fmt.Sprint(p))
			}
		}
	})
}
