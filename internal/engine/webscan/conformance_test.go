package webscan

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/testkit/need"
)

// vectorsPath is the MDN HTTP Observatory's own unit-test cases, re-expressed
// as data, in the shared reference folder beside the repository.
var vectorsPath = filepath.Join("..", "..", "..", "..", "shared", "reference", "observatory-v2-vectors.json")

type vectorFile struct {
	Baseline struct {
		SessionURL string                    `json:"session_url"`
		Responses  map[string]vectorResponse `json:"responses"`
		HTTP       []Hop                     `json:"http_redirects"`
	} `json:"baseline"`
	Cases  []vectorCase `json:"cases"`
	Grader struct {
		Cases []struct {
			ID            string `json:"id"`
			Score         int    `json:"score"`
			ExpectedScore int    `json:"expected_score"`
			ExpectedGrade string `json:"expected_grade"`
		} `json:"cases"`
	} `json:"grader"`
	ScoreModifiers map[string]int `json:"score_modifiers"`
}

type vectorResponse struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
}

type vectorCase struct {
	ID                  string                     `json:"id"`
	Test                string                     `json:"test"`
	ResponseHeaders     map[string]json.RawMessage `json:"response_headers"`
	HTTPSHeaders        map[string]json.RawMessage `json:"https_response_headers"`
	HTTPHeaders         map[string]json.RawMessage `json:"http_response_headers"`
	HTTPSResponse       *json.RawMessage           `json:"https_response"`
	HTTPResponse        *json.RawMessage           `json:"http_response"`
	Verified            *bool                      `json:"verified"`
	Status              int                        `json:"status"`
	HTML                string                     `json:"html"`
	HTTPRedirects       []Hop                      `json:"http_redirects"`
	CORSRequestHeaders  map[string]string          `json:"cors_request_headers"`
	CORSResponseHeaders map[string]json.RawMessage `json:"cors_response_headers"`
	ExpectedResult      *string                    `json:"expected_result"`
	ExpectedResultNot   string                     `json:"expected_result_not"`
	ExpectedPass        *bool                      `json:"expected_pass"`
	ExpectedFields      map[string]any             `json:"expected_fields"`
	ScoreModifier       *int                       `json:"score_modifier"`
}

// present tells "key: null" (the test removed the response) from absence.
func (c *vectorCase) UnmarshalJSON(b []byte) error {
	type plain vectorCase
	if err := json.Unmarshal(b, (*plain)(c)); err != nil {
		return err
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return err
	}
	null := json.RawMessage("null")
	for name, dst := range map[string]**json.RawMessage{"https_response": &c.HTTPSResponse, "http_response": &c.HTTPResponse} {
		if v, ok := keys[name]; ok && string(v) == "null" {
			*dst = &null
		}
	}
	return nil
}

// analyzers are the Observatory tests implemented so far; the vector
// cases of the others are counted and reported, not run.
var analyzers = map[string]func(*Exchange) HeaderResult{
	TestHSTS: HSTS, TestXCTO: XContentTypeOptions, TestXFO: XFrameOptions, TestReferrer: ReferrerPolicy,
	TestCOOP: CrossOriginOpenerPolicy, TestCOEP: CrossOriginEmbedderPolicy, TestCORP: CrossOriginResourcePolicy,
	TestCORS: CrossOriginResourceSharing, TestRedirection: Redirection, TestCookies: Cookies, TestSRI: SubresourceIntegrity, TestCSP: ContentSecurityPolicy,
}

func loadVectors(t *testing.T) vectorFile {
	t.Helper()
	raw, err := os.ReadFile(vectorsPath)
	if err != nil {
		need.Skip(t, "Observatory vectors not available (%v): they live in ../shared beside the repository", err)
	}
	var vf vectorFile
	if err := json.Unmarshal(raw, &vf); err != nil {
		t.Fatalf("vectors: %v", err)
	}
	return vf
}

func addHeaders(h http.Header, add map[string]json.RawMessage) {
	for name, raw := range add {
		var one string
		var many []string
		h.Del(name)
		if json.Unmarshal(raw, &many) == nil {
			for _, v := range many {
				h.Add(name, v)
			}
		} else if json.Unmarshal(raw, &one) == nil {
			h.Add(name, one)
		}
	}
}

