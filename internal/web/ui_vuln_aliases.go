package web

import (
	"net/http"
	"strconv"

	"github.com/khien-project/khien/internal/feature/vuln"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/httpx"
)

// The alias table and the priority rules: every reader sees them, admins
// change them (each change matches the concerned systems again).

func init() {
	for k, v := range map[string][2]string{
		"nav.vuln_aliases":          {"Bảng tên thành phần, quy tắc ưu tiên", "Aliases and priority rules"},
		"vuln.aliases_title":        {"Bảng tên thành phần và quy tắc ưu tiên", "Component aliases and priority rules"},
		"vuln.aliases_help":         {"Thành phần không có CPE hay purl được đối chiếu theo tên: mỗi dòng cho biết tên (viết thường) ứng với nhà cung cấp và sản phẩm nào trong NVD. Thêm hoặc bỏ một dòng sẽ đối chiếu lại các hệ thống có thành phần mang tên đó.", "A component without a CPE or purl is matched by its name: each line says which NVD vendor and product a (lower-case) name stands for. Adding or removing a line matches again the systems with a component of that name."},
		"vuln.alias_name":           {"Tên thành phần", "Component name"},
		"vuln.alias_cpe":            {"CPE (part:vendor:product)", "CPE (part:vendor:product)"},
		"vuln.alias_add":            {"Thêm dòng", "Add the line"},
		"vuln.alias_remove":         {"Bỏ", "Remove"},
		"vuln.alias_by":             {"Người thêm", "Added by"},
		"vuln.rules":                {"Quy tắc ưu tiên theo cấp độ", "Priority rule by security level"},
		"vuln.rules_help":           {"Lỗ hổng trên hệ thống có cấp độ an toàn (đã phê duyệt, nếu chưa thì cấp độ đề xuất) từ mức này trở lên được nâng ưu tiên một bậc (P4→P3, P3→P2, P2→P1). 0: tắt quy tắc.", "A finding on a system whose security level (approved, else proposed) is at least this is raised one priority step (P4→P3, P3→P2, P2→P1). 0 turns the rule off."},
		"vuln.level_raise":          {"Từ cấp độ", "From level"},
		"vuln.rules_save":           {"Lưu và đối chiếu lại", "Save and match again"},
		"audit.v.vuln_alias_add":    {"thêm dòng vào bảng tên thành phần", "added a component alias"},
		"audit.v.vuln_alias_remove": {"bỏ dòng khỏi bảng tên thành phần", "removed a component alias"},
		"audit.v.vuln_rules":        {"thay đổi quy tắc ưu tiên lỗ hổng", "changed the vulnerability priority rules"},
		"audit.o.vuln-alias":        {"Bảng tên thành phần", "Component alias"},
		"audit.o.vuln-rules":        {"Quy tắc ưu tiên lỗ hổng", "Vulnerability priority rules"},
	} {
		webTexts[k] = v
	}
}

type vulnAliasesView struct {
	Aliases []vuln.Alias
	Rules   vuln.Rules
	CanEdit bool
}

func (s *Server) vulnAliasesPage(w http.ResponseWriter, r *http.Request) {
	actor := httpx.Actor(r.Context())
	v := vulnAliasesView{CanEdit: actor.Role == access.Admin}
	var err error
	if v.Aliases, err = s.deps.Vuln.Aliases(r.Context(), actor); err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Rules, err = s.deps.Vuln.PriorityRules(r.Context(), actor); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "vuln_aliases", s.newView(r, "vuln.aliases_title", "vuln_aliases", v))
}

func (s *Server) vulnAliasAdd(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	in := vuln.Alias{Name: r.PostForm.Get("name"), CPE: r.PostForm.Get("cpe")}
	if _, err := s.deps.Vuln.AddAlias(r.Context(), httpx.Actor(r.Context()), in); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/vuln/aliases?done=saved", http.StatusSeeOther)
}

func (s *Server) vulnAliasRemove(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	in := vuln.Alias{Name: r.PostForm.Get("name"), CPE: r.PostForm.Get("cpe")}
	if _, err := s.deps.Vuln.RemoveAlias(r.Context(), httpx.Actor(r.Context()), in); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/vuln/aliases?done=deleted", http.StatusSeeOther)
}

func (s *Server) vulnRulesSave(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	n, err := strconv.Atoi(r.PostForm.Get("level_raise"))
	if err != nil {
		s.fail(w, r, httpx.BadRequest("level_raise %q is not a number from 0 to 5", r.PostForm.Get("level_raise")))
		return
	}
	if _, _, err := s.deps.Vuln.SetPriorityRules(r.Context(), httpx.Actor(r.Context()), vuln.Rules{LevelRaise: n}); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/vuln/aliases?done=saved", http.StatusSeeOther)
}
