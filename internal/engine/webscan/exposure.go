package webscan

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// exposedFile is a path that must never be public, with the test that
// tells the real file from a "not found" page served with status 200.
type exposedFile struct {
	path     string
	severity string
	secret   bool // a leaked secret or source: caps the grade at F
	looksOK  func(body []byte) bool
}

var (
	gitObjectID = regexp.MustCompile(`^[0-9a-f]{40}$`)
	svnEntries  = regexp.MustCompile(`^\d+\s`)
)

var envLine = regexp.MustCompile(`(?m)^\s*(export\s+)?[A-Z][A-Z0-9_]*(PASSWORD|SECRET|KEY|TOKEN|DB_HOST|DATABASE_URL|APP_ENV)[A-Z0-9_]*\s*=`)

// anyEnvLine is a NAME=value line of a dotenv file.
var anyEnvLine = regexp.MustCompile(`(?m)^\s*(export\s+)?[A-Z][A-Z0-9_]*=\S`)

// looksLikeEnv tells a dotenv file: a line naming a secret, or at least
// three NAME=value lines, and no HTML.
func looksLikeEnv(b []byte) bool {
	if looksLikeHTML(b) {
		return false
	}
	return envLine.Match(b) || len(anyEnvLine.FindAll(b, 3)) >= 3
}

var exposedFiles = []exposedFile{
	{"/.git/HEAD", "critical", true, func(b []byte) bool {
		s := strings.TrimSpace(string(b))
		return strings.HasPrefix(s, "ref: refs/") || gitObjectID.MatchString(s)
	}},
	{"/.git/config", "critical", true, func(b []byte) bool { return bytes.Contains(b, []byte("[core]")) }},
	{"/.env", "critical", true, looksLikeEnv},
	{"/.svn/entries", "high", true, func(b []byte) bool {
		s := strings.TrimSpace(string(b))
		return svnEntries.MatchString(s) && !looksLikeHTML(b) || strings.HasPrefix(s, "<?xml") && strings.Contains(s, "wc-entries")
	}},
	{"/phpinfo.php", "high", false, func(b []byte) bool {
		return bytes.Contains(b, []byte("phpinfo()")) && bytes.Contains(b, []byte("PHP Version"))
	}},
	{"/server-status", "medium", false, func(b []byte) bool { return bytes.Contains(b, []byte("Apache Server Status")) }},
	{"/.DS_Store", "low", false, func(b []byte) bool { return bytes.HasPrefix(b, []byte("\x00\x00\x00\x01Bud1")) }},
	{"/backup.zip", "critical", true, isArchive},
	{"/backup.tar.gz", "critical", true, isArchive},
	{"/www.zip", "critical", true, isArchive},
	{"/site.tar.gz", "critical", true, isArchive},
	{"/wp-config.php.bak", "critical", true, func(b []byte) bool { return bytes.Contains(b, []byte("DB_PASSWORD")) }},
	{"/config.php.bak", "critical", true, func(b []byte) bool { return bytes.Contains(b, []byte("<?php")) }},
	{"/web.config.bak", "critical", true, func(b []byte) bool { return bytes.Contains(b, []byte("<configuration")) }},
	{"/.env.bak", "critical", true, looksLikeEnv},
}

// monitoredSecrets are the exposures the monitor looks for on every probe:
// the two commonest leaks, cheap to ask for and recognised by content.
var monitoredSecrets = []string{"/.git/HEAD", "/.env"}

// SecretProbe asks a site's origin for a source tree's HEAD and a .env
// file and returns the URLs that answered with the real thing (checked by
// content, so a soft-404 page is no finding). The monitor runs it on every
// probe, so a leak suspends a trust label within one monitoring cycle.
func SecretProbe(ctx context.Context, pageURL string, opts Options) []string {
	opts.defaults()
	opts.MaxBody = 64 << 10
	base, err := url.Parse(pageURL)
	if err != nil {
		return nil
	}
	f := newFetcher(opts)
	var hits []string
	for _, ef := range exposedFiles {
		if !slices.Contains(monitoredSecrets, ef.path) {
			continue
		}
		u := *base
		u.Path, u.RawQuery, u.Fragment = ef.path, "", ""
		if r, err := f.get(ctx, u.String(), nil); err == nil && r.Status == http.StatusOK && ef.looksOK([]byte(r.Body)) {
			hits = append(hits, r.URL)
		}
	}
	return hits
}

func isArchive(b []byte) bool {
	return bytes.HasPrefix(b, []byte("PK\x03\x04")) || bytes.HasPrefix(b, []byte{0x1f, 0x8b})
}

func looksLikeHTML(b []byte) bool {
	head := strings.ToLower(string(b[:min(len(b), 512)]))
	return strings.Contains(head, "<html") || strings.Contains(head, "<!doctype") || strings.Contains(head, "<body")
}

