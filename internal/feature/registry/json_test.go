package registry

import (
	"encoding/json"
	"testing"
	"time"
)

func sampleSystem(text string) System {
	return System{ID: 42, AgencyID: 7, AgencyCode: "STC", AgencyName: "Sở Tài chính", Name: text, Purpose: "a\nb\t\"c\" <d> & \u2028 \x01",
		Hosting: "cloud", Status: "active", URLs: []string{"https://cổng.example/?a=1&b=<2>"}, Domains: []string{}, IPs: nil, CIDRs: []string{"198.51.100.0/24"},
		Software:  []Software{{Name: "nginx", Version: "1.24", CPE: "cpe:2.3:a:f5:nginx:1.24:*:*:*:*:*:*:*"}, {Name: text, PURL: "pkg:npm/x@1"}},
		CreatedAt: time.Date(2026, 11, 26, 23, 0, 0, 123456000, time.UTC), UpdatedAt: time.Date(2026, 11, 27, 1, 2, 3, 0, time.UTC)}
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	for _, text := range []string{"", "Cổng thông tin điện tử", "\xff\xfe invalid", `</script><script>alert("x")</script>`, "\u2029 \u007f \x1f"} {
		s := sampleSystem(text)
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.AppendJSON(nil); string(got) != string(want) {
			t.Errorf("text %q:\n got %s\nwant %s", text, got, want)
		}
	}
	empty := System{}
	want, _ := json.Marshal(empty)
	if got := empty.AppendJSON(nil); string(got) != string(want) {
		t.Errorf("zero system:\n got %s\nwant %s", got, want)
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("Sở <b>", "x\x00y")
	f.Fuzz(func(t *testing.T, name, url string) {
		s := sampleSystem(name)
		s.URLs = []string{url}
		want, err := json.Marshal(s)
		if err != nil {
			return // encoding/json refuses it too: nothing to compare
		}
		if got := s.AppendJSON(nil); string(got) != string(want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}
