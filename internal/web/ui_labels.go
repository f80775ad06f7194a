package web

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/feature/trust"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/store"
)

// registerLabelUI adds the trust-label pages: granting a site's label,
// the label list, label policies and label state changes; registerSiteUI
// calls it.
func (s *Server) registerLabelUI() {
	s.page("POST /sites/{id}/label", s.siteLabel)
	s.page("GET /labels", s.labelsPage)
	s.page("POST /label-policies/{id}", s.policyUpdate)
	s.page("POST /labels/{id}/state", s.labelState)
}

func (s *Server) siteLabel(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	form := labelForm{PrivacyURL: r.PostForm.Get("privacy_url"), Contact: r.PostForm.Get("contact")}
	_, err = s.deps.Trust.Grant(r.Context(), httpx.Actor(r.Context()), trust.GrantInput{SiteID: id,
		PrivacyURL: form.PrivacyURL, Contact: form.Contact})
	if errors.Is(err, trust.ErrPolicyNotMet) || errors.Is(err, store.ErrInvalid) {
		// The form comes back as it was typed, with the reason in the
		// reader's language.
		s.showSite(w, r, id, http.StatusConflict, policyMessage(r, err), form)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/sites/%d?done=saved", id), http.StatusSeeOther)
}

type labelsView struct {
	Labels   []trust.Label
	Total    int
	Policies []trust.Policy
	// Checks are the ids a policy may name, with their titles.
	Checks []webscan.CheckDef
}

func (s *Server) labelsPage(w http.ResponseWriter, r *http.Request) {
	actor := httpx.Actor(r.Context())
	items, total, err := s.deps.Trust.Labels(r.Context(), actor, trust.LabelFilter{State: r.URL.Query().Get("state"), Limit: 500})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	policies, err := s.deps.Trust.Policies(r.Context(), actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "labels", s.newView(r, "labels.title", "labels", labelsView{Labels: items, Total: total, Policies: policies, Checks: webscan.Checks()}))
}

func (s *Server) policyUpdate(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := r.PostForm
	grade := strings.TrimSpace(f.Get("min_grade"))
	required, critical := strings.Fields(f.Get("required_checks")), strings.Fields(f.Get("critical_checks"))
	privacy, contact := f.Get("require_privacy_policy") == "on", f.Get("require_contact") == "on"
	days, err := strconv.Atoi(strings.TrimSpace(f.Get("valid_days")))
	if err != nil {
		s.fail(w, r, fieldErr("valid_days", "must be a whole number of days", "phải là một số ngày nguyên"))
		return
	}
	in := trust.PolicyInput{MinGrade: &grade, RequiredChecks: &required, CriticalChecks: &critical, RequirePrivacyPolicy: &privacy, RequireContact: &contact, ValidDays: &days}
	if _, err := s.deps.Trust.UpdatePolicy(r.Context(), httpx.Actor(r.Context()), id, in); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/labels?done=saved", http.StatusSeeOther)
}

func (s *Server) labelState(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	ctx := r.Context()
	actor := httpx.Actor(ctx)
	id := r.PathValue("id")
	l, err := s.deps.Trust.Label(ctx, actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch state := r.PostForm.Get("state"); state {
	case trust.Suspended, trust.Revoked:
		_, err = s.deps.Trust.SetState(ctx, actor, id, state, strings.TrimSpace(r.PostForm.Get("reason")))
	case trust.Granted:
		_, err = s.deps.Trust.Grant(ctx, actor, trust.GrantInput{SiteID: l.SiteID, PolicyID: l.PolicyID, PrivacyURL: l.PrivacyURL, Contact: l.Contact})
	default:
		err = fieldErr("state", "choose a state from the list", "hãy chọn một trạng thái trong danh sách")
	}
	if errors.Is(err, trust.ErrPolicyNotMet) || errors.Is(err, store.ErrInvalid) {
		s.showSite(w, r, l.SiteID, http.StatusConflict, policyMessage(r, err), labelForm{State: r.PostForm.Get("state"), Reason: r.PostForm.Get("reason")})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/sites/%d?done=saved", l.SiteID), http.StatusSeeOther)
}

// policyMessage says why a label was not granted, in the reader's
// language only.
func policyMessage(r *http.Request, err error) string {
	lang := langOf(r)
	var pe *trust.PolicyError
	if errors.As(err, &pe) {
		if lang == "en" {
			return pe.Message(lang)
		}
		return plainResults(pe.Message(lang))
	}
	return errorMessage(lang, err)
}

// checkResult matches the raw result the trust package writes into its
// Vietnamese reasons ("kết quả: fail", "kết quả: not run").
var checkResult = regexp.MustCompile(`kết quả: (not run|pass|fail|warn|error|info)`)

// plainResults names check results in Vietnamese inside a reason.
func plainResults(vi string) string {
	return checkResult.ReplaceAllStringFunc(vi, func(m string) string {
		r := strings.TrimPrefix(m, "kết quả: ")
		if r == "not run" {
			return "kết quả: " + strings.ToLower(tr("vi", "scan.not_run"))
		}
		return "kết quả: " + strings.ToLower(tr("vi", "result."+r))
	})
}