// listingMarker recognises the listings of nginx, Apache, lighttpd and
// Python ("Index of /…", "Directory listing for /…"), Tomcat ("Directory
// Listing For") and IIS ("[To Parent Directory]").
var listingMarker = regexp.MustCompile(`(?i)<title>\s*(Index of /|Directory listing for)|\[To Parent Directory\]`)

// versionPattern finds a product with a version: "Apache/2.4.41", "PHP/7.4.3",
// "WordPress 6.4.3", "nginx/1.18.0".
var versionPattern = regexp.MustCompile(`[A-Za-z][A-Za-z0-9_.-]*[/ ]v?\d+\.\d+(\.\d+)?`)

var generatorMeta = regexp.MustCompile(`(?i)<meta[^>]+name=["']?generator["']?[^>]*content=["']([^"']+)["']|<meta[^>]+content=["']([^"']+)["'][^>]*name=["']?generator`)

var leakServerVersionDef = CheckDef{ID: LeakServerVersion, Severity: "low", input: fromAnswers,
	run: func(def CheckDef, a *assessment) (Check, []GradeCap, bool) {
		return leakCheck(def.New(), a.ex), nil, true
	},
	Title: "Lộ phiên bản phần mềm", TitleEN: "Software version disclosed",
	Remediation:   "Ẩn phiên bản trong header Server và X-Powered-By (ví dụ server_tokens off; expose_php = Off) và bỏ thẻ meta generator.",
	RemediationEN: "Hide versions in the Server and X-Powered-By headers (server_tokens off; expose_php = Off, for example) and remove the generator meta tag."}

// LeakChecks finds software versions a site tells every visitor.
func LeakChecks(ex *Exchange) []Check {
	checks, _ := (&assessment{ex: ex}).runIDs(LeakServerVersion)
	return checks
}

func leakCheck(c Check, ex *Exchange) Check {
	var found []string
	if ex.Final != nil {
		for _, h := range []string{"Server", "X-Powered-By", "X-AspNet-Version", "X-Generator"} {
			for _, v := range ex.Final.Header.Values(h) {
				if versionPattern.MatchString(v) || (h == "X-AspNet-Version" && v != "") {
					found = append(found, h+": "+v)
				}
			}
		}
		for _, m := range generatorMeta.FindAllStringSubmatch(ex.Final.Body, 3) {
			content := m[1] + m[2]
			if versionPattern.MatchString(content) {
				found = append(found, `<meta name="generator" content="`+content+`">`)
			}
		}
	}
	if len(found) == 0 {
		c.Result, c.Severity = Pass, Info
		c.Detail, c.DetailEN = "Không thấy phiên bản phần mềm trong header hay thẻ meta.", "No software version in the headers or meta tags."
		return c
	}
	c.Result, c.Severity, c.Evidence = Warn, "low", strings.Join(found, "\n")
	c.Detail = "Trang cho biết phiên bản phần mềm, giúp kẻ tấn công chọn lỗ hổng đã biết."
	c.DetailEN = "The site tells which software versions it runs, helping attackers pick known vulnerabilities."
	return c
}

// The exposure checks probe the final page's origin for exposed files,
// directory listings, dangerous HTTP methods and security.txt.
var (
	exposedFilesDef = CheckDef{ID: ExposedFiles, Severity: "critical", input: fromProbes, run: exposedFilesProbe,
		Title: "Tệp nhạy cảm bị lộ", TitleEN: "Exposed sensitive files",
		Remediation:   "Xóa các tệp này khỏi thư mục web (mã nguồn .git/.svn, tệp .env, bản sao lưu, phpinfo) và chặn truy cập chúng trong cấu hình máy chủ web; đổi mọi mật khẩu, khóa đã lộ.",
		RemediationEN: "Remove these files from the web root (.git/.svn sources, .env files, backups, phpinfo) and deny them in the web server; change every password and key they exposed.",
		Caps:          []GradeCap{{Grade: "F", Reason: "exposed source tree, secret file or backup"}}}
	exposedDirectoryListingDef = CheckDef{ID: ExposedDirectoryListing, Severity: "medium", input: fromProbes, run: listingCheck,
		Title: "Liệt kê thư mục", TitleEN: "Directory listing",
		Remediation:   "Tắt liệt kê thư mục (autoindex off; Options -Indexes).",
		RemediationEN: "Turn directory listing off (autoindex off; Options -Indexes)."}
	httpMethodsDef = CheckDef{ID: HTTPMethods, Severity: "medium", input: fromProbes, run: methodsCheck,
		Title: "Phương thức HTTP nguy hiểm", TitleEN: "Dangerous HTTP methods",
		Remediation:   "Chỉ cho phép GET, HEAD và POST; tắt TRACE (TraceEnable off).",
		RemediationEN: "Allow GET, HEAD and POST only; disable TRACE (TraceEnable off)."}
	securityTxtDef = CheckDef{ID: SecurityTxt, Severity: "low", input: fromProbes, run: securityTxtCheck,
		Title: "Tệp security.txt (RFC 9116)", TitleEN: "security.txt (RFC 9116)",
		Remediation:   "Đăng /.well-known/security.txt với Contact (thư điện tử hoặc trang báo lỗi) và Expires (dưới một năm).",
		RemediationEN: "Publish /.well-known/security.txt with a Contact (e-mail or report page) and an Expires date under a year away."}
)

