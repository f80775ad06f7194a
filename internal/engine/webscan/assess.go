package webscan

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// assessment is what the checks of one scan read. The costly parts (the
// Observatory results, the parsed page, the TLS probe, the exposure
// probes, the DNS lookups) are gathered on first use, so that a check
// asks only for what it needs and nothing is fetched twice.
type assessment struct {
	ctx      context.Context
	opts     Options
	ex       *Exchange
	crawler  *Response // the page as a search-engine crawler got it (nil: not fetched)
	baseline *Baseline
	host     string // the site's host name, for the DNS checks
	hasHost  bool

	results []HeaderResult
	page    *pageFacts
	botPage *pageFacts // the crawler's view, parsed
	// sheets fetches the pages' same-site stylesheets once (nil until
	// first needed); live tells whether they may be fetched.
	sheets   *sheetCache
	live     bool
	tls      *TLSFacts
	tlsErr   error
	tlsDone  bool
	probe    *fetcher
	soft     *Response // the answer to a page that cannot exist
	softDone bool
	dns      *dnsFacts
	// unfetched, when set, is why the page could not be fetched over
	// HTTPS although the server speaks TLS: the checks that read the
	// page or probe the site then give an error saying so.
	unfetched *unfetched
	// exposedPaths are the sensitive files found, whose directories the
	// listing check also looks at.
	exposedPaths []string
}

// run runs the registered checks that read one of inputs, in report
// order, and returns their results and grade caps.
func (a *assessment) run(inputs ...input) ([]Check, []GradeCap) {
	var checks []Check
	var caps []GradeCap
	for _, d := range registry {
		if !slices.Contains(inputs, d.input) {
			continue
		}
		if a.unfetched != nil && (d.input == fromAnswers || d.input == fromProbes) {
			checks = append(checks, a.unfetched.check(d.New()))
			continue
		}
		if c, cc, ok := d.run(d, a); ok {
			checks, caps = append(checks, c), append(caps, stamp(cc, d.ID)...)
		}
	}
	return checks, caps
}

// stamp marks caps as imposed by the check id.
func stamp(caps []GradeCap, id CheckID) []GradeCap {
	for i := range caps {
		caps[i].Check = id
	}
	return caps
}

// runIDs runs the given checks, in the order given.
func (a *assessment) runIDs(ids ...CheckID) ([]Check, []GradeCap) {
	var checks []Check
	var caps []GradeCap
	for _, id := range ids {
		d, _ := LookupCheck(string(id))
		if c, cc, ok := d.run(d, a); ok {
			checks, caps = append(checks, c), append(caps, stamp(cc, d.ID)...)
		}
	}
	return checks, caps
}

// report scores and grades what the checks found.
func (a *assessment) report(url string, checks []Check, caps []GradeCap) Report {
	if a.unfetched != nil {
		// No page, so no header score (0) and no fingerprint: the grade
		// is the caps' alone, and https.available caps it at F.
		rep := Report{URL: url, Grade: applyCaps("A+", caps), Checks: checks}
		rep.capReason("A+", caps)
		return rep
	}
	score := ObservatoryScore(a.headerResults())
	var rule IgnoreRule
	if a.baseline != nil {
		rule = a.baseline.Ignore
	}
	scoreGrade := ObservatoryGrade(score)
	rep := Report{URL: url, Score: score, Grade: applyCaps(scoreGrade, caps), Checks: checks, Fingerprint: PageFingerprint(a.ex.Final.Body, rule)}
	rep.capReason(scoreGrade, caps)
	return rep
}

// headerResults are the twelve Observatory results of the answers.
func (a *assessment) headerResults() []HeaderResult {
	if a.results == nil {
		a.results = ObservatoryHeaders(a.ex)
	}
	return a.results
}

// pageFacts is the final page, parsed.
func (a *assessment) pageFacts() pageFacts {
	if a.page == nil {
		p := readPageStyled(a.ex.Final.Body, a.ex.Final.URL, a.sheetLoader())
		a.page = &p
	}
	return *a.page
}

// crawlerFacts is the page a crawler got, parsed (nil when not fetched).
func (a *assessment) crawlerFacts() *pageFacts {
	if a.crawler == nil {
		return nil
	}
	if a.botPage == nil {
		p := readPageStyled(a.crawler.Body, a.crawler.URL, a.sheetLoader())
		a.botPage = &p
	}
	return a.botPage
}

// sheetLoader gives the pages' same-site stylesheets: fetched by the
// probes' fetcher in a live scan, taken from the HAR file offline.
func (a *assessment) sheetLoader() sheetLoader {
	if a.sheets == nil {
		var load sheetLoader
		if a.live {
			load = liveSheetLoader(a.ctx, a.prober())
		} else if a.ex != nil {
			load = mapLoader(a.ex.stylesheets)
		}
		a.sheets = newSheetCache(load)
	}
	return a.sheets.loader()
}

