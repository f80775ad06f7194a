package registry

import (
	"slices"
	"strings"
	"testing"
)

// FuzzReadCSV feeds arbitrary bytes to the CSV reader: it must never
// panic, and every row it accepts must hold only known fields.
func FuzzReadCSV(f *testing.F) {
	f.Add("code,name,parent_code\nA,Á,\nB,B,A\n", "agencies")
	f.Add("\ufeffMã đơn vị;Tên hệ thống;Địa chỉ web\nA;x;https://a.example/\n", "systems")
	f.Add("agency_code,name\n\"unterminated\n", "systems")
	f.Add("a,b\n1,2,3\n", "agencies")
	f.Add("\xff\xfe", "systems")
	f.Fuzz(func(t *testing.T, data, kind string) {
		if kind != KindAgencies && kind != KindSystems {
			kind = KindSystems
		}
		rep := ImportReport{Columns: map[string]string{}}
		rows, err := readCSV(strings.NewReader(data), kind, ImportOptions{}, &rep)
		if err != nil {
			t.Fatalf("readCSV returned an error instead of a report: %v", err)
		}
		if len(rep.Errors) > 0 && len(rows) > 0 && rep.Errors[0].Line == 0 {
			t.Fatalf("file-level error with rows accepted")
		}
		for _, r := range rows {
			for f := range r.fields {
				if !isField(kind, f) {
					t.Fatalf("unknown field %q accepted", f)
				}
			}
		}
	})
}

// FuzzParseSoftware checks software cells survive a format round trip.
func FuzzParseSoftware(f *testing.F) {
	f.Add("nginx@1.24.0 (cpe:2.3:a:f5:nginx:1.24.0:*:*:*:*:*:*:*); WordPress@6.4")
	f.Add("a@b@c (pkg:npm/x@1)")
	f.Fuzz(func(t *testing.T, cell string) {
		first := ParseSoftware(cell)
		if (&System{AgencyID: 1, Name: "x", Software: first}).validate() != nil {
			return // refused on the way in: never stored, never formatted
		}
		again := ParseSoftware(FormatSoftware(first))
		if !slices.Equal(first, again) {
			t.Fatalf("software cell round trip:\n%q\n→ %+v\n→ %q\n→ %+v", cell, first, FormatSoftware(first), again)
		}
	})
}

// FuzzAssetText checks the stored asset copy reads back exactly what was
// written, for any values validation lets through.
func FuzzAssetText(f *testing.F) {
	f.Add("https://a.example/", "a.example", "nginx", "1.2", "cpe:2.3:a:x:y:1:*:*:*:*:*:*:*")
	f.Fuzz(func(t *testing.T, u, d, name, version, cpe string) {
		s := System{AgencyID: 1, Name: "x", URLs: []string{u}, Domains: []string{d}, Software: []Software{{Name: name, Version: version, CPE: cpe}}}
		if s.validate() != nil {
			return // not an input the validator lets through
		}
		var back System
		back.parseAssets(s.assetText())
		if len(back.URLs) != len(s.URLs) || (len(s.URLs) > 0 && back.URLs[0] != s.URLs[0]) ||
			len(back.Domains) != len(s.Domains) || len(back.Software) != 1 || back.Software[0] != s.Software[0] {
			t.Fatalf("asset text round trip: %+v → %+v", s, back)
		}
	})
}
