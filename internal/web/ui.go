package web

import (
	"bytes"
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/i18n"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// pages holds every page template, each parsed with the layout at start-up
// so that a broken template fails the tests, not a user's request.
type pages struct{ byName map[string]*template.Template }

var funcs = template.FuncMap{
	"t": tr,
	// fieldError is a refused field's message, naming the field by its
	// label on the form, in the reader's language.
	"fieldError": func(lang string, fe valid.FieldError) string { return fieldMessage(lang, fe) },
	// sev names a severity in the reader's language.
	"sev": func(lang, s string) string { return severityText(lang, s) },
	// explain turns a technical error text into a sentence for people.
	"explain": explainText,
	// scrub removes internal addresses from a raw error shown to analysts.
	"scrub": scrubError,
	// actionName and objectName name the audit filter's choices.
	"actionName": auditActionName,
	// reason is a label's reason in lang: a reason Khiên wrote has both
	// languages; one a person typed has only the words they typed (data).
	"reason":       reasonText,
	"who":          whoText,
	"fieldLabel":   fieldName,
	"explainValid": explainValidation,
	// errFor is what was wrong with one field of a refused form, in lang.
	"errFor": func(lang string, errs []valid.FieldError, field string) string {
		var out []string
		for _, e := range errs {
			if e.Field == field || strings.HasPrefix(e.Field, field+"[") {
				m := e.VI
				if lang == "en" || m == "" {
					m = e.EN
				}
				out = append(out, explainValidation(lang, m))
			}
		}
		return strings.Join(out, "; ")
	},
	"objectName": auditObjectName,
	"deref":      func(p *int64) int64 { return *p },
	"indent": func(depth int) string {
		return strings.Repeat("\u00a0\u00a0", depth)
	},
	"lines": func(v []string) string { return strings.Join(v, "\n") },
	"list":  func(v ...string) []string { return v },
	// gradeClass names a grade's colour class: A+ → ap, B- → b, F → f.
	"gradeClass": func(g string) string {
		if g == "" {
			return "none"
		}
		if g == "A+" {
			return "ap"
		}
		return strings.ToLower(g[:1])
	},
	"tptr": func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.In(vietnam).Format("02/01/2006 15:04")
	},
	// pick chooses the Vietnamese or English text of a pair.
	"pick": func(lang, vi, en string) string {
		if lang == "en" && en != "" {
			return en
		}
		return vi
	},
	"pct":       func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"uptime":    uptimeText,
	"trimMinus": func(s string) string { return strings.TrimPrefix(s, "-") },
	"derefInt":  func(p *int) int { return *p },
	"busyScan": func(scans []sitescan.Scan) bool {
		for _, sc := range scans {
			if sc.Status == "queued" || sc.Status == "running" {
				return true
			}
		}
		return false
	},
	"pctNum":  func(f float64) string { return fmt.Sprintf("%.0f", f*100) },
	"deref32": func(p *int) int { return *p },
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format("2006-01-02")
	},
	// stamp shows a time stored as RFC 3339 text like fmtTime, or — .
	"stamp": func(v string) string {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			if v == "" {
				return "—"
			}
			return v
		}
		return t.In(vietnam).Format("02/01/2006 15:04")
	},
	"fmtTime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(vietnam).Format("02/01/2006 15:04")
	},
}

// vietnam is UTC+7 (no daylight saving), fixed so that no time zone data
// is needed on the server.
var vietnam = time.FixedZone("ICT", 7*3600)

func parsePages() (*pages, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || base == "systemtable" || base == "partials" {
			continue
		}
		// Every page: the layout, the shared partials, and its own content.
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/systemtable.html", "templates/partials.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", base, err)
		}
		p.byName[base] = t
	}
	return p, nil
}

// view is what every page template receives.
type view struct {
	Lang    string
	Title   string
	Section string
	Actor   access.Actor
	CSRF    string
	// Path is the page's own path and query, for the language switch's
	// next (the template encodes it, once).
	Path string
	// TitleIsData says the title is a name from the data (an agency, a
	// system, a site's URL), not a translated text.
	TitleIsData bool
	Flash       string
	ErrorText   string
	Errors      []valid.FieldError
	Version     string
	Data        any
}

func (s *Server) newView(r *http.Request, titleKey, section string, data any) view {
	lang := langOf(r)
	return view{
		Lang: lang, Title: tr(lang, titleKey), Section: section,
		Actor: httpx.Actor(r.Context()), CSRF: httpx.CSRF(r.Context()),
		Path: r.URL.RequestURI(), Version: s.deps.Version, Data: data,
		Flash: flashText(lang, r.URL.Query().Get("done")),
	}
}