// tlsFacts probes the HTTPS endpoint once; nil and no error when the site
// has no HTTPS.
func (a *assessment) tlsFacts() (*TLSFacts, error) {
	if !a.tlsDone {
		a.tlsDone = true
		if a.ex != nil && a.ex.HTTPS != nil {
			a.tls, a.tlsErr = ProbeTLS(a.ctx, a.ex.HTTPS.URL, a.opts)
		}
	}
	return a.tls, a.tlsErr
}

// origin gives the URL of a path on the final page's origin; ok is false
// when the final URL does not parse.
func (a *assessment) origin(path string) (string, bool) {
	base, err := url.Parse(a.ex.Final.URL)
	if err != nil {
		return "", false
	}
	u := *base
	u.Path, u.RawQuery, u.Fragment = path, "", ""
	return u.String(), true
}

// prober is the fetcher of the exposure probes: small answers, kept-alive
// connections.
func (a *assessment) prober() *fetcher {
	if a.probe == nil {
		o := a.opts
		o.MaxBody = 64 << 10 // enough to recognise a file, not to download it
		a.probe = newProbeFetcher(o)
	}
	return a.probe
}

// soft404 is what the site answers for a page that cannot exist (nil
// when it did not answer).
func (a *assessment) soft404() *Response {
	if !a.softDone {
		a.softDone = true
		if u, ok := a.origin(fmt.Sprintf("/khien-%d-not-found.txt", time.Now().UnixNano())); ok {
			a.soft, _ = a.prober().get(a.ctx, u, nil) // no answer: nothing is a soft 404
		}
	}
	return a.soft
}

// isSoft404 tells whether r is the site's "not found" page served with
// status 200, which is no finding.
func (a *assessment) isSoft404(r *Response) bool {
	soft := a.soft404()
	return soft != nil && soft.Status == r.Status && soft.Body == r.Body
}

// close releases the probes' connections.
func (a *assessment) close() {
	if a.probe != nil {
		a.probe.close()
	}
}

// AssessExchange assesses what a site answered (offline: from a HAR file):
// the header, cookie, redirect and content checks, scored and graded like
// the Observatory, with content findings capping the grade.
func AssessExchange(ex *Exchange, started time.Time) Report {
	a := &assessment{ctx: context.Background(), ex: ex}
	checks, caps := a.run(fromAnswers)
	url := ex.Final.URL
	if len(ex.HTTPChain) > 0 {
		url = ex.HTTPChain[0].URL
	}
	rep := a.report(url, checks, caps)
	rep.StartedAt, rep.DurationMS = started.UTC(), time.Since(started).Milliseconds()
	return rep
}

// crawlerUserAgent is how the scanner asks for the page search engines see.
const crawlerUserAgent = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"

// Assess scans a live site: it fetches the answers (within opts' limits,
// refusing internal addresses unless allowed) and checks them. It fails
// only when the site could not be reached at all.
func Assess(ctx context.Context, target string, opts Options) (Report, error) {
	started := time.Now()
	opts.defaults()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	f := newFetcher(opts)
	ex, err := f.fetch(ctx, target)
	a := &assessment{ctx: ctx, opts: opts, ex: ex, baseline: opts.Baseline, live: true}
	if !a.probeUnfetched(target, ex, err) {
		if err != nil {
			return Report{}, err
		}
		if a.crawler, err = f.get(ctx, ex.Final.URL, http.Header{"User-Agent": {crawlerUserAgent}}); err != nil {
			a.crawler = nil // cloaking is then not checked; the rest goes on
		}
	}
	if u, err := url.Parse(target); err == nil {
		a.host, a.hasHost = u.Hostname(), true
	}
	defer a.close()
	checks, caps := a.run(fromConnection, fromTLS, fromProbes, fromDNS, fromAnswers)
	rep := a.report(target, checks, caps)
	rep.StartedAt, rep.DurationMS = started.UTC(), time.Since(started).Milliseconds()
	return rep, nil
}

// probeUnfetched handles a fetch that got no HTTPS answer (ex.HTTPS nil,
// or no answer at all: fetchErr) because a TLS handshake failed: when the
// hand-built handshakes show that the server does speak TLS, the TLS
// facts are kept, the page is marked unfetched, and true is returned.
func (a *assessment) probeUnfetched(target string, ex *Exchange, fetchErr error) bool {
	var httpsErr error
	var un *UnreachableError
	switch {
	case fetchErr == nil && ex.HTTPS == nil:
		httpsErr = ex.httpsErr
	case errors.As(fetchErr, &un):
		httpsErr = un.HTTPS
	}
	u, err := url.Parse(target)
	if !tlsLevelFailure(httpsErr) || err != nil {
		return false
	}
	_, httpsURL := schemeURLs(u, a.opts)
	facts, err := ProbeTLS(a.ctx, httpsURL.String(), a.opts)
	if err != nil || !tlsLevelFailure(facts.ClientErr) {
		return false // no TLS at all, Go's client agrees now or timed out: nothing to add
	}
	a.tls, a.tlsDone, a.unfetched = facts, true, unfetchedFrom(facts)
	if a.ex == nil {
		a.ex = &Exchange{}
	}
	return true
}
