// Feeds fetched from a URL an admin gives: bounded in size and time, and
// never sent into the platform's own networks unless the configuration
// says so.

package vuln

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strings"
	"syscall"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// FetchConfig bounds feed downloads.
type FetchConfig struct {
	// MaxBytes is the largest file fetched (0: DefaultFetchBytes).
	MaxBytes int64
	// Timeout bounds one whole download and import (0: DefaultFetchTimeout).
	Timeout time.Duration
	// AllowPrivate lets downloads reach private and loopback addresses (an
	// intranet mirror; option vuln.feeds_allow_private). Link-local,
	// multicast, unspecified and cloud metadata addresses stay refused.
	AllowPrivate bool
}

// Default download bounds.
const (
	DefaultFetchBytes   = 1 << 30
	DefaultFetchTimeout = 10 * time.Minute
)

// SetFetch sets how feeds are downloaded.
func (s *Service) SetFetch(c FetchConfig) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fetch = c
}

func (s *Service) fetchConfig() FetchConfig {
	s.mu.Lock()
	c := s.fetch
	s.mu.Unlock()
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultFetchBytes
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultFetchTimeout
	}
	return c
}

func urlError(en, vi string) error {
	var e valid.Errors
	e.Add("url", en, vi)
	return e
}

// ImportURL downloads a feed file (admins) and imports it as ImportFeed
// does, the URL kept as the import's file name. The address of every
// connection (redirects included, at most 3) is checked as it is dialled.
func (s *Service) ImportURL(ctx context.Context, actor access.Actor, raw string) (Import, error) {
	if !CanImport(actor) {
		return Import{}, fmt.Errorf("vuln: import feed: %w", store.ErrForbidden)
	}
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	switch {
	case raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "":
		return Import{}, urlError(fmt.Sprintf("%q is not an http:// or https:// URL", raw), fmt.Sprintf("%q không phải địa chỉ http:// hoặc https://", raw))
	case u.User != nil:
		return Import{}, urlError("a feed URL may not carry a user name or password", "địa chỉ nguồn không được chứa tên đăng nhập hay mật khẩu")
	case len(raw) > 2000:
		return Import{}, urlError("the URL is longer than 2000 characters", "địa chỉ dài quá 2000 ký tự")
	}
	cfg := s.fetchConfig()
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Import{}, urlError(fmt.Sprintf("%q is not a usable URL", raw), fmt.Sprintf("%q không dùng được", raw))
	}
	req.Header.Set("User-Agent", "Khien-Feeds/1")
	resp, err := feedClient(cfg.AllowPrivate).Do(req)
	if err != nil {
		return Import{}, fetchFailed(raw, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Import{}, urlError(fmt.Sprintf("%s answered HTTP %d", u.Host, resp.StatusCode), fmt.Sprintf("%s trả lời mã HTTP %d", u.Host, resp.StatusCode))
	}
	if resp.ContentLength > cfg.MaxBytes {
		return Import{}, tooLarge(cfg.MaxBytes)
	}
	body := &cappedReader{r: resp.Body, left: cfg.MaxBytes}
	imp, err := s.ImportFeed(ctx, actor, nameOfURL(u), body)
	switch {
	case body.over:
		return Import{}, tooLarge(cfg.MaxBytes)
	case err != nil && ctx.Err() != nil:
		return Import{}, urlError(fmt.Sprintf("the download did not finish within %s; nothing was imported", cfg.Timeout),
			fmt.Sprintf("tải tệp không xong trong %s; không bản ghi nào được nhập", cfg.Timeout))
	}
	return imp, err
}

// nameOfURL is how an import names the URL: without its query, which may
// hold an API key.
func nameOfURL(u *url.URL) string {
	v := *u
	v.RawQuery, v.Fragment = "", ""
	if s := v.String(); len(s) <= 500 {
		return s
	}
	return path.Base(u.Path)
}

func tooLarge(max int64) error {
	return urlError(fmt.Sprintf("the file is larger than %d bytes (the download limit); nothing was imported", max),
		fmt.Sprintf("tệp lớn hơn %d byte (giới hạn tải về); không bản ghi nào được nhập", max))
}

func fetchFailed(raw string, err error) error {
	if errors.Is(err, webscan.ErrForbiddenAddress) {
		return urlError(fmt.Sprintf("%q leads to an address feeds may not be fetched from (loopback, private, link-local or reserved; the option vuln.feeds_allow_private admits an intranet mirror)", raw),
			fmt.Sprintf("%q dẫn tới địa chỉ không được phép tải nguồn (loopback, nội bộ, link-local hoặc dành riêng; tùy chọn vuln.feeds_allow_private cho phép máy chủ gương nội bộ)", raw))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return urlError(fmt.Sprintf("%q did not answer in time", raw), fmt.Sprintf("%q không trả lời kịp thời gian", raw))
	}
	return urlError(fmt.Sprintf("%q could not be fetched (no answer, or the name does not resolve)", raw),
		fmt.Sprintf("không tải được %q (không trả lời, hoặc tên miền không phân giải được)", raw))
}

// cappedReader reads at most left bytes and notes when there was more.
type cappedReader struct {
	r    io.Reader
	left int64
	over bool
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		if n, _ := c.r.Read(one[:]); n > 0 {
			c.over = true
			return 0, errors.New("the file is larger than the download limit")
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// feedClient is the download client: no proxy, at most 3 redirects, and
// a dialer that checks the address each connection actually goes to.
func feedClient(allowPrivate bool) *http.Client {
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		d := &net.Dialer{Timeout: 15 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", webscan.ErrForbiddenAddress, address)
			}
			return feedAddress(ap.Addr(), allowPrivate)
		}}
		return d.DialContext(ctx, network, addr)
	}
	tr := &http.Transport{Proxy: nil, DialContext: dial, ForceAttemptHTTP2: true, TLSHandshakeTimeout: 15 * time.Second,
		ResponseHeaderTimeout: time.Minute, MaxIdleConns: 2, IdleConnTimeout: 30 * time.Second}
	return &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 {
			return errors.New("more than 3 redirects")
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return fmt.Errorf("redirect to %s: not http or https", req.URL.Scheme)
		}
		return nil
	}}
}

// feedAddress is the scanner's address rule (webscan.CheckAddress), with
// private and loopback addresses admitted when allowPrivate is set.
func feedAddress(a netip.Addr, allowPrivate bool) error {
	a = a.Unmap()
	if allowPrivate && (a.IsPrivate() || a.IsLoopback()) {
		if v4, _ := webscan.EmbeddedIPv4(a); v4.IsValid() {
			return feedAddress(v4, allowPrivate)
		}
		return nil
	}
	return webscan.CheckAddress(a)
}