// exposedFilesProbe asks for every path of exposedFiles, probeParallel at
// a time, and recognises the real files by content.
func exposedFilesProbe(def CheckDef, a *assessment) (Check, []GradeCap, bool) {
	if _, ok := a.origin("/"); !ok {
		return Check{}, nil, false
	}
	f := a.prober()
	a.soft404() // the reference answer first, before the probes run at once
	answers := make([]*Response, len(exposedFiles))
	next := make(chan int)
	var wg sync.WaitGroup
	for range probeParallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				u, _ := a.origin(exposedFiles[i].path)
				if r, err := f.get(a.ctx, u, nil); err == nil {
					answers[i] = r
				}
			}
		}()
	}
	for i := range exposedFiles {
		next <- i
	}
	close(next)
	wg.Wait()
	var caps []GradeCap
	var hits []string
	worst := ""
	for i, ef := range exposedFiles {
		r := answers[i]
		if r == nil || r.Status != http.StatusOK || a.isSoft404(r) || !ef.looksOK([]byte(r.Body)) {
			continue
		}
		hits = append(hits, r.URL)
		a.exposedPaths = append(a.exposedPaths, ef.path)
		if worst == "" || severityRank[ef.severity] > severityRank[worst] {
			worst = ef.severity
		}
		if ef.secret {
			caps = append(caps, GradeCap{Grade: "F", Reason: "exposed " + ef.path})
		}
	}
	return exposedFilesCheck(def.New(), hits, worst), caps, true
}

// exposedFilesCheck reports the sensitive files found (hits, their URLs),
// as grave as the worst of them.
func exposedFilesCheck(c Check, hits []string, worst string) Check {
	if len(hits) == 0 {
		c.Result, c.Severity = Pass, Info
		c.Detail, c.DetailEN = "Không tìm thấy tệp nhạy cảm nào (đã kiểm tra nội dung, không chỉ mã trạng thái).", "No sensitive file found (checked by content, not only by status)."
		return c
	}
	c.Result, c.Severity, c.Evidence = Fail, worst, strings.Join(hits, "\n")
	c.Detail = fmt.Sprintf("Tìm thấy %d tệp nhạy cảm ai cũng tải được.", len(hits))
	c.DetailEN = fmt.Sprintf("%d sensitive files can be downloaded by anyone.", len(hits))
	return c
}

var severityRank = map[string]int{Info: 0, "low": 1, "medium": 2, "high": 3, "critical": 4}

// listingRoots are the directories always looked at for a listing.
var listingRoots = []string{"/", "/uploads/", "/images/", "/files/", "/backup/"}

// maxListingDirs bounds how many directories one assessment asks for.
const maxListingDirs = 24

