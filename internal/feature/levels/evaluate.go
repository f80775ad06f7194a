package levels

import (
	"fmt"
	"strings"

	"github.com/khien-project/khien/internal/platform/valid"
)

// Evaluating a questionnaire against a regime: each criterion whose
// condition holds sets a level, the highest wins; a system made of parts
// takes the highest level of itself and its parts; a proposed level below
// what the answers imply is refused.

// Input is a level proposal: the answers and, optionally, the level the
// owner proposes (at least the level the answers imply).
type Input struct {
	Answers
	ProposedLevel *int `json:"proposed_level,omitempty"`
}

// Reason is one criterion that set the level, in both languages.
type Reason struct {
	Criterion string `json:"criterion"`
	TextVI    string `json:"text_vi"`
	TextEN    string `json:"text_en"`
}

// Result is an evaluated proposal: the level (the proposed one when the
// owner proposed a higher level), the level the answers imply, and the
// reasons.
type Result struct {
	Regime        string   `json:"regime"`
	RegimeVersion string   `json:"regime_version"`
	Level         int      `json:"level"`
	ImpliedLevel  int      `json:"implied_level"`
	Reasons       []Reason `json:"reasons"`
}

// Evaluate checks in and evaluates it against its regime. Missing and
// out-of-range answers, an unknown regime and a proposed level below the
// implied one are valid.Errors naming the JSON fields.
func (l *Library) Evaluate(in Input) (Result, error) {
	var errs valid.Errors
	r := l.checkRegime(in.Regime, &errs)
	if r == nil {
		return Result{}, errs.Err()
	}
	checkAnswers(r, in.Answers, "", &errs)
	for i, part := range in.Parts {
		where := fmt.Sprintf("parts[%d].", i)
		if part.Regime != "" && part.Regime != r.ID {
			errs.Add(where+"regime", fmt.Sprintf("a part is evaluated under the system's regime %s, not %q", r.ID, part.Regime),
				fmt.Sprintf("thành phần được đánh giá theo chế độ %s của hệ thống, không phải %q", r.ID, part.Regime))
		}
		if len(part.Parts) > 0 {
			errs.Add(where+"parts", "a part cannot itself have parts: list every part at the top", "thành phần không được có thành phần con: liệt kê mọi thành phần ở cấp trên cùng")
		}
		checkAnswers(r, part, where, &errs)
	}
	if p := in.ProposedLevel; p != nil && (*p < 1 || *p > 5) {
		errs.Add("proposed_level", fmt.Sprintf("%d is not a level (1 to 5)", *p), fmt.Sprintf("%d không phải cấp độ (1 đến 5)", *p))
	}
	if err := errs.Err(); err != nil {
		return Result{}, err
	}
	res := Result{Regime: r.ID, RegimeVersion: r.Version}
	res.ImpliedLevel, res.Reasons = r.levelOf(in.Answers, "")
	setBy := []string{""} // "": the system itself
	for i, part := range in.Parts {
		where := fmt.Sprintf("parts[%d]", i)
		level, reasons := r.levelOf(part, where+".")
		switch {
		case level > res.ImpliedLevel:
			res.ImpliedLevel, res.Reasons, setBy = level, reasons, []string{where}
		case level == res.ImpliedLevel:
			res.Reasons, setBy = append(res.Reasons, reasons...), append(setBy, where)
		}
	}
	if len(in.Parts) > 0 {
		res.Reasons = append([]Reason{partsReason(len(in.Parts), res.ImpliedLevel, setBy)}, res.Reasons...)
	}
	res.Level = res.ImpliedLevel
	if p := in.ProposedLevel; p != nil {
		if *p < res.ImpliedLevel {
			return Result{}, refusal(*p, res)
		}
		if *p > res.ImpliedLevel {
			res.Level = *p
			res.Reasons = append(res.Reasons, Reason{Criterion: "proposed_level",
				TextVI: fmt.Sprintf("Chủ quản đề xuất cấp độ %d, cao hơn cấp độ %d suy ra từ câu trả lời (ví dụ theo tiêu chí không có trong bảng hỏi, hoặc theo đánh giá rủi ro).", *p, res.ImpliedLevel),
				TextEN: fmt.Sprintf("The owner proposes level %d, above level %d that the answers imply (e.g. by a criterion the questionnaire does not ask, or a risk assessment).", *p, res.ImpliedLevel)})
		}
	}
	return res, nil
}

