package vuln

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// decodeWithJSON is the reference: encoding/json, then Compile.
func decodeWithJSON(b []byte) (Record, error) {
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return Record{}, err
	}
	return r, r.Compile()
}

// agree checks that DecodeRecord reads b as encoding/json does: the same
// record, or an error from both.
func agree(t *testing.T, b []byte) {
	t.Helper()
	var got Record
	gotErr := DecodeRecord(b, &got)
	want, wantErr := decodeWithJSON(b)
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("%q: DecodeRecord error %v, encoding/json error %v", b, gotErr, wantErr)
	}
	if gotErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\nDecodeRecord %+v\nencoding/json %+v", b, got, want)
	}
}

func randomText(r *rand.Rand) string {
	parts := []string{"nginx", "Mật khẩu", "a\"quote", "back\\slash", "tab\there", "line\nbreak", "<script>", "\u2028", "é", "", "1.2.3", "\x01", "\xff"}
	var b strings.Builder
	for i := r.IntN(3); i >= 0; i-- {
		b.WriteString(parts[r.IntN(len(parts))])
	}
	return b.String()
}

func randomRecord(r *rand.Rand) Record {
	rec := Record{ID: fmt.Sprintf("CVE-2024-%05d", r.IntN(99999)), Source: []string{"nvd", "cve5"}[r.IntN(2)], Status: "Analyzed",
		Modified: "2026-01-01T00:00:00.000", Description: randomText(r)}
	if r.IntN(4) > 0 {
		rec.CVSS = &CVSS{Version: "3.1", Score: float64(r.IntN(101)) / 10, Vector: "CVSS:3.1/AV:N", Severity: []string{"", "HIGH"}[r.IntN(2)]}
	}
	var nodes func(depth int) []Node
	nodes = func(depth int) []Node {
		var out []Node
		for i := r.IntN(3); i >= 0; i-- {
			n := Node{Operator: []string{"OR", "AND"}[r.IntN(2)], Negate: r.IntN(5) == 0}
			for j := r.IntN(4); j > 0; j-- {
				product := "p"
				if r.IntN(10) == 0 { // escapes are rare in NVD names
					product = "p\\:x"
				}
				m := CPEMatch{Vulnerable: r.IntN(2) == 0, Criteria: fmt.Sprintf("cpe:2.3:a:v%d:%s:%d.%d:*:*:*:*:*:*:*", r.IntN(9), product, r.IntN(9), r.IntN(9))}
				if r.IntN(2) == 0 {
					m.VersionEndExcluding = fmt.Sprintf("%d.0", r.IntN(9))
				}
				if r.IntN(3) == 0 {
					m.VersionStartIncluding = "1.0-rc1"
				}
				n.Matches = append(n.Matches, m)
			}
			if r.IntN(3) == 0 {
				n.Matches = []CPEMatch{}
			}
			if depth < 2 && r.IntN(4) == 0 {
				n.Children = nodes(depth + 1)
			}
			out = append(out, n)
		}
		return out
	}
	for i := r.IntN(3); i > 0; i-- {
		rec.Configurations = append(rec.Configurations, Configuration{Operator: []string{"", "AND"}[r.IntN(2)], Negate: r.IntN(6) == 0, Nodes: nodes(0)})
	}
	return rec
}

// TestDecodeRecordAgreesWithEncodingJSON: records as the feature stores
// them (random texts with escapes and non-ASCII, CVSS or none, nested
// nodes, empty lists) are read by the fast reader, not handed to
// encoding/json, and read exactly as encoding/json reads them; so are
// hand-made documents the fast reader leaves to encoding/json.
func TestDecodeRecordAgreesWithEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for i := 0; i < 2000; i++ {
		b, err := json.Marshal(randomRecord(r))
		if err != nil {
			t.Fatal(err)
		}
		var fast Record
		if d := (recordReader{b: string(b)}); !d.record(&fast) || !d.end() {
			t.Fatalf("the fast reader left a stored record to encoding/json: %s", b)
		}
		agree(t, b)
	}
	for _, doc := range []string{
		``, `null`, `{}`, ` {"id":"CVE-1","source":"nvd"} `, `{"id":"CVE-1"} x`, `{"id":"CVE-1",}`, `{"id":"CVE-1"`,
		`{"id":"a","id":"b"}`, `{"ID":"CVE-1"}`, `{"Id":"x","id":"y"}`, `{"id":null}`, `{"cvss":null}`, `{"configurations":null}`,
		`{"id":"\u0041\ud83d\ude00"}`, `{"id":"\ud800"}`, `{"id":"\x"}`, "{\"id\":\"a\x01b\"}", "{\"id\":\"\xff\xfe\"}",
		`{"cvss":{"score":1e400}}`, `{"cvss":{"score":-0}}`, `{"cvss":{"score":01}}`, `{"cvss":{"score":1.}}`, `{"cvss":{"score":.5}}`,
		`{"cvss":{"score":1E+2}}`, `{"cvss":{"score":"7.5"}}`, `{"cvss":{"score":7.5,"score":8}}`, `{"cvss":{"version":"3.1","extra":1}}`,
		`{"configurations":[]}`, `{"configurations":[{"nodes":[]}]}`, `{"configurations":[{"nodes":[{"cpeMatch":[]}]}]}`,
		`{"configurations":[{"negate":truex}]}`, `{"configurations":[{"negate":true}]}`, `{"configurations":[{"negate":1}]}`,
		`{"configurations":[{"nodes":[{"operator":"OR","cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:v:p:*:*:*:*:*:*:*:*","versionEndExcluding":"2"}]}]}]}`,
		`{"configurations":[{"nodes":[{"cpeMatch":[{"criteria":"not a cpe"}]}]}]}`,
		`{"configurations":[{"nodes":[{"children":[{"children":[{"cpeMatch":[{"criteria":"cpe:/a:v:p"}]}]}]}]}]}`,
		`{"unknown":{"deep":[1,2,3]},"id":"CVE-1"}`, `{"description":"` + strings.Repeat("x", 5000) + `"}`,
		`{"id":"CVE-1"}` + "\n\t\r ", `[{"id":"CVE-1"}]`, `"CVE-1"`,
	} {
		agree(t, []byte(doc))
	}
}

// FuzzDecodeRecord: for any input, DecodeRecord reads what encoding/json
// reads (then compiled), or fails where it fails.
func FuzzDecodeRecord(f *testing.F) {
	r := rand.New(rand.NewPCG(23, 24))
	for i := 0; i < 20; i++ {
		b, _ := json.Marshal(randomRecord(r))
		f.Add(b)
	}
	f.Add([]byte(`{"id":"a","id":"b"}`))
	f.Add([]byte(`{"cvss":{"score":1e5}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		agree(t, b)
	})
}

// BenchmarkDecodeRecord reads stored records with a RecordDecoder and,
// as the peer, with encoding/json then Compile.
func BenchmarkDecodeRecord(b *testing.B) {
	r := rand.New(rand.NewPCG(25, 26))
	var docs [][]byte
	for i := 0; i < 1000; i++ {
		d, _ := json.Marshal(randomRecord(r))
		docs = append(docs, d)
	}
	b.Run("khien", func(b *testing.B) {
		var d RecordDecoder // one per goroutine, as the feature reads them
		for i := 0; b.Loop(); i++ {
			var rec Record
			_ = d.Decode(string(docs[i%len(docs)]), &rec)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			_, _ = decodeWithJSON(docs[i%len(docs)])
		}
	})
}