// harFor writes the site a case describes as an HTTP Archive, so that the
// vectors run through the same path as "khien scan --har": the http chain,
// then https://mozilla.org/ redirecting to the final page
// https://www.mozilla.org/, then any cross-origin request. The ok result is
// false, with the reason, for a case a HAR file cannot express.
func harFor(vf vectorFile, c vectorCase) ([]byte, string) {
	if c.Verified != nil && !*c.Verified {
		return nil, "an HTTP Archive holds no certificate information, so an untrusted certificate cannot be expressed"
	}
	const httpsStart, final = "https://mozilla.org/", "https://www.mozilla.org/"
	type entry struct {
		url, location string
		status        int
		reqHeaders    map[string]string
		headers       http.Header
		body          string
	}
	var entries []*entry
	byURL := map[string]*entry{}
	add := func(e *entry) *entry {
		if prev, ok := byURL[e.url]; ok {
			return prev
		}
		if e.headers == nil {
			e.headers = http.Header{}
		}
		byURL[e.url] = e
		entries = append(entries, e)
		return e
	}
	chain := vf.Baseline.HTTP
	if c.HTTPRedirects != nil {
		chain = c.HTTPRedirects
	}
	noHTTPS := c.HTTPSResponse != nil
	if noHTTPS {
		chain = []Hop{{URL: "http://mozilla.org/", Status: 200}}
	}
	if c.HTTPResponse == nil {
		for i, h := range chain {
			e := add(&entry{url: h.URL, status: h.Status})
			if i+1 < len(chain) {
				e.location = chain[i+1].URL
			}
		}
		addHeaders(entries[0].headers, c.HTTPHeaders)
	}
	last := entries
	if !noHTTPS {
		start := add(&entry{url: httpsStart, status: 301, location: final})
		add(&entry{url: final, status: 200})
		addHeaders(start.headers, c.HTTPSHeaders)
		last = []*entry{byURL[final]}
	} else {
		last = last[len(last)-1:]
	}
	page := last[0]
	page.headers.Set("Content-Type", vf.Baseline.Responses["auto"].Headers["content-type"])
	addHeaders(page.headers, c.ResponseHeaders)
	page.body = c.HTML
	if c.Status != 0 {
		page.status = c.Status
	}
	if len(c.CORSRequestHeaders) == 0 {
		// No Origin was sent: the page's own answer carries the CORS headers.
		addHeaders(page.headers, c.CORSResponseHeaders)
	} else {
		cors := &entry{url: final, status: 200, reqHeaders: c.CORSRequestHeaders, headers: http.Header{}}
		addHeaders(cors.headers, c.CORSResponseHeaders)
		entries = append(entries, cors)
	}
	type hh struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	var out struct {
		Log struct {
			Entries []map[string]any `json:"entries"`
		} `json:"log"`
	}
	for _, e := range entries {
		var req, resp []hh
		for k, v := range e.reqHeaders {
			req = append(req, hh{k, v})
		}
		for k, vs := range e.headers {
			for _, v := range vs {
				resp = append(resp, hh{k, v})
			}
		}
		if e.location != "" {
			resp = append(resp, hh{"Location", e.location})
		}
		out.Log.Entries = append(out.Log.Entries, map[string]any{
			"request":  map[string]any{"method": "GET", "url": e.url, "headers": req},
			"response": map[string]any{"status": e.status, "headers": resp, "redirectURL": e.location, "content": map[string]any{"text": e.body}},
		})
	}
	raw, _ := json.Marshal(out)
	return raw, ""
}

// TestObservatoryVectors runs every case of the MDN HTTP Observatory's own
// tests through the path of "khien scan --har" (HAR file → Exchange →
// analyzer) and checks result, pass flag, modifier and fields. A case a HAR
// file cannot express is listed with its reason.
func TestObservatoryVectors(t *testing.T) {
	vf := loadVectors(t)
	ran, pending, inexpressible := 0, map[string]int{}, map[string]string{}
	for _, c := range vf.Cases {
		analyze, ok := analyzers[c.Test]
		if !ok {
			pending[c.Test]++
			continue
		}
		archive, why := harFor(vf, c)
		if why != "" {
			inexpressible[c.ID] = why
			continue
		}
		ex, err := ExchangeFromHAR(archive)
		if err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
		ran++
		got := analyze(ex)
		if c.ExpectedResult != nil && got.Result != *c.ExpectedResult {
			t.Errorf("%s (%s): result %q, want %q", c.ID, c.Test, got.Result, *c.ExpectedResult)
			continue
		}
		if c.ExpectedResultNot != "" && got.Result == c.ExpectedResultNot {
			t.Errorf("%s: result must not be %q", c.ID, c.ExpectedResultNot)
		}
		if c.ExpectedPass != nil && got.Pass != *c.ExpectedPass {
			t.Errorf("%s: pass %v, want %v", c.ID, got.Pass, *c.ExpectedPass)
		}
		if c.ScoreModifier != nil && got.Modifier != *c.ScoreModifier {
			t.Errorf("%s: modifier %d, want %d", c.ID, got.Modifier, *c.ScoreModifier)
		}
		for path, want := range c.ExpectedFields {
			if have := field(got.Data, path); !sameJSON(have, want) {
				t.Errorf("%s: field %s = %#v, want %#v", c.ID, path, have, want)
			}
		}
	}
	var names []string
	for name, n := range pending {
		names = append(names, fmt.Sprintf("%s (%d cases)", name, n))
	}
	sort.Strings(names)
	if len(names) > 0 {
		t.Errorf("Observatory tests without an analyzer: %s", strings.Join(names, ", "))
	}
	for id, why := range inexpressible {
		t.Logf("not run: %s: %s", id, why)
	}
	if ran+len(inexpressible) != len(vf.Cases) || len(inexpressible) > 2 {
		t.Errorf("ran %d of %d cases (%d inexpressible)", ran, len(vf.Cases), len(inexpressible))
	}
}

// field follows a dotted path ("data.SESSIONID.samesite") into Data.
func field(data map[string]any, path string) any {
	var cur any = data
	for _, key := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[key]
	}
	return cur
}

// sameJSON compares a Go value with one decoded from JSON.
func sameJSON(have, want any) bool {
	a, _ := json.Marshal(have)
	var norm any
	json.Unmarshal(a, &norm)
	return reflect.DeepEqual(norm, want)
}

func TestObservatoryModifiersAndGrades(t *testing.T) {
	vf := loadVectors(t)
	for name, want := range vf.ScoreModifiers {
		if got, ok := ScoreModifier(name); !ok || got != want {
			t.Errorf("modifier of %s: %d (known %v), want %d", name, got, ok, want)
		}
	}
	for _, c := range vf.Grader.Cases {
		if got := max(c.Score, 0); got != c.ExpectedScore || ObservatoryGrade(c.Score) != c.ExpectedGrade {
			t.Errorf("%s: score %d grade %s, want %d %s", c.ID, got, ObservatoryGrade(c.Score), c.ExpectedScore, c.ExpectedGrade)
		}
	}
}
