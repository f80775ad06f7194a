package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/khien-project/khien/internal/feature/levels"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/valid"
)

// The level questionnaire of a system (issue 12 item 2): the officer
// answers, sees the level the answers imply with its reasons, and saves
// it as the system's proposal. The rules are the levels service's
// (PreviewLevel and Propose, as POST /api/v1/systems/{id}/level-proposal);
// this page only turns the form into the same answers.

// maxParts is how many parts the form offers.
const maxParts = 5

// option is one choice of a select.
type option struct{ Value, Label string }

// questionField is one answer on the form.
type questionField struct {
	// Name is the form's name (info_class, parts.0.info_class); Field the
	// JSON path errors name (info_class, parts[0].info_class).
	Name, Field, Label, Type, Value string
	Options                         []option
	Min, Max                        int64
	// Err is what was wrong with the answer ("" if nothing).
	Err string
}

// partView is one part of the system on the form.
type partView struct {
	N      int
	Open   bool
	Fields []questionField
}

type questionnaireView struct {
	SystemID      int64
	SystemName    string
	Regime        string
	Regimes       []option
	Fields        []questionField
	Parts         []partView
	RegimeErr     string
	LevelErr      string
	ProposedLevel string
	Result        *levels.Result
	CanSave       bool
}

// answerStrings writes answers as the form's values, by question name.
func answerStrings(a levels.Answers) map[string]string {
	out := map[string]string{}
	str := func(name string, p *string) {
		if p != nil {
			out[name] = *p
		}
	}
	boolean := func(name string, p *bool) {
		if p != nil {
			out[name] = strconv.FormatBool(*p)
		}
	}
	num := func(name string, p *int64) {
		if p != nil {
			out[name] = strconv.FormatInt(*p, 10)
		}
	}
	str("info_class", a.InfoClass)
	str("system_type", a.SystemType)
	num("data_subjects", a.DataSubjects)
	boolean("sensitive_personal_data", a.SensitivePersonalData)
	boolean("handles_administrative_procedures", a.HandlesAdministrativeProcedures)
	num("online_public_service_level", a.OnlinePublicServiceLevel)
	boolean("conditional_business", a.ConditionalBusiness)
	str("infrastructure_scope", a.InfrastructureScope)
	boolean("needs_24_7", a.Needs24x7)
	str("national_security_harm", a.NationalSecurityHarm)
	return out
}

// setAnswer parses the form's value v of question q into a; a value that
// is not of the question's type is an error on field.
func setAnswer(a *levels.Answers, q levels.Question, field, v string, errs *valid.Errors) {
	if v == "" {
		return
	}
	var b *bool
	var n *int64
	switch q.Type {
	case "bool":
		x, err := strconv.ParseBool(v)
		if err != nil {
			errs.Add(field, "answer yes or no", "hãy trả lời có hoặc không")
			return
		}
		b = &x
	case "int":
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs.Add(field, fmt.Sprintf("%q is not a whole number", v), fmt.Sprintf("%q không phải số nguyên", v))
			return
		}
		n = &x
	}
	s := &v
	switch q.Name {
	case "info_class":
		a.InfoClass = s
	case "system_type":
		a.SystemType = s
	case "data_subjects":
		a.DataSubjects = n
	case "sensitive_personal_data":
		a.SensitivePersonalData = b
	case "handles_administrative_procedures":
		a.HandlesAdministrativeProcedures = b
	case "online_public_service_level":
		a.OnlinePublicServiceLevel = n
	case "conditional_business":
		a.ConditionalBusiness = b
	case "infrastructure_scope":
		a.InfrastructureScope = s
	case "needs_24_7":
		a.Needs24x7 = b
	case "national_security_harm":
		a.NationalSecurityHarm = s
	}
}

// questionnaireInput reads the form: the answers, the parts up to the
// last one with any answer, and the proposed level.
func questionnaireInput(f url.Values) (levels.Input, valid.Errors) {
	var errs valid.Errors
	in := levels.Input{Answers: levels.Answers{Regime: f.Get("regime")}}
	for _, q := range levels.Questions {
		setAnswer(&in.Answers, q, q.Name, f.Get(q.Name), &errs)
	}
	last := -1
	for i := range maxParts {
		for _, q := range levels.Questions {
			if f.Get(fmt.Sprintf("parts.%d.%s", i, q.Name)) != "" {
				last = i
			}
		}
	}
	for i := 0; i <= last; i++ {
		var part levels.Answers
		for _, q := range levels.Questions {
			setAnswer(&part, q, fmt.Sprintf("parts[%d].%s", i, q.Name), f.Get(fmt.Sprintf("parts.%d.%s", i, q.Name)), &errs)
		}
		in.Parts = append(in.Parts, part)
	}
	if v := f.Get("proposed_level"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs.Add("proposed_level", fmt.Sprintf("%q is not a level", v), fmt.Sprintf("%q không phải cấp độ", v))
		} else {
			in.ProposedLevel = &n
		}
	}
	return in, errs
}

