package vuln

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// nvdRecord builds an NVD-shaped record around a configurations array.
func nvdRecord(t *testing.T, id, status, configurations string) Record {
	t.Helper()
	doc := fmt.Sprintf(`{"id":%q,"vulnStatus":%q,"lastModified":"2025-01-01T00:00:00.000","configurations":%s}`, id, status, configurations)
	recs, err := ReadNVD(strings.NewReader(doc))
	if err != nil || len(recs) != 1 {
		t.Fatalf("%s: %v (%d records)", id, err, len(recs))
	}
	return recs[0]
}

// entry is one cpeMatch object; bounds are "si", "se", "ei", "ee".
func entry(vulnerable bool, criteria string, bounds ...string) string {
	names := map[string]string{"si": "versionStartIncluding", "se": "versionStartExcluding", "ei": "versionEndIncluding", "ee": "versionEndExcluding"}
	s := fmt.Sprintf(`{"vulnerable":%v,"criteria":%q`, vulnerable, criteria)
	for i := 0; i+1 < len(bounds); i += 2 {
		s += fmt.Sprintf(`,%q:%q`, names[bounds[i]], bounds[i+1])
	}
	return s + "}"
}

func node(op string, negate bool, entries ...string) string {
	return fmt.Sprintf(`{"operator":%q,"negate":%v,"cpeMatch":[%s]}`, op, negate, strings.Join(entries, ","))
}

func config(op string, nodes ...string) string {
	if op == "" {
		return fmt.Sprintf(`{"nodes":[%s]}`, strings.Join(nodes, ","))
	}
	return fmt.Sprintf(`{"operator":%q,"nodes":[%s]}`, op, strings.Join(nodes, ","))
}

func configs(cs ...string) string { return "[" + strings.Join(cs, ",") + "]" }

// matchLines runs the matcher and returns "system name@version id" lines.
func matchLines(t *testing.T, recs []Record, advs []Advisory, comps []Component) []string {
	t.Helper()
	hits, err := NewIndex(recs, advs, nil).Match(comps)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, h := range hits {
		c := comps[h.Component]
		out = append(out, c.System+" "+c.Name+"@"+c.Version+" "+h.ID)
	}
	sort.Strings(out)
	return out
}

func comp(system, name, version string) Component {
	return Component{System: system, Name: name, Version: version}
}

func compCPE(system, name, version, cpe string) Component {
	return Component{System: system, Name: name, Version: version, CPE: cpe}
}

const anyVer = "cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*"

// TestVersionBounds: each bound kind, at and around its value.
func TestVersionBounds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		bounds []string
		in     []string
		out    []string
	}{
		{"start incl, end excl", []string{"si", "2.4.0", "ee", "2.4.56"}, []string{"2.4.0", "2.4.55", "2.4.9"}, []string{"2.3.9", "2.4.56", "2.4.56.0", "2.4.57", "2.5"}},
		{"start excl, end incl", []string{"se", "2.4.0", "ei", "2.4.55"}, []string{"2.4.0.1", "2.4.1", "2.4.55", "2.4.55.0"}, []string{"2.4.0", "2.4", "2.4.56", "2.4.55a"}},
		{"end excl only", []string{"ee", "2.4.56"}, []string{"0.1", "1.3.41", "2.4.56-rc1"}, []string{"2.4.56", "3.0"}},
		{"end incl only", []string{"ei", "2.4.55"}, []string{"2.4.55", "2.4.55-rc2"}, []string{"2.4.55k", "2.4.56"}},
		{"start incl only", []string{"si", "2.4.0"}, []string{"2.4.0", "99"}, []string{"2.3.99", "2.4.0-beta1"}},
		{"start excl only", []string{"se", "2.4.0"}, []string{"2.4.0a", "2.4.1"}, []string{"2.4.0", "2.4"}},
		{"no bounds", nil, []string{"1", "2.4.0", ""}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := nvdRecord(t, "CVE-2000-0001", "Analyzed", configs(config("", node("OR", false, entry(true, anyVer, tc.bounds...)))))
			for _, v := range tc.in {
				if got := matchLines(t, []Record{rec}, nil, []Component{comp("S", "httpd", v)}); len(got) != 1 {
					t.Errorf("%q: no match, want one", v)
				}
			}
			for _, v := range tc.out {
				if got := matchLines(t, []Record{rec}, nil, []Component{comp("S", "httpd", v)}); len(got) != 0 {
					t.Errorf("%q: matched %v, want none", v, got)
				}
			}
		})
	}
}