func flashText(lang, done string) string {
	switch done {
	case "saved", "deleted", "queued", "archived", "restored", "purged", "verification.checked":
		return tr(lang, done)
	}
	return ""
}

func langOf(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil {
		return i18n.Lang(c.Value)
	}
	return "vi"
}

func (s *Server) render(w http.ResponseWriter, status int, name string, v view) {
	t, ok := s.pages.byName[name]
	if !ok {
		slog.Error("unknown page template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		slog.Error("render page", "name", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail shows err as a page with the right status.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, _ := httpx.Classify(err)
	key := "error.internal"
	switch status {
	case http.StatusNotFound:
		key = "error.not_found"
	case http.StatusForbidden:
		key = "error.forbidden"
	case http.StatusBadRequest, http.StatusConflict:
		v := s.newView(r, "error.title", "", nil)
		v.Data = explainError(v.Lang, err)
		s.render(w, status, "error", v)
		return
	}
	if status == http.StatusInternalServerError {
		slog.ErrorContext(r.Context(), "page failed", "path", r.URL.Path, "err", err)
	}
	v := s.newView(r, "error.title", "", nil)
	v.Data = explained{Text: tr(v.Lang, key)}
	s.render(w, status, "error", v)
}

// errorMessage says in lang why a request was refused: each refused field
// by its label, else a sentence for the kind of refusal.
func errorMessage(lang string, err error) string { return explainError(lang, err).Text }

// explainError is errorMessage with the service's own words (English,
// for analysts) kept for a fold when they add something.
func explainError(lang string, err error) explained {
	var fe valid.Errors
	if errors.As(err, &fe) {
		parts := make([]string, len(fe))
		for i, f := range fe {
			parts[i] = fieldMessage(lang, f)
		}
		return explained{Text: strings.Join(parts, "; ")}
	}
	status, body := httpx.Classify(err)
	if lang == "en" {
		return explained{Text: body.Message}
	}
	key := "err.bad_request"
	if status == http.StatusConflict {
		key = "err.conflict"
	}
	return explained{Text: tr(lang, key), Raw: scrubError(body.Message), Fold: tr(lang, "error.detail_fold")}
}

// formErrors splits a validation error into field messages for the form;
// other errors are returned as they are.
func formErrors(err error) ([]valid.FieldError, error) {
	var fe valid.Errors
	if errors.As(err, &fe) {
		return fe, nil
	}
	return nil, err
}

// checkForm parses a posted form (at most 1 MiB) and checks its CSRF
// token against the session's.
func (s *Server) checkForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, httpx.MaxJSONBody)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, httpx.BadRequest("malformed form: %v", err))
		return false
	}
	return s.checkCSRF(w, r, r.PostForm.Get("csrf"))
}

func (s *Server) checkCSRF(w http.ResponseWriter, r *http.Request, got string) bool {
	want := httpx.CSRF(r.Context())
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		v := s.newView(r, "error.title", "", nil)
		v.Data = explained{Text: tr(v.Lang, "error.csrf")}
		s.render(w, http.StatusForbidden, "error", v)
		return false
	}
	return true
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// idAction handles a posted form that acts on the object named by the
// path's id (delete, revoke, resolve): it checks the form and its CSRF
// token, calls do as the caller, and redirects to next or shows the error.
func (s *Server) idAction(do func(ctx context.Context, actor access.Actor, id int64) error, next string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.checkForm(w, r) {
			return
		}
		id, err := httpx.ParseID(r, "id")
		if err == nil {
			err = do(r.Context(), httpx.Actor(r.Context()), id)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	// A known path asked with the wrong method is a 405, not a 404.
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete, http.MethodPut} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			allowed = append(allowed, m)
		}
	}
	api := strings.HasPrefix(r.URL.Path, "/api/")
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		if api {
			httpx.WriteJSON(w, http.StatusMethodNotAllowed, map[string]httpx.APIError{"error": {Code: "method_not_allowed", Message: "method " + r.Method + " is not allowed here"}})
			return
		}
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if api {
		httpx.WriteJSON(w, http.StatusNotFound, map[string]httpx.APIError{"error": {Code: "not_found", Message: "no such API route"}})
		return
	}
	s.fail(w, r, fmt.Errorf("page %s: %w", r.URL.Path, errNotFound))
}

// canWrite answers 403 to roles that may not change the registry (the
// services refuse the change anyway; this spares them a useless form).
func (s *Server) canWrite(w http.ResponseWriter, r *http.Request) bool {
	if httpx.Actor(r.Context()).CanWriteRegistry() {
		return true
	}
	s.fail(w, r, store.ErrForbidden)
	return false
}

func formLines(v string) []string {
	out := []string{}
	for _, l := range strings.FieldsFunc(v, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