// questionFields builds the form's fields for answers a, named with
// prefix ("" or "parts.N.") and field paths with path ("" or
// "parts[N].").
func questionFields(lang string, a levels.Answers, prefix, path string, errs []valid.FieldError) []questionField {
	values := answerStrings(a)
	var out []questionField
	for _, q := range levels.Questions {
		f := questionField{Name: prefix + q.Name, Field: path + q.Name, Label: pickText(lang, q.VI, q.EN), Type: q.Type, Value: values[q.Name], Min: q.Min, Max: q.Max,
			Err: errText(lang, errs, path+q.Name)}
		switch q.Type {
		case "enum":
			f.Options = []option{{"", tr(lang, "levels.q.unanswered")}}
			for _, v := range q.Values {
				f.Options = append(f.Options, option{v, tr(lang, "levels.q."+q.Name+"."+v)})
			}
		case "bool":
			f.Options = []option{{"", tr(lang, "levels.q.unanswered")}, {"true", tr(lang, "levels.q.yes")}, {"false", tr(lang, "levels.q.no")}}
		}
		out = append(out, f)
	}
	return out
}

// errText is what was wrong with field, in lang ("" if nothing).
func errText(lang string, errs []valid.FieldError, field string) string {
	var out []string
	for _, e := range errs {
		if e.Field == field {
			out = append(out, explainValidation(lang, pickText(lang, cmp.Or(e.VI, e.EN), e.EN)))
		}
	}
	return strings.Join(out, "; ")
}

// pickText is the Vietnamese or English of a pair.
func pickText(lang, vi, en string) string {
	if lang == "en" {
		return en
	}
	return vi
}

// questionnaire renders the form for in, with result (nil: not
// evaluated) and errs.
func (s *Server) questionnaire(w http.ResponseWriter, r *http.Request, status int, id int64, in levels.Input, result *levels.Result, errs []valid.FieldError) {
	svc, err := s.levelsService()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, actor := r.Context(), httpx.Actor(r.Context())
	sys, err := s.deps.Registry.System(ctx, actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := langOf(r)
	regimes, err := svc.Regimes(ctx, actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := questionnaireView{SystemID: id, SystemName: sys.Name, Regime: in.Regime, Result: result,
		Fields: questionFields(lang, in.Answers, "", "", errs), RegimeErr: errText(lang, errs, "regime"), LevelErr: errText(lang, errs, "proposed_level"), CanSave: actor.CanWriteRegistry() && !sys.Archived()}
	data.Regimes = append(data.Regimes, option{"", tr(lang, "levels.q.unanswered")})
	for _, g := range regimes {
		data.Regimes = append(data.Regimes, option{g.ID, pickText(lang, g.Name, g.NameEN)})
	}
	for i := range min(len(in.Parts)+1, maxParts) {
		var part levels.Answers
		if i < len(in.Parts) {
			part = in.Parts[i]
		}
		pv := partView{N: i + 1, Open: i < len(in.Parts), Fields: questionFields(lang, part, fmt.Sprintf("parts.%d.", i), fmt.Sprintf("parts[%d].", i), errs)}
		for _, f := range pv.Fields {
			pv.Open = pv.Open || f.Err != ""
		}
		data.Parts = append(data.Parts, pv)
	}
	if in.ProposedLevel != nil {
		data.ProposedLevel = strconv.Itoa(*in.ProposedLevel)
	}
	v := s.newView(r, "levels.questionnaire", "levels", data)
	v.Errors = errs // listed above the form too
	s.render(w, status, "levels_questionnaire", v)
}

func (s *Server) questionnairePage(w http.ResponseWriter, r *http.Request) {
	svc, id, ok := s.levelsTarget(w, r)
	if !ok {
		return
	}
	in, err := svc.LastInput(r.Context(), httpx.Actor(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in.ProposedLevel = nil
	var result *levels.Result
	if in.Regime != "" { // the level the last proposal's answers imply today
		if res, err := svc.PreviewLevel(r.Context(), httpx.Actor(r.Context()), id, in); err == nil {
			result = &res
		}
	}
	s.questionnaire(w, r, http.StatusOK, id, in, result, nil)
}

// questionnairePost evaluates the answers (action=preview) or saves them
// as the system's proposal (action=save); refusals come back on the form
// under their fields.
func (s *Server) questionnairePost(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	svc, id, ok := s.levelsTarget(w, r)
	if !ok {
		return
	}
	ctx, actor := r.Context(), httpx.Actor(r.Context())
	in, bad := questionnaireInput(r.PostForm)
	var res levels.Result
	var err error
	if r.PostForm.Get("action") == "save" && len(bad) == 0 {
		var p levels.Proposal
		if p, err = svc.Propose(ctx, actor, id, in); err == nil {
			http.Redirect(w, r, fmt.Sprintf("/levels/systems/%d?done=saved", p.SystemID), http.StatusSeeOther)
			return
		}
	} else {
		res, err = svc.PreviewLevel(ctx, actor, id, in)
	}
	errs, err := formErrors(err)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	errs = mergeErrors(bad, errs)
	if len(errs) > 0 {
		s.questionnaire(w, r, http.StatusBadRequest, id, in, nil, errs)
		return
	}
	s.questionnaire(w, r, http.StatusOK, id, in, &res, nil)
}

// mergeErrors keeps the form's own errors and the service's on other
// fields (an answer the form could not read is also "missing" to the
// service).
func mergeErrors(form, service []valid.FieldError) []valid.FieldError {
	seen := map[string]bool{}
	for _, e := range form {
		seen[e.Field] = true
	}
	out := append([]valid.FieldError{}, form...)
	for _, e := range service {
		if !seen[e.Field] {
			out = append(out, e)
		}
	}
	return out
}
