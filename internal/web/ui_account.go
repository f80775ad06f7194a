package web

import (
	"errors"
	"net/http"

	"github.com/khien-project/khien/internal/feature/auth"
	"github.com/khien-project/khien/internal/platform/httpx"
)

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "account", s.newView(r, "account.title", "account", nil))
}

// passwordChange changes the caller's own password. Every session of the
// user ends, this one is replaced by a new one; the API tokens end unless
// the box to keep them is ticked.
func (s *Server) passwordChange(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	ctx, actor := r.Context(), httpx.Actor(r.Context())
	ch := auth.PasswordChange{Current: r.PostForm.Get("current_password"), New: r.PostForm.Get("new_password"), KeepTokens: r.PostForm.Get("keep_tokens") != ""}
	_, err := s.deps.Auth.ChangePassword(ctx, actor, ch, httpx.ClientAddr(r), s.deviceCookie(r))
	if err != nil {
		var thr *auth.ThrottledError
		if errors.As(err, &thr) {
			v := s.newView(r, "error.title", "", nil)
			v.Data = explained{Text: throttledText(v.Lang, thr)}
			w.Header().Set("Retry-After", httpRetry(thr.RetryAfter))
			s.render(w, http.StatusTooManyRequests, "error", v)
			return
		}
		s.fail(w, r, err)
		return
	}
	u, err := s.deps.Auth.User(ctx, actor, actor.UserID)
	if err == nil {
		var sess auth.Session
		if sess, err = s.deps.Auth.StartSession(ctx, u); err == nil {
			s.setSessionCookie(w, sess)
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/account?done=saved", http.StatusSeeOther)
}
