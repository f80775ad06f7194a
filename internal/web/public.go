package web

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/feature/trust"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/store"
)

// rateLimiter allows each client address n requests per minute (a fixed
// one-minute window: simple, and enough to stop enumeration and floods).
type rateLimiter struct {
	mu     sync.Mutex
	n      int
	window time.Time
	counts map[string]int
}

func newRateLimiter(perMinute int) *rateLimiter {
	if perMinute <= 0 {
		perMinute = 60
	}
	return &rateLimiter{n: perMinute, counts: map[string]int{}}
}

// allow counts one request from addr and reports whether it may go on,
// and if not, how many seconds until it may.
func (l *rateLimiter) allow(addr string, now time.Time) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if w := now.Truncate(time.Minute); !w.Equal(l.window) {
		l.window, l.counts = w, map[string]int{}
	}
	l.counts[addr]++
	if l.counts[addr] > l.n {
		return false, int(l.window.Add(time.Minute).Sub(now).Seconds()) + 1
	}
	return true, 0
}

// limited wraps a public handler with the rate limit.
func (s *Server) limited(l *rateLimiter, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		if ok, wait := l.allow(host, time.Now()); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(wait))
			httpx.WriteJSON(w, http.StatusTooManyRequests, map[string]httpx.APIError{"error": {Code: "rate_limited", Message: "too many requests; try again later"}})
			return
		}
		h(w, r)
	}
}

// registerPublic adds the pages anyone may open without logging in: a
// trust label's verification page and its embeddable badge.
func (s *Server) registerPublic() {
	if s.deps.Trust == nil {
		return
	}
	l := newRateLimiter(s.deps.PublicRate)
	s.Public("GET /trust/{label}", s.limited(l, s.trustPage))
	s.Public("GET /trust/{label}/badge.svg", s.limited(l, s.trustBadge))
	if s.deps.Monitor != nil {
		s.Public("GET /status/{code}", s.limited(l, s.statusPage))
	}
	s.registerSiteUI()
}

func (s *Server) trustPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.deps.Trust.PublicView(r.Context(), r.PathValue("label"))
	if err != nil {
		if strings.Contains(r.Header.Get("Accept"), "application/json") {
			httpx.WriteError(w, r, err)
			return
		}
		// A citizen who followed a badge to a code Khiên does not know
		// learns plainly that the badge is not valid (not a generic error
		// with a link to a dashboard that needs a login).
		if errors.Is(err, store.ErrNotFound) {
			s.render(w, http.StatusNotFound, "trust_invalid", s.newView(r, "trust.invalid_title", "", nil))
			return
		}
		s.fail(w, r, err)
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		httpx.WriteJSON(w, http.StatusOK, p)
		return
	}
	s.render(w, http.StatusOK, "trust", s.newView(r, "trust.title", "", p))
}

func (s *Server) trustBadge(w http.ResponseWriter, r *http.Request) {
	p, err := s.deps.Trust.PublicView(r.Context(), r.PathValue("label"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	lang := r.URL.Query().Get("lang")
	if lang != "en" {
		lang = "vi"
	}
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	// Other sites embed the badge: allow cross-origin loading of it only.
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set("Cache-Control", "public, max-age=60")
	_, _ = w.Write(trust.Badge(p, lang))
}

// statusView is an agency's public status page.
type statusView struct {
	Agency registry.Agency
	Rows   []monitor.OverviewRow
	Down   int
}

// statusPage is the status page an agency chose to publish: the state and
// uptime of its monitored sites (and its units'), without a login. An
// agency that did not publish one looks like one that does not exist.
func (s *Server) statusPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ag, err := s.deps.Registry.AgencyByCode(ctx, access.System, r.PathValue("code"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !ag.PublicStatus) {
		s.render(w, http.StatusNotFound, "status_none", s.newView(r, "status.none_title", "", nil))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows, _, err := s.deps.Monitor.Overview(ctx, access.System, monitor.OverviewFilter{AgencyPath: ag.Path, Sort: "url", Limit: 500}, time.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := statusView{Agency: ag}
	for _, row := range rows {
		if !row.Monitored {
			continue // pending, rejected or not monitored: nothing to publish
		}
		if row.State == "down" {
			v.Down++
		}
		v.Rows = append(v.Rows, row)
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	view := s.newView(r, "status.title", "", v)
	view.Title, view.TitleIsData = ag.Name, true
	s.render(w, http.StatusOK, "status_public", view)
}