// TestConfigurationShapes: exact versions, "-" and "*", other attributes,
// vendor/product/part mismatches, case, escapes, negate, AND with a
// platform, several configurations, status.
func TestConfigurationShapes(t *testing.T) {
	iis := "cpe:2.3:a:microsoft:internet_information_services:6.0:*:*:*:*:*:*:*"
	win := "cpe:2.3:o:microsoft:windows_server_2003:r2:*:*:*:*:*:*:*"
	exch := func(cu string) string {
		return "cpe:2.3:a:microsoft:exchange_server:2016:" + cu + ":*:*:*:*:*:*"
	}
	for _, tc := range []struct {
		name   string
		status string
		config string
		comps  []Component
		want   []string
	}{
		{"exact version", "", configs(config("", node("OR", false, entry(true, "cpe:2.3:a:wordpress:wordpress:5.8.2:*:*:*:*:*:*:*")))),
			[]Component{comp("A", "wordpress", "5.8.2"), comp("B", "wordpress", "5.8.2.0"), comp("C", "wordpress", "5.8.3"), comp("D", "wordpress", "")},
			[]string{"A wordpress@5.8.2 X", "B wordpress@5.8.2.0 X"}},
		{"version -", "", configs(config("", node("OR", false, entry(true, "cpe:2.3:a:php:php:-:*:*:*:*:*:*:*")))),
			[]Component{comp("A", "php", "-"), comp("B", "php", "8.1.28"), compCPE("C", "php", "8.1", "cpe:2.3:a:php:php:-:*:*:*:*:*:*:*")},
			[]string{"A php@- X", "C php@8.1 X"}},
		{"version * without bounds", "", configs(config("", node("OR", false, entry(true, "cpe:2.3:a:php:php:*:*:*:*:*:*:*:*")))),
			[]Component{comp("A", "php", "5.6.40"), comp("B", "php", "")},
			[]string{"A php@5.6.40 X", "B php@ X"}},
		{"update -, value and unspecified", "", configs(config("", node("OR", false, entry(true, exch("-")), entry(true, exch("cumulative_update_19"))))),
			[]Component{compCPE("A", "exchange-server", "2016", exch("cumulative_update_19")), compCPE("B", "exchange-server", "2016", exch("cumulative_update_20")),
				comp("C", "exchange-server", "2016"), compCPE("D", "exchange-server", "2016", exch("-")), compCPE("E", "exchange-server", "2016", exch("*")), comp("F", "exchange-server", "2019")},
			[]string{"A exchange-server@2016 X", "C exchange-server@2016 X", "D exchange-server@2016 X", "E exchange-server@2016 X"}},
		{"sw_edition attribute", "", configs(config("", node("OR", false, entry(true, "cpe:2.3:a:citrix:netscaler_application_delivery_controller:*:*:*:*:fips:*:*:*", "si", "13.1", "ee", "13.1-37.235")))),
			[]Component{comp("A", "netscaler-adc", "13.1-37.100"), compCPE("B", "adc", "13.1-37.100", "cpe:2.3:a:citrix:netscaler_application_delivery_controller:13.1-37.100:*:*:*:-:*:*:*"),
				compCPE("C", "adc", "13.1-37.100", "cpe:2.3:a:citrix:netscaler_application_delivery_controller:13.1-37.100:*:*:*:FIPS:*:*:*"), comp("D", "netscaler-adc", "13.1-37.235")},
			[]string{"A netscaler-adc@13.1-37.100 X", "C adc@13.1-37.100 X"}},
		{"vendor, product and part mismatch", "", configs(config("", node("OR", false, entry(true, "cpe:2.3:a:nginx:nginx:*:*:*:*:*:*:*:*", "ee", "1.21.0")))),
			[]Component{compCPE("A", "nginx", "1.20.0", "cpe:2.3:a:f5:nginx:1.20.0:*:*:*:*:*:*:*"), compCPE("B", "nginx", "1.20.0", "cpe:2.3:o:nginx:nginx:1.20.0:*:*:*:*:*:*:*"),
				compCPE("C", "nginx", "1.20.0", "cpe:2.3:a:nginx:nginx_plus:1.20.0:*:*:*:*:*:*:*"), comp("D", "apache", "1.20.0"), comp("E", "unknown-product", "1.20.0"), comp("F", "nginx", "1.20.0")},
			[]string{"F nginx@1.20.0 X"}},
		{"case and escapes", "", configs(config("", node("OR", false, entry(true, `cpe:2.3:a:joomla:joomla\!:*:*:*:*:*:*:*:*`, "si", "4.0.0", "ee", "4.2.8")))),
			[]Component{comp("A", " Joomla ", "4.2.7"), compCPE("B", "j", "4.2.7", `CPE:2.3:A:JOOMLA:JOOMLA\!:4.2.7:*:*:*:*:*:*:*`), compCPE("C", "j", "4.2.7", `cpe:2.3:a:joomla:joomla\!:*:*:*:*:*:*:*:*`), comp("D", "joomla", "4.2.8")},
			[]string{"A  Joomla @4.2.7 X", "B j@4.2.7 X", "C j@4.2.7 X"}},
		{"AND with a platform", "", configs(config("AND", node("OR", false, entry(true, iis)), node("OR", false, entry(false, win)))),
			[]Component{comp("A", "iis", "6.0"), comp("A", "windows-server-2003", "r2"), comp("B", "iis", "6.0"), comp("C", "windows-server-2003", "R2"), comp("D", "iis", "6.0"), comp("D", "windows-server-2003", "sp1")},
			[]string{"A iis@6.0 X"}},
		{"negated node", "", configs(config("AND", node("OR", false, entry(true, "cpe:2.3:a:php:php:*:*:*:*:*:*:*:*", "ee", "8.1.29")), node("OR", true, entry(false, win)))),
			[]Component{comp("A", "php", "8.1.28"), comp("B", "php", "8.1.28"), comp("B", "windows-server-2003", "r2"), comp("C", "php", "8.1.29")},
			[]string{"A php@8.1.28 X"}},
		{"AND inside a node", "", configs(config("", node("AND", false, entry(true, iis), entry(true, win)))),
			[]Component{comp("A", "iis", "6.0"), comp("B", "iis", "6.0"), comp("B", "windows-server-2003", "r2")},
			[]string{"B iis@6.0 X", "B windows-server-2003@r2 X"}},
		{"OR configuration, only true nodes report", "", configs(config("", node("OR", false, entry(true, iis)), node("OR", false, entry(false, win)), node("OR", false, entry(true, "cpe:2.3:a:php:php:1.0:*:*:*:*:*:*:*")))),
			[]Component{comp("A", "windows-server-2003", "r2"), comp("A", "php", "2.0"), comp("B", "php", "1.0"), comp("B", "iis", "5.0")},
			[]string{"B php@1.0 X"}},
		{"several configurations", "", configs(config("", node("OR", false, entry(true, "cpe:2.3:a:php:php:1.0:*:*:*:*:*:*:*"))), config("", node("OR", false, entry(true, "cpe:2.3:a:nginx:nginx:2.0:*:*:*:*:*:*:*")))),
			[]Component{comp("A", "php", "1.0"), comp("A", "nginx", "2.0"), comp("B", "nginx", "2.0")},
			[]string{"A nginx@2.0 X", "A php@1.0 X", "B nginx@2.0 X"}},
		{"two aliases report once", "", configs(config("", node("OR", false, entry(true, "cpe:2.3:a:atlassian:confluence_server:*:*:*:*:*:*:*:*", "ee", "9"), entry(true, "cpe:2.3:a:atlassian:confluence_data_center:*:*:*:*:*:*:*:*", "ee", "9")))),
			[]Component{comp("A", "confluence", "8.5.1"), comp("A", "confluence", "8.5.1")},
			[]string{"A confluence@8.5.1 X", "A confluence@8.5.1 X"}},
		{"CPE version * takes the inventory version", "", configs(config("", node("OR", false, entry(true, "cpe:2.3:a:php:php:*:*:*:*:*:*:*:*", "ee", "8.1.29")))),
			[]Component{compCPE("A", "php", "8.1.28", "cpe:2.3:a:php:php:*:*:*:*:*:*:*:*"), compCPE("B", "php", "8.1.30", "cpe:2.3:a:php:php:*:*:*:*:*:*:*:*")},
			[]string{"A php@8.1.28 X"}},
		{"rejected", "Rejected", configs(config("", node("OR", false, entry(true, "cpe:2.3:a:php:php:*:*:*:*:*:*:*:*")))),
			[]Component{comp("A", "php", "1")}, []string{}},
		{"no configurations", "Awaiting Analysis", "[]", []Component{comp("A", "php", "1")}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status := tc.status
			if status == "" {
				status = "Analyzed"
			}
			rec := nvdRecord(t, "CVE-1999-0001", status, tc.config)
			rec.ID = "X"
			got := matchLines(t, []Record{rec}, nil, tc.comps)
			if tc.want == nil {
				tc.want = []string{}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestHitsOfOneIDPutTheLaterSourceFirst: an NVD record and its CVE JSON 5
// copy both match; whatever order the records come in, the NVD hit comes
// first (the one a finding stands on).
func TestHitsOfOneIDPutTheLaterSourceFirst(t *testing.T) {
	conf := configs(config("", node("OR", false, entry(true, anyVer, "ee", "2.5"))))
	nvd := nvdRecord(t, "CVE-2020-0001", "Analyzed", conf)
	cve5 := nvdRecord(t, "CVE-2020-0001", "Analyzed", conf)
	cve5.Source = "cve5"
	for _, recs := range [][]Record{{nvd, cve5}, {cve5, nvd}} {
		for n := 0; n < 20; n++ { // sort.Slice is not stable: try it often
			hits, err := NewIndex(recs, nil, nil).Match([]Component{comp("s", "apache", "2.4")})
			if err != nil || len(hits) != 2 {
				t.Fatalf("hits: %v %v", hits, err)
			}
			if hits[0].Record.Source != "nvd" || hits[1].Record.Source != "cve5" {
				t.Fatalf("first hit from %s, then %s", hits[0].Record.Source, hits[1].Record.Source)
			}
		}
	}
}
