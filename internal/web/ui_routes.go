package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/khien-project/khien/internal/feature/auth"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/i18n"
	"github.com/khien-project/khien/internal/web/chart"
)

func (s *Server) registerUI() {
	static, _ := fs.Sub(staticFiles, "static")
	fileServer := http.StripPrefix("/static/", http.FileServerFS(static))
	s.Public("GET /static/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(w, r)
	})
	s.Public("GET /static/chart.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		_, _ = w.Write(chart.Stylesheet)
	})
	s.Public("GET /lang/{code}", s.setLang)
	s.Public("GET /login", s.loginPage)
	s.Public("POST /login", s.login)
	s.Public("POST /logout", s.logout)

	s.page("GET /{$}", s.dashboard)
	s.registerDetectionsUI()
	s.page("GET /agencies", s.agenciesPage)
	s.page("GET /agencies/new", s.agencyNewPage)
	s.page("POST /agencies", s.agencyCreate)
	s.page("GET /agencies/{id}", s.agencyPage)
	s.page("GET /agencies/{id}/edit", s.agencyEditPage)
	s.page("POST /agencies/{id}", s.agencyUpdate)
	s.page("POST /agencies/{id}/delete", s.idAction(s.deps.Registry.DeleteAgency, "/agencies?done=deleted"))
	s.page("GET /systems", s.systemsPage)
	s.page("GET /systems/new", s.systemNewPage)
	s.page("POST /systems", s.systemCreate)
	s.page("GET /systems/{id}", s.systemPage)
	s.page("GET /systems/{id}/edit", s.systemEditPage)
	s.page("POST /systems/{id}", s.systemUpdate)
	s.page("POST /systems/{id}/delete", s.systemAction(s.deps.Registry.ArchiveSystem, "archived"))
	s.page("POST /systems/{id}/restore", s.systemAction(s.deps.Registry.RestoreSystem, "restored"))
	s.page("POST /systems/{id}/purge", s.idAction(func(ctx context.Context, actor access.Actor, id int64) error {
		_, err := s.deps.Registry.PurgeSystem(ctx, actor, id)
		return err
	}, "/systems?archived=true&done=purged"))
	s.page("GET /export/{file}", s.exportFile)
	s.page("GET /import", s.importPage)
	s.page("POST /import", s.importUpload)
	s.page("GET /users", s.usersPage)
	s.page("POST /users", s.userCreate)
	s.page("POST /users/{id}", s.userUpdate)
	s.page("POST /users/{id}/delete", s.idAction(s.deps.Auth.DeleteUser, "/users?done=deleted"))
	s.page("GET /account", s.accountPage)
	s.page("POST /account/password", s.passwordChange)
	s.page("GET /tokens", s.tokensPage)
	s.page("POST /tokens", s.tokenCreate)
	s.page("POST /tokens/{id}/revoke", s.idAction(s.deps.Auth.RevokeToken, "/tokens?done=saved"))
	s.page("GET /audit", s.auditPage)
	s.registerLevelsUI()
	s.registerLogsUI()
	s.registerIngestUI()
}

func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: i18n.Lang(r.PathValue("code")), Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, Secure: s.deps.TLS, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
}

type loginView struct{ Next, Username string }

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if httpx.Actor(r.Context()).Authenticated() {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, http.StatusOK, "login", s.newView(r, "login.title", "", loginView{Next: localPath(r.URL.Query().Get("next"))}))
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, httpx.BadRequest("malformed form"))
		return
	}
	name, next := r.PostForm.Get("username"), localPath(r.PostForm.Get("next"))
	device := s.deviceCookie(r)
	u, err := s.deps.Auth.LoginWith(r.Context(), auth.Credentials{Username: name, Password: r.PostForm.Get("password"), Addr: httpx.ClientAddr(r), Device: device})
	if err != nil {
		v := s.newView(r, "login.title", "", loginView{Next: next, Username: name})
		status := http.StatusUnauthorized
		v.ErrorText = i18n.T(v.Lang, "login.failed")
		var thr *auth.ThrottledError
		if errors.As(err, &thr) {
			status = http.StatusTooManyRequests
			v.ErrorText = throttledText(v.Lang, thr)
			w.Header().Set("Retry-After", httpRetry(thr.RetryAfter))
		} else if !errors.Is(err, auth.ErrBadCredentials) {
			s.fail(w, r, err)
			return
		}
		s.render(w, status, "login", v)
		return
	}
	if device, err = s.deps.Auth.RememberDevice(r.Context(), u, device); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setDeviceCookie(w, device)
	sess, err := s.deps.Auth.StartSession(r.Context(), u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setSessionCookie(w, sess)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// throttledText says a password entry was refused for now, and for how
// long, in the same words whether the account exists or not.
func throttledText(lang string, thr *auth.ThrottledError) string {
	return fmt.Sprintf(i18n.T(lang, "login.throttled"), httpRetry(thr.RetryAfter))
}

func httpRetry(d time.Duration) string { return strconv.Itoa(int(d.Seconds()) + 1) }

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if httpx.Actor(r.Context()).Authenticated() {
		if !s.checkForm(w, r) {
			return
		}
		if c, err := r.Cookie(s.cookieName()); err == nil {
			if err := s.deps.Auth.EndSession(r.Context(), c.Value); err != nil {
				s.fail(w, r, err)
				return
			}
		}
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.deps.TLS, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

type dashboardView struct {
	Counts any
	Sites  *sitescan.Summary
	// Grades is the grade distribution chart, each bar a link to its sites.
	Grades template.HTML
	Recent []auditLine
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	actor := httpx.Actor(r.Context())
	counts, err := s.deps.Registry.Summary(r.Context(), actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The dashboard shows the top two levels of the caller's tree, with
	// their units' figures rolled up; the agency tree has the rest.
	top := counts.ByAgency[:0:0]
	for _, a := range counts.ByAgency {
		if a.Depth <= 1 {
			top = append(top, a)
		}
	}
	counts.ByAgency = top
	d := dashboardView{Counts: counts}
	if s.deps.Sites != nil {
		sum, err := s.deps.Sites.Summarize(r.Context(), actor)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Sites = &sum
		g := chart.GradeCounts(sum.ByExactGrade, func(grade string) string {
			if grade == "" {
				grade = "none"
			}
			return "/sites?grade=" + url.QueryEscape(grade)
		})
		g.ID = "grades"
		d.Grades = chart.Figure(g, chart.LabelsFor(langOf(r)))
	}
	if actor.CanReadAudit() {
		recent, err := s.deps.Audit.Recent(r.Context(), actor, 10)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Recent = s.describe(r.Context(), actor, langOf(r), recent)
	}
	s.render(w, http.StatusOK, "dashboard", s.newView(r, "dash.title", "dashboard", d))
}