// listingDirs are the directories to look at for a listing: the fixed
// ones, those of the exposed files found (a listed /.git/), and those the
// page's own same-origin links and resources live in, nearest first, then
// their parents; at most maxListingDirs.
func (a *assessment) listingDirs() []string {
	seen := map[string]bool{}
	var dirs []string
	add := func(d string) {
		if d != "" && !seen[d] && len(dirs) < maxListingDirs {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	for _, d := range listingRoots {
		add(d)
	}
	for _, p := range a.exposedPaths {
		add(dirOf(p))
	}
	base, err := url.Parse(a.ex.Final.URL)
	if err != nil {
		return dirs
	}
	var own []string
	consider := func(ref string) {
		u, err := base.Parse(strings.TrimSpace(ref))
		if err != nil || !strings.EqualFold(u.Host, base.Host) || (u.Scheme != "http" && u.Scheme != "https") {
			return
		}
		own = append(own, dirOf(u.Path))
	}
	consider(a.ex.Final.URL)
	page := a.pageFacts()
	for _, l := range page.links {
		consider(l.href)
	}
	for _, r := range page.resources {
		consider(r.url)
	}
	for _, d := range own {
		add(d)
	}
	for _, d := range own { // then one level up, then the next
		for p := parentDir(d); p != "/" && p != ""; p = parentDir(p) {
			add(p)
		}
	}
	return dirs
}

// dirOf is the directory a path lives in, with its trailing slash.
func dirOf(p string) string {
	if p == "" {
		return "/"
	}
	d := path.Dir(p)
	if strings.HasSuffix(p, "/") {
		d = path.Clean(p)
	}
	if d == "/" || d == "." {
		return "/"
	}
	return d + "/"
}

// parentDir is the directory above d ("/a/b/" → "/a/").
func parentDir(d string) string {
	return dirOf(strings.TrimSuffix(d, "/"))
}

func listingCheck(def CheckDef, a *assessment) (Check, []GradeCap, bool) {
	if _, ok := a.origin("/"); !ok {
		return Check{}, nil, false
	}
	c := def.New()
	dirs := a.listingDirs()
	answers := make([]*Response, len(dirs))
	f := a.prober()
	a.soft404()
	next := make(chan int)
	var wg sync.WaitGroup
	for range probeParallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				u, _ := a.origin(dirs[i])
				if r, err := f.get(a.ctx, u, nil); err == nil {
					answers[i] = r
				}
			}
		}()
	}
	for i := range dirs {
		next <- i
	}
	close(next)
	wg.Wait()
	var hits []string
	for _, r := range answers {
		if r != nil && r.Status == http.StatusOK && !a.isSoft404(r) && listingMarker.MatchString(r.Body) {
			hits = append(hits, r.URL)
		}
	}
	if len(hits) == 0 {
		c.Result, c.Severity = Pass, Info
		c.Detail = fmt.Sprintf("Không thư mục nào bị liệt kê (đã thử %d thư mục, gồm các thư mục chứa liên kết và tài nguyên của trang).", len(dirs))
		c.DetailEN = fmt.Sprintf("No directory is listed (%d directories tried, including those the page's links and resources live in).", len(dirs))
		return c, nil, true
	}
	c.Result, c.Severity, c.Evidence = Fail, "medium", strings.Join(hits, "\n")
	c.Detail, c.DetailEN = "Máy chủ liệt kê nội dung thư mục cho mọi người xem.", "The server lists directory contents to anyone."
	return c, nil, true
}

func methodsCheck(def CheckDef, a *assessment) (Check, []GradeCap, bool) {
	root, ok := a.origin("/")
	if !ok {
		return Check{}, nil, false
	}
	c := def.New()
	req, err := http.NewRequestWithContext(a.ctx, "TRACE", root, nil)
	if err == nil {
		req.Header.Set("X-Khien-Trace", "probe")
		if resp, err := a.prober().client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.Contains(resp.Header.Get("Content-Type"), "message/http") {
				c.Result, c.Severity, c.Evidence = Fail, "medium", "TRACE / → 200 message/http"
				c.Detail, c.DetailEN = "Máy chủ trả lời phương thức TRACE (có thể bị lợi dụng đánh cắp cookie).", "The server answers TRACE (usable to steal cookies)."
				return c, nil, true
			}
		}
	}
	c.Result, c.Severity = Pass, Info
	c.Detail, c.DetailEN = "TRACE không được chấp nhận.", "TRACE is not accepted."
	return c, nil, true
}

func securityTxtCheck(def CheckDef, a *assessment) (Check, []GradeCap, bool) {
	u, ok := a.origin("/.well-known/security.txt")
	if !ok {
		return Check{}, nil, false
	}
	c := def.New()
	r, err := a.prober().get(a.ctx, u, nil)
	if err != nil || r.Status != http.StatusOK || looksLikeHTML([]byte(r.Body)) {
		c.Result, c.Severity = Info, Info
		c.Detail, c.DetailEN = "Trang chưa có security.txt để nhà nghiên cứu báo lỗ hổng.", "The site has no security.txt telling researchers where to report."
		return c, nil, true
	}
	var contact, expires string
	for _, line := range strings.Split(r.Body, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "contact":
			contact = strings.TrimSpace(v)
		case "expires":
			expires = strings.TrimSpace(v)
		}
	}
	exp, err := time.Parse(time.RFC3339, expires)
	c.Evidence = strings.TrimSpace(r.Body[:min(len(r.Body), 300)])
	switch {
	case contact == "" || expires == "" || err != nil:
		c.Result, c.Severity = Warn, "low"
		c.Detail, c.DetailEN = "security.txt thiếu Contact hoặc Expires hợp lệ.", "security.txt lacks a Contact or a valid Expires."
	case exp.Before(time.Now()):
		c.Result, c.Severity = Warn, "low"
		c.Detail, c.DetailEN = "security.txt đã hết hạn.", "security.txt has expired."
	default:
		c.Result, c.Severity = Pass, Info
		c.Detail, c.DetailEN = "security.txt hợp lệ.", "security.txt is valid."
	}
	return c, nil, true
}
