package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/feature/auth"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/store"
)

// contentSecurityPolicy allows only Khiên's own scripts, styles and images:
// no inline code, no framing, forms only to Khiên itself.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Session and device cookie names: with TLS the __Host- prefix pins them
// to this host.
const (
	sessionCookie       = "khien_session"
	secureSessionCookie = "__Host-khien_session"
	deviceCookie        = "khien_device"
	secureDeviceCookie  = "__Host-khien_device"
	langCookie          = "khien_lang"
)

func (s *Server) cookieName() string {
	if s.deps.TLS {
		return secureSessionCookie
	}
	return sessionCookie
}

func (s *Server) setSessionCookie(w http.ResponseWriter, sess auth.Session) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: sess.Secret, Path: "/", Expires: sess.Expires, HttpOnly: true, Secure: s.deps.TLS, SameSite: http.SameSiteLaxMode})
}

// The device cookie tells the login that this browser has logged in as
// the account before (see auth.LoginPolicy). Only the login form and the
// password change read it, so it is never sent cross-site.
func (s *Server) deviceCookieName() string {
	if s.deps.TLS {
		return secureDeviceCookie
	}
	return deviceCookie
}

func (s *Server) deviceCookie(r *http.Request) string {
	if c, err := r.Cookie(s.deviceCookieName()); err == nil {
		return c.Value
	}
	return ""
}

func (s *Server) setDeviceCookie(w http.ResponseWriter, device string) {
	http.SetCookie(w, &http.Cookie{Name: s.deviceCookieName(), Value: device, Path: "/", MaxAge: int(auth.DeviceTTL.Seconds()), HttpOnly: true, Secure: s.deps.TLS, SameSite: http.SameSiteStrictMode})
}

// middleware wraps every request: a request id, panic recovery, metrics
// and the request log, security headers, cross-origin protection for
// unsafe methods, and resolution of the caller (session cookie or bearer
// token).
func (s *Server) middleware(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusForbidden, map[string]httpx.APIError{"error": {Code: "cross_origin", Message: "cross-origin request refused"}})
	}))
	inner := cop.Handler(s.authenticate(next))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		route, user := "unmatched", ""
		id := requestID(r)
		ctx := context.WithValue(r.Context(), routeKey{}, &route)
		ctx = context.WithValue(ctx, userKey{}, &user)
		r = r.WithContext(context.WithValue(ctx, requestIDKey{}, id))
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		rec.Header().Set(RequestIDHeader, id)
		s.securityHeaders(rec.Header(), r)
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				slog.ErrorContext(r.Context(), "panic serving request", "path", r.URL.Path, "panic", p)
				if !rec.wrote {
					httpx.WriteError(rec, r, errors.New("panic"))
				}
			}
			took := time.Since(start)
			s.httpReqs.WithLabelValues(route, strconv.Itoa(rec.status)).Inc()
			s.httpDur.WithLabelValues(route).Observe(took.Seconds())
			if s.deps.LogRequests {
				s.logRequest(r, route, user, rec, took)
			}
		}()
		inner.ServeHTTP(rec, r)
	})
}

func (s *Server) securityHeaders(h http.Header, r *http.Request) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
	if !strings.HasPrefix(r.URL.Path, "/static/") {
		h.Set("Cache-Control", "no-store")
	}
	if s.deps.TLS {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
	bytes  int64 // body bytes written
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// authenticate resolves the caller. A bearer token that does not resolve
// is refused at once; a stale session cookie just leaves the caller
// anonymous.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if s.deps.Ingest != nil && ownAuth(r.URL.Path) {
			next.ServeHTTP(w, r) // ingest tokens, checked by the receiver
			return
		}
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, tok, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") {
				unauthorized(w, "use Authorization: Bearer <token>")
				return
			}
			actor, err := s.deps.Auth.TokenActor(ctx, strings.TrimSpace(tok))
			if err != nil {
				if !errors.Is(err, store.ErrNotFound) {
					httpx.WriteError(w, r, err)
					return
				}
				unauthorized(w, "invalid or revoked API token")
				return
			}
			noteUser(ctx, actor.Username)
			next.ServeHTTP(w, r.WithContext(httpx.WithActor(ctx, actor, "")))
			return
		}
		if c, err := r.Cookie(s.cookieName()); err == nil {
			actor, csrf, err := s.deps.Auth.SessionActor(ctx, c.Value)
			switch {
			case err == nil:
				noteUser(ctx, actor.Username)
				r = r.WithContext(httpx.WithActor(ctx, actor, csrf))
			case store.IsUnavailable(err):
				httpx.WriteError(w, r, err) // 503: not a reason to log the user out
				return
			case !errors.Is(err, store.ErrNotFound):
				slog.ErrorContext(ctx, "session lookup", "err", err)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// noteUser tells the request log who the caller is.
func noteUser(ctx context.Context, name string) {
	if p, ok := ctx.Value(userKey{}).(*string); ok {
		*p = name
	}
}

func unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="khien"`)
	httpx.WriteJSON(w, http.StatusUnauthorized, map[string]httpx.APIError{"error": {Code: "unauthorized", Message: msg}})
}

func requireAPIActor(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !httpx.Actor(r.Context()).Authenticated() {
			unauthorized(w, "log in or send Authorization: Bearer <token>")
			return
		}
		h(w, r)
	})
}

func (s *Server) requireLogin(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !httpx.Actor(r.Context()).Authenticated() {
			next := r.URL.Path
			if r.Method != http.MethodGet {
				next = "/"
			}
			http.Redirect(w, r, "/login?next="+urlQueryEscape(next), http.StatusSeeOther)
			return
		}
		h(w, r)
	})
}
