package webscan

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// MaxHARBytes bounds a HAR file accepted for an offline assessment.
const MaxHARBytes = 64 << 20

// har is the part of an HTTP Archive (HAR 1.2) the assessment reads.
type har struct {
	Log struct {
		Entries []harEntry `json:"entries"`
	} `json:"log"`
}

type harEntry struct {
	Request struct {
		Method  string      `json:"method"`
		URL     string      `json:"url"`
		Headers []harHeader `json:"headers"`
	} `json:"request"`
	Response struct {
		Status      int         `json:"status"`
		Headers     []harHeader `json:"headers"`
		RedirectURL string      `json:"redirectURL"`
		Content     struct {
			MimeType string `json:"mimeType"`
			Text     string `json:"text"`
			Encoding string `json:"encoding"`
		} `json:"content"`
	} `json:"response"`
}

type harHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func headerOf(list []harHeader) http.Header {
	h := http.Header{}
	for _, x := range list {
		h.Add(x.Name, x.Value)
	}
	return h
}

// ErrBadHAR is returned for a file that is not a usable HTTP Archive.
var ErrBadHAR = errors.New("not a usable HTTP Archive")

// ExchangeFromHAR builds the Exchange of a site from a browser's HTTP
// Archive: the page is the first document requested; its redirect chain
// is followed through the archive; a request carrying an Origin header to
// the same site serves as the CORS answer. HAR holds no certificate
// information, so HTTPS answers count as verified.
func ExchangeFromHAR(data []byte) (*Exchange, error) {
	if len(data) > MaxHARBytes {
		return nil, fmt.Errorf("%w: larger than %d MiB", ErrBadHAR, MaxHARBytes>>20)
	}
	var doc har
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadHAR, err)
	}
	entries := doc.Log.Entries
	if len(entries) == 0 {
		return nil, fmt.Errorf("%w: it has no entries", ErrBadHAR)
	}
	byURL := map[string]*harEntry{}
	for i := range entries {
		e := &entries[i]
		u, err := url.Parse(e.Request.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%w: entry %d has no http(s) URL", ErrBadHAR, i+1)
		}
		if _, seen := byURL[e.Request.URL]; !seen {
			byURL[e.Request.URL] = e
		}
	}
	first := &entries[0]
	chain := follow(first, byURL)
	ex := &Exchange{}
	if schemeOf(first.Request.URL) == "http" {
		ex.HTTP = toResponse(first)
		ex.HTTPChain = hops(chain)
	}
	// The HTTPS side: the first https entry on the chain, or on the page's host.
	host := HostOf(first.Request.URL)
	for _, e := range chain {
		if schemeOf(e.Request.URL) == "https" {
			ex.HTTPS = toResponse(e)
			break
		}
	}
	if ex.HTTPS == nil {
		for i := range entries {
			if e := &entries[i]; schemeOf(e.Request.URL) == "https" && HostOf(e.Request.URL) == host {
				ex.HTTPS = toResponse(e)
				break
			}
		}
	}
	if ex.HTTPS != nil {
		httpsStart := byURL[ex.HTTPS.URL]
		final := follow(httpsStart, byURL)
		ex.Final = toResponse(final[len(final)-1])
	} else {
		ex.Final = toResponse(chain[len(chain)-1])
	}
	ex.CORS = ex.Final
	ex.stylesheets = harStylesheets(entries)
	for i := range entries {
		e := &entries[i]
		if o := headerOf(e.Request.Headers).Get("Origin"); o != "" && HostOf(e.Request.URL) == HostOf(ex.Final.URL) {
			ex.CORS, ex.CORSOrigin = toResponse(e), o
			break
		}
	}
	return ex, nil
}

// follow walks the redirects of start through the archive (at most 20).
func follow(start *harEntry, byURL map[string]*harEntry) []*harEntry {
	chain := []*harEntry{start}
	seen := map[string]bool{start.Request.URL: true}
	for cur := start; len(chain) < 20; {
		if cur.Response.Status < 300 || cur.Response.Status > 399 {
			break
		}
		next := cur.Response.RedirectURL
		if next == "" {
			next = headerOf(cur.Response.Headers).Get("Location")
		}
		base, err1 := url.Parse(cur.Request.URL)
		ref, err2 := url.Parse(next)
		if next == "" || err1 != nil || err2 != nil {
			break
		}
		target := base.ResolveReference(ref).String()
		e, ok := byURL[target]
		if !ok || seen[target] {
			break
		}
		seen[target] = true
		chain = append(chain, e)
		cur = e
	}
	return chain
}

func toResponse(e *harEntry) *Response {
	body := e.Response.Content.Text
	if strings.EqualFold(e.Response.Content.Encoding, "base64") {
		body = "" // binary content: the header checks do not read it
	}
	h := headerOf(e.Response.Headers)
	if h.Get("Content-Type") == "" && e.Response.Content.MimeType != "" {
		h.Set("Content-Type", e.Response.Content.MimeType)
	}
	return &Response{URL: e.Request.URL, Status: e.Response.Status, Header: h, Body: body, Verified: true}
}

func hops(chain []*harEntry) []Hop {
	out := make([]Hop, len(chain))
	for i, e := range chain {
		out[i] = Hop{URL: e.Request.URL, Status: e.Response.Status}
	}
	return out
}

// harStylesheets are the archive's stylesheets (200 answers of type
// text/css), by URL.
func harStylesheets(entries []harEntry) map[string]string {
	var out map[string]string
	for i := range entries {
		e := &entries[i]
		r := toResponse(e)
		if r.Status != 200 || r.Body == "" || !isCSS(r) || r.Header.Get("Content-Type") == "" {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		if _, seen := out[r.URL]; !seen {
			out[r.URL] = r.Body
		}
	}
	return out
}
