package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/khien-project/khien/internal/feature/vuln"
	"github.com/khien-project/khien/internal/platform/httpx"
)

// The vulnerability figures (per agency and for the reader's scope) and
// the "which systems run X" search, each with its CSV.

func init() {
	for k, v := range map[string][2]string{
		"nav.vuln_figures":       {"Số liệu lỗ hổng", "Vulnerability figures"},
		"nav.vuln_running":       {"Hệ thống nào đang chạy…", "Which systems run…"},
		"vuln.figures_title":     {"Số liệu lỗ hổng theo đơn vị", "Vulnerability figures by agency"},
		"vuln.figures_help":      {"Lỗ hổng đang mở (hoặc đang xử lý) theo ưu tiên, số quá hạn, tỉ lệ khắc phục đúng hạn (trong số đã khắc phục) và thời gian khắc phục trung bình, của các hệ thống đang hoạt động.", "Open (or in progress) findings by priority, overdue ones, the share fixed by the deadline (of those fixed) and the mean time to remediate, for live systems."},
		"vuln.figures_total":     {"Toàn bộ phạm vi", "Whole scope"},
		"vuln.open":              {"Đang mở", "Open"},
		"vuln.fixed":             {"Đã khắc phục", "Fixed"},
		"vuln.compliance":        {"Đúng hạn", "By the deadline"},
		"vuln.mttr":              {"Thời gian khắc phục TB (ngày)", "Mean time to remediate (days)"},
		"vuln.running_title":     {"Hệ thống nào đang chạy sản phẩm này?", "Which systems run this product?"},
		"vuln.running_help":      {"Tìm trong danh mục phần mềm (và thành phần phát hiện qua quét đã xác nhận) theo tên thành phần, sản phẩm hoặc nhà cung cấp:sản phẩm (theo bảng tên thành phần và CPE), trong khoảng phiên bản.", "Search the software inventory (and confirmed discovered components) by component name, product or vendor:product (following the alias table and CPEs), within a version range."},
		"vuln.product":           {"Sản phẩm", "Product"},
		"vuln.version_exact":     {"Đúng phiên bản", "Exact version"},
		"vuln.version_from":      {"Từ phiên bản (≥)", "From version (≥)"},
		"vuln.version_below":     {"Dưới phiên bản (<)", "Below version (<)"},
		"vuln.version_to":        {"Đến phiên bản (≤)", "Up to version (≤)"},
		"vuln.search":            {"Tìm", "Search"},
		"vuln.running_none":      {"Không hệ thống nào chạy sản phẩm này trong khoảng phiên bản đã chọn.", "No system runs this product in the chosen versions."},
		"vuln.running_count":     {"Số thành phần tìm thấy", "Components found"},
		"vuln.origin.registry":   {"danh mục", "inventory"},
		"vuln.origin.discovered": {"phát hiện qua quét", "discovered"},
	} {
		webTexts[k] = v
	}
	funcs["derefF"] = func(p *float64) float64 { return *p }
}

type vulnFiguresView struct {
	Rows       []vuln.FigureRow // the agencies, then the whole scope
	Priorities []string
}

func (s *Server) vulnFiguresPage(w http.ResponseWriter, r *http.Request) {
	fig, err := s.deps.Vuln.Figures(r.Context(), httpx.Actor(r.Context()), 0, time.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "vuln_figures", s.newView(r, "vuln.figures_title", "vuln_figures", vulnFiguresView{Rows: append(fig.Agencies, fig.Total), Priorities: vuln.Priorities}))
}

type vulnRunningView struct {
	Query   vuln.Product
	Asked   bool
	Results []vuln.Running
	CSVURL  string
}

func (s *Server) vulnRunningPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := vulnRunningView{Query: vuln.Product{Name: q.Get("product"), Version: q.Get("version"), VersionStartIncluding: q.Get("version_start_including"),
		VersionEndIncluding: q.Get("version_end_including"), VersionEndExcluding: q.Get("version_end_excluding")}}
	if v.Query.Name != "" {
		var err error
		if v.Results, err = s.deps.Vuln.RunningSystems(r.Context(), httpx.Actor(r.Context()), v.Query); err != nil {
			s.fail(w, r, err)
			return
		}
		v.Asked = true
		csvQ := url.Values{}
		for _, k := range []string{"product", "version", "version_start_including", "version_end_including", "version_end_excluding"} {
			if q.Get(k) != "" {
				csvQ.Set(k, q.Get(k))
			}
		}
		v.CSVURL = "/api/v1/vuln/running.csv?" + csvQ.Encode()
	}
	s.render(w, http.StatusOK, "vuln_running", s.newView(r, "vuln.running_title", "vuln_running", v))
}
