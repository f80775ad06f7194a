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
)

// vectorsPath is the MDN HTTP Observatory's own unit-test cases, re-expressed
// as data, in the shared reference folder beside the repository.
var vectorsPath = filepath.Join("..", "..", "..", "shared", "reference", "observatory-v2-vectors.json")

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
		t.Skipf("Observatory vectors not available (%v): they live in ../shared beside the repository", err)
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

// exchangeFor builds the site a case describes from the baseline.
func exchangeFor(vf vectorFile, c vectorCase) *Exchange {
	mk := func(kind, url string) *Response {
		base := vf.Baseline.Responses[kind]
		h := http.Header{}
		for k, v := range base.Headers {
			h.Set(k, v)
		}
		return &Response{URL: url, Status: base.Status, Header: h, Verified: true}
	}
	ex := &Exchange{
		Final: mk("auto", vf.Baseline.SessionURL), HTTPS: mk("https", vf.Baseline.SessionURL),
		HTTP: mk("http", strings.Replace(vf.Baseline.SessionURL, "https:", "http:", 1)), CORS: mk("cors", vf.Baseline.SessionURL),
		HTTPChain: vf.Baseline.HTTP,
	}
	addHeaders(ex.Final.Header, c.ResponseHeaders)
	addHeaders(ex.HTTPS.Header, c.HTTPSHeaders)
	addHeaders(ex.HTTP.Header, c.HTTPHeaders)
	addHeaders(ex.CORS.Header, c.CORSResponseHeaders)
	for k, v := range c.CORSRequestHeaders {
		if strings.EqualFold(k, "origin") {
			ex.CORSOrigin = v
		}
	}
	if c.Status != 0 {
		ex.Final.Status = c.Status
	}
	ex.Final.Body = c.HTML
	if c.Verified != nil {
		ex.HTTPS.Verified = *c.Verified
	}
	if c.HTTPRedirects != nil {
		ex.HTTPChain = c.HTTPRedirects
	}
	if c.HTTPSResponse != nil {
		ex.HTTPS = nil
	}
	if c.HTTPResponse != nil {
		ex.HTTP = nil
	}
	return ex
}

// TestObservatoryVectors runs every case of the MDN HTTP Observatory's own
// tests whose analyzer Khiên implements, through the same functions the
// scanner uses, and checks result, pass flag, modifier and fields.
func TestObservatoryVectors(t *testing.T) {
	vf := loadVectors(t)
	ran, pending := 0, map[string]int{}
	for _, c := range vf.Cases {
		analyze, ok := analyzers[c.Test]
		if !ok {
			pending[c.Test]++
			continue
		}
		ran++
		got := analyze(exchangeFor(vf, c))
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
	if ran != len(vf.Cases) || ran < 200 {
		t.Errorf("ran %d of %d cases", ran, len(vf.Cases))
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
