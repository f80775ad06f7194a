package webscan

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Response is one answer of the site as the header checks read it.
type Response struct {
	URL      string
	Status   int
	Header   http.Header
	Body     string
	Verified bool // the TLS certificate was trusted and matched the host
	// CertNotAfter is the end of the leaf certificate's validity (HTTPS).
	CertNotAfter time.Time
}

// Hop is one step of a redirect chain: the URL asked and its status.
type Hop struct {
	URL    string
	Status int
}

// Exchange is everything the header checks need about one site.
type Exchange struct {
	// Final is the last response of the https:// request, after redirects.
	Final *Response
	// HTTP and HTTPS are the direct answers to http:// and https:// on the
	// site's host; nil when the site does not answer on that scheme.
	HTTP  *Response
	HTTPS *Response
	// CORS is the answer to a request carrying the Origin CORSOrigin.
	CORS       *Response
	CORSOrigin string
	// HTTPChain is the redirect chain followed from http://host/.
	HTTPChain []Hop
	// Preloaded reports whether a host is on the HSTS preload list (nil:
	// no list available, so nothing is preloaded).
	Preloaded func(host string) bool

	// httpsErr is why the https:// request got no answer (live scans).
	httpsErr error
	// stylesheets are the CSS answers of a HAR file, by URL, which tell
	// what the page hides.
	stylesheets map[string]string
}

// values returns every field line of a header, in order.
func values(r *Response, name string) []string {
	if r == nil || r.Header == nil {
		return nil
	}
	return r.Header.Values(name)
}

// HostOf is the lower-case host name of a URL ("" when it does not parse).
func HostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

func schemeOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Scheme)
}
