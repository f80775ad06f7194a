package web

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/khien-project/khien/internal/feature/levels"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/web/chart"
)

// The security-by-level pages (issue 12): the dashboard, dossiers and
// their workflow, a system's level page (dossiers, assessment, risks with
// their heat map) and the printable annual report. The levels service
// applies scope and roles; these handlers only read forms and render.

func (s *Server) registerLevelsUI() {
	s.page("GET /levels", s.levelsDashboard)
	s.page("GET /levels/dossiers", s.dossiersPage)
	s.page("GET /levels/dossiers/{id}", s.dossierPage)
	s.page("POST /levels/dossiers/{id}/sections", s.dossierSections)
	s.page("POST /levels/dossiers/{id}/move", s.dossierMove)
	s.page("POST /levels/dossiers/{id}/comments", s.dossierComment)
	s.page("POST /levels/dossiers/{id}/attachments", s.dossierAttach)
	s.page("GET /levels/systems/{id}", s.levelSystemPage)
	s.page("GET /levels/systems/{id}/questionnaire", s.questionnairePage)
	s.page("POST /levels/systems/{id}/questionnaire", s.questionnairePost)
	s.page("POST /levels/systems/{id}/dossiers", s.dossierCreate)
	s.page("POST /levels/systems/{id}/assessment", s.assessmentSave)
	s.page("POST /levels/systems/{id}/risks", s.riskCreate)
	s.page("POST /levels/systems/{id}/duties", s.dutyRecord)
	s.page("POST /levels/systems/{id}/requirements/{req}/evidence", s.evidenceUpload)
	s.page("POST /levels/systems/{id}/requirements/{req}/evidence/{file}/delete", s.evidenceDelete)
	s.page("GET /levels/reports/annual", s.annualPage)
}

// levelsService is the levels service or a 503 while it is not wired.
func (s *Server) levelsService() (*levels.Service, error) {
	if s.deps.Levels == nil {
		return nil, fmt.Errorf("web: the levels service is not configured: %w", store.ErrUnavailable)
	}
	return s.deps.Levels, nil
}

// levelsTarget is the levels service and the {id} of the request's path,
// or false once it has answered the request with the failure.
func (s *Server) levelsTarget(w http.ResponseWriter, r *http.Request) (*levels.Service, int64, bool) {
	svc, err := s.levelsService()
	if err == nil {
		var id int64
		if id, err = httpx.ParseID(r, "id"); err == nil {
			return svc, id, true
		}
	}
	s.fail(w, r, err)
	return nil, 0, false
}

// agencyParam reads ?agency_id= (0: the whole scope).
func agencyParam(r *http.Request) (int64, error) {
	v := r.URL.Query().Get("agency_id")
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, httpx.BadRequest("agency_id %q is not an id", v)
	}
	return id, nil
}

type levelsDashView struct {
	levels.Dashboard
	AgencyID int64
	HeatMap  template.HTML
	// Tree is the agency tree, each agency with the coverage of its
	// subtree's systems.
	Tree []coverageRow
}

// coverageRow is an agency of the tree with its subtree's four-layer
// coverage: Class colours it (r-pass: every system covered, r-warn: at
// least half, r-fail: less, "": no system), the text says the same.
type coverageRow struct {
	ID            int64
	Name, Code    string
	Depth         int
	Systems, Full int
	Percent       int
	Class         string
	Missing       [4]int
}

// coverageTree adds up each agency's own coverage over its subtree (by
// path), for the agencies of tree under root (0: all).
func coverageTree(tree []registry.Agency, own []levels.AgencyCoverage, root int64) []coverageRow {
	byID := map[int64]levels.Coverage{}
	for _, a := range own {
		byID[a.AgencyID] = a.Coverage
	}
	prefix, base := "", 0
	for _, a := range tree {
		if a.ID == root {
			prefix, base = a.Path, a.Depth
		}
	}
	var out []coverageRow
	for _, a := range tree {
		if !strings.HasPrefix(a.Path, prefix) {
			continue
		}
		row := coverageRow{ID: a.ID, Name: a.Name, Code: a.Code, Depth: a.Depth - base}
		for _, b := range tree {
			if c, ok := byID[b.ID]; ok && strings.HasPrefix(b.Path, a.Path) {
				row.Systems += c.Systems
				row.Full += c.Full
				for i := range row.Missing {
					row.Missing[i] += c.Missing[i]
				}
			}
		}
		if row.Systems > 0 {
			row.Percent = row.Full * 100 / row.Systems
			switch {
			case row.Full == row.Systems:
				row.Class = "r-pass"
			case 2*row.Full >= row.Systems:
				row.Class = "r-warn"
			default:
				row.Class = "r-fail"
			}
		}
		out = append(out, row)
	}
	return out
}

// heatMap draws a heat map in the reader's language.
func (s *Server) heatMap(lang string, h levels.HeatMap) template.HTML {
	sc := s.deps.Levels.Scales()
	m := chart.RiskHeatMap{ID: "risks", Title: tr(lang, "levels.heatmap"), Cells: h.Cells,
		Likelihood: tr(lang, "levels.likelihood"), Impact: tr(lang, "levels.impact"),
		Band: func(score int) (string, string) {
			b := sc.Band(score)
			if lang == "en" {
				return b.ID, b.EN
			}
			return b.ID, b.VI
		}}
	for i := range 5 {
		m.LikelihoodSteps[i], m.ImpactSteps[i] = sc.Likelihood[i].VI, sc.Impact[i].VI
		if lang == "en" {
			m.LikelihoodSteps[i], m.ImpactSteps[i] = sc.Likelihood[i].EN, sc.Impact[i].EN
		}
	}
	return chart.Figure(m, chart.LabelsFor(lang))
}