// checkRegime finds the regime named id, or says why not.
func (l *Library) checkRegime(id string, errs *valid.Errors) *Regime {
	known := strings.Join(l.RegimeIDs(), ", ")
	if id == "" {
		errs.Add("regime", "is required: one of "+known, "bắt buộc phải chọn chế độ: một trong "+known)
		return nil
	}
	r, ok := l.Regime(id)
	if !ok {
		errs.Add("regime", fmt.Sprintf("unknown regime %q: one of %s", id, known), fmt.Sprintf("chế độ %q không tồn tại: chọn một trong %s", id, known))
		return nil
	}
	return r
}

// checkAnswers adds to errs every answer r's criteria need that a lacks,
// and every answer given out of range (prefix names a part).
func checkAnswers(r *Regime, a Answers, prefix string, errs *valid.Errors) {
	given := a.values()
	for _, name := range r.fields {
		if _, ok := given[name]; !ok {
			errs.Add(prefix+name, fmt.Sprintf("is missing: the criteria of %s need this answer", r.ID),
				fmt.Sprintf("chưa trả lời: tiêu chí của chế độ %s cần câu trả lời này", r.ID))
		}
	}
	for _, q := range Questions {
		if v, ok := given[q.Name]; ok {
			if en, vi := checkValue(q, v); en != "" {
				errs.Add(prefix+q.Name, en, vi)
			}
		}
	}
}

// levelOf evaluates one set of answers (already checked): the highest
// level among the criteria that hold, and those criteria; the fallback
// when none holds.
func (r *Regime) levelOf(a Answers, prefix string) (int, []Reason) {
	v := a.values()
	level := 0
	var reasons []Reason
	for _, c := range r.Criteria {
		if c.When == nil || !c.When.holds(v) || c.Level < level {
			continue
		}
		if c.Level > level {
			level, reasons = c.Level, nil
		}
		reasons = append(reasons, Reason{Criterion: prefix + r.ID + "/" + c.ID, TextVI: c.TextVI, TextEN: c.TextEN})
	}
	if level == 0 {
		return r.Fallback.Level, []Reason{{Criterion: prefix + r.ID + "/fallback", TextVI: r.Fallback.TextVI, TextEN: r.Fallback.TextEN}}
	}
	return level, reasons
}

// partsReason says that the system takes its highest part's level.
func partsReason(n, level int, setBy []string) Reason {
	vi, en := make([]string, len(setBy)), make([]string, len(setBy))
	for i, s := range setBy {
		vi[i], en[i] = s, s
		if s == "" {
			vi[i], en[i] = "bản thân hệ thống", "the system itself"
		}
	}
	return Reason{Criterion: "parts",
		TextVI: fmt.Sprintf("Hệ thống gồm %d thành phần và nhận cấp độ cao nhất của hệ thống và các thành phần: cấp độ %d (%s).", n, level, strings.Join(vi, ", ")),
		TextEN: fmt.Sprintf("The system has %d parts and takes the highest level of itself and its parts: level %d (%s).", n, level, strings.Join(en, ", "))}
}

// refusal says why a proposed level below the implied one is refused.
func refusal(proposed int, res Result) error {
	var vi, en []string
	for _, r := range res.Reasons {
		vi, en = append(vi, r.TextVI), append(en, r.TextEN)
	}
	var errs valid.Errors
	errs.Add("proposed_level",
		fmt.Sprintf("level %d is below level %d, which the answers imply under %s: %s", proposed, res.ImpliedLevel, res.Regime, strings.Join(en, " ")),
		fmt.Sprintf("cấp độ %d thấp hơn cấp độ %d suy ra từ câu trả lời theo %s: %s", proposed, res.ImpliedLevel, res.Regime, strings.Join(vi, " ")))
	return errs
}