func (s *Server) levelsDashboard(w http.ResponseWriter, r *http.Request) {
	svc, err := s.levelsService()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	agency, err := agencyParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := svc.Dashboard(r.Context(), httpx.Actor(r.Context()), agency)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tree, err := s.deps.Registry.AgencyTree(r.Context(), httpx.Actor(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "levels.title", "levels", nil)
	v.Data = levelsDashView{Dashboard: d, AgencyID: agency, HeatMap: s.heatMap(v.Lang, d.Risks), Tree: coverageTree(tree, d.Agencies, agency)}
	s.render(w, http.StatusOK, "levels_dashboard", v)
}

func (s *Server) dossiersPage(w http.ResponseWriter, r *http.Request) {
	svc, err := s.levelsService()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := levels.DossierFilter{State: q.Get("state"), Overdue: q.Get("overdue") == "true"}
	items, err := svc.Dossiers(r.Context(), httpx.Actor(r.Context()), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "levels_dossiers", s.newView(r, "levels.dossiers", "levels", items))
}

func (s *Server) dossierPage(w http.ResponseWriter, r *http.Request) {
	svc, id, ok := s.levelsTarget(w, r)
	if !ok {
		return
	}
	d, err := svc.Dossier(r.Context(), httpx.Actor(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "levels.dossier", "levels", d)
	s.render(w, http.StatusOK, "levels_dossier", v)
}

// dossierForm runs a posted dossier form: check it, call do with the
// dossier's id, and go back to the dossier (or show the refusal).
func (s *Server) dossierForm(w http.ResponseWriter, r *http.Request, do func(svc *levels.Service, id int64) error) {
	if !s.checkForm(w, r) {
		return
	}
	svc, err := s.levelsService()
	if err == nil {
		var id int64
		if id, err = httpx.ParseID(r, "id"); err == nil {
			if err = do(svc, id); err == nil {
				http.Redirect(w, r, fmt.Sprintf("/levels/dossiers/%d?done=saved", id), http.StatusSeeOther)
				return
			}
		}
	}
	s.fail(w, r, err)
}

func (s *Server) dossierSections(w http.ResponseWriter, r *http.Request) {
	s.dossierForm(w, r, func(svc *levels.Service, id int64) error {
		in := levels.SectionsInput{Sections: map[string]string{}}
		for k, v := range r.PostForm {
			if name, ok := strings.CutPrefix(k, "section."); ok && len(v) > 0 {
				in.Sections[name] = v[0]
			}
		}
		_, err := svc.EditDossier(r.Context(), httpx.Actor(r.Context()), id, in)
		return err
	})
}

func (s *Server) dossierMove(w http.ResponseWriter, r *http.Request) {
	s.dossierForm(w, r, func(svc *levels.Service, id int64) error {
		f := r.PostForm
		_, err := svc.Move(r.Context(), httpx.Actor(r.Context()), id, levels.Transition{To: f.Get("to"), Note: f.Get("note"),
			DecisionNumber: f.Get("decision_number"), DecisionDate: f.Get("decision_date"), Signer: f.Get("signer")})
		return err
	})
}

func (s *Server) dossierComment(w http.ResponseWriter, r *http.Request) {
	s.dossierForm(w, r, func(svc *levels.Service, id int64) error {
		_, err := svc.AddComment(r.Context(), httpx.Actor(r.Context()), id, r.PostForm.Get("body"))
		return err
	})
}

// dossierAttach takes a document from a multipart form (its CSRF token
// in the form), at most levels.MaxAttachment bytes.
func (s *Server) dossierAttach(w http.ResponseWriter, r *http.Request) {
	name, data, ok := s.readUpload(w, r)
	if !ok {
		return
	}
	svc, id, ok := s.levelsTarget(w, r)
	if !ok {
		return
	}
	if _, err := svc.Attach(r.Context(), httpx.Actor(r.Context()), id, name, data); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/levels/dossiers/%d?done=saved", id), http.StatusSeeOther)
}

// readUpload reads the "file" field of a multipart form of at most
// levels.MaxAttachment bytes (one more, for the service to refuse with
// its message) after checking the form's CSRF token; on false it has
// answered already.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request) (string, []byte, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, levels.MaxAttachment+1<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.fail(w, r, fieldErr("file", "the file is larger than 10 MiB", "tệp lớn hơn 10 MiB"))
			return "", nil, false
		}
		s.fail(w, r, httpx.BadRequest("malformed form"))
		return "", nil, false
	}
	defer r.MultipartForm.RemoveAll()
	if !s.checkCSRF(w, r, r.FormValue("csrf")) {
		return "", nil, false
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		s.fail(w, r, fieldErr("file", "choose a file", "hãy chọn một tệp"))
		return "", nil, false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, levels.MaxAttachment+1))
	if err != nil {
		s.fail(w, r, httpx.BadRequest("the upload could not be read"))
		return "", nil, false
	}
	return hdr.Filename, data, true
}
