package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/khien-project/khien/internal/feature/levels"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/web/chart"
)

// A system's level page and its forms, and the printable annual report.

type levelSystemView struct {
	Report   levels.ComplianceReport
	Dossiers []levels.Dossier
	HeatMap  template.HTML
	// Trend is the assessment's score after each change (SVG).
	Trend template.HTML
	// Duties are the periodic duties of the approved level (none before).
	Duties []levels.DutyDue
	Scales levels.RiskScales
	// Evidence are the evidence files of each requirement of the
	// assessment, by requirement id (none before an approved level).
	Evidence map[string][]evidenceFile
	// CanWrite says the reader may draft, assess and record risks.
	CanWrite bool
}

// evidenceFile is an evidence file as the system page lists it.
type evidenceFile struct {
	levels.Attachment
	// SizeText is the size for people (B, KiB or MiB).
	SizeText string
}

// sizeText writes a file size in bytes, KiB or MiB.
func sizeText(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
}

func (s *Server) levelSystemPage(w http.ResponseWriter, r *http.Request) {
	svc, id, ok := s.levelsTarget(w, r)
	if !ok {
		return
	}
	ctx, actor := r.Context(), httpx.Actor(r.Context())
	rep, err := svc.Compliance(ctx, actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ds, err := svc.Dossiers(ctx, actor, levels.DossierFilter{SystemID: id})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	hm, err := svc.RiskHeatMap(ctx, actor, levels.RiskFilter{SystemID: id})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	history, err := svc.AssessmentHistory(ctx, actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	duties, err := svc.Duties(ctx, actor, id)
	if err != nil && !errors.Is(err, store.ErrConflict) { // 409: no approved level yet
		s.fail(w, r, err)
		return
	}
	evidence := map[string][]evidenceFile{}
	if rep.Assessment != nil {
		byReq, err := svc.SystemEvidence(ctx, actor, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for req, files := range byReq {
			for _, f := range files {
				evidence[req] = append(evidence[req], evidenceFile{Attachment: f, SizeText: sizeText(f.Size)})
			}
		}
	}
	v := s.newView(r, "levels.system", "levels", nil)
	v.Title, v.TitleIsData = rep.SystemName, true
	v.Data = levelSystemView{Report: rep, Dossiers: ds, HeatMap: s.heatMap(v.Lang, hm), Trend: assessmentTrend(v.Lang, history), Duties: duties, Scales: svc.Scales(),
		Evidence: evidence, CanWrite: actor.CanWriteRegistry() || actor.CanWriteSecurity()}
	s.render(w, http.StatusOK, "levels_system", v)
}

// assessmentTrend draws a system's assessment score (percent of its
// requirements met) after each change, with the level it was assessed at
// in the band under the line.
func assessmentTrend(lang string, history []levels.Snapshot) template.HTML {
	l := chart.LabelsFor(lang)
	// the axis is "%" (a longer word does not fit left of it)
	l.Score, l.Grade, l.HistorySummary = "%", tr(lang, "levels.level"), tr(lang, "levels.trend_summary")
	h := chart.History{ID: "assessment-trend", Title: tr(lang, "levels.trend")}
	for _, sn := range history {
		at := store.ParseTime(sn.At)
		if at.IsZero() {
			continue
		}
		h.Points = append(h.Points, chart.Assessment{At: at, Score: sn.Score, Grade: strconv.Itoa(sn.Level)})
	}
	return chart.Figure(h, l)
}

// levelForm runs a posted form of a system's level page.
func (s *Server) levelForm(w http.ResponseWriter, r *http.Request, do func(svc *levels.Service, id int64) (string, error)) {
	if !s.checkForm(w, r) {
		return
	}
	svc, err := s.levelsService()
	if err == nil {
		var id int64
		if id, err = httpx.ParseID(r, "id"); err == nil {
			var next string
			if next, err = do(svc, id); err == nil {
				if next == "" {
					next = fmt.Sprintf("/levels/systems/%d?done=saved", id)
				}
				http.Redirect(w, r, next, http.StatusSeeOther)
				return
			}
		}
	}
	s.fail(w, r, err)
}

func (s *Server) dossierCreate(w http.ResponseWriter, r *http.Request) {
	s.levelForm(w, r, func(svc *levels.Service, id int64) (string, error) {
		d, err := svc.CreateDossier(r.Context(), httpx.Actor(r.Context()), id)
		return fmt.Sprintf("/levels/dossiers/%d?done=saved", d.ID), err
	})
}

// assessmentSave records the statuses chosen on the form: one
// status.<requirement> select each, with justification.<id> and
// evidence.<id>; a requirement left without a status is not sent.
func (s *Server) assessmentSave(w http.ResponseWriter, r *http.Request) {
	s.levelForm(w, r, func(svc *levels.Service, id int64) (string, error) {
		a, err := svc.Assessment(r.Context(), httpx.Actor(r.Context()), id)
		if err != nil {
			return "", err
		}
		var in levels.AssessmentInput
		f := r.PostForm
		for _, req := range a.Requirements {
			st := f.Get("status." + req.ID)
			if st == "" {
				continue
			}
			in.Items = append(in.Items, levels.StatusInput{Requirement: req.ID, Status: st,
				Justification: f.Get("justification." + req.ID), Evidence: f.Get("evidence." + req.ID)})
		}
		_, err = svc.Assess(r.Context(), httpx.Actor(r.Context()), id, in)
		return "", err
	})
}

// evidenceUpload adds an evidence file to a requirement of the system's
// assessment from a multipart form (its CSRF token in the form).
func (s *Server) evidenceUpload(w http.ResponseWriter, r *http.Request) {
	name, data, ok := s.readUpload(w, r)
	if !ok {
		return
	}
	svc, id, ok := s.levelsTarget(w, r)
	if !ok {
		return
	}
	req := r.PathValue("req")
	if _, err := svc.AttachEvidence(r.Context(), httpx.Actor(r.Context()), id, req, name, data); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/levels/systems/%d?done=saved#req-%s", id, url.PathEscape(req)), http.StatusSeeOther)
}

// evidenceDelete deletes an evidence file.
func (s *Server) evidenceDelete(w http.ResponseWriter, r *http.Request) {
	s.levelForm(w, r, func(svc *levels.Service, id int64) (string, error) {
		fid, err := httpx.ParseID(r, "file")
		if err != nil {
			return "", err
		}
		req := r.PathValue("req")
		return fmt.Sprintf("/levels/systems/%d?done=deleted#req-%s", id, url.PathEscape(req)), svc.DeleteEvidence(r.Context(), httpx.Actor(r.Context()), id, req, fid)
	})
}

// dutyRecord records that a periodic duty was done.
func (s *Server) dutyRecord(w http.ResponseWriter, r *http.Request) {
	s.levelForm(w, r, func(svc *levels.Service, id int64) (string, error) {
		f := r.PostForm
		_, err := svc.RecordDuty(r.Context(), httpx.Actor(r.Context()), id, levels.DutyInput{Duty: f.Get("duty"), DoneOn: f.Get("done_on"), Note: f.Get("note")})
		return fmt.Sprintf("/levels/systems/%d?done=saved#duties", id), err
	})
}

func (s *Server) riskCreate(w http.ResponseWriter, r *http.Request) {
	s.levelForm(w, r, func(svc *levels.Service, id int64) (string, error) {
		f := r.PostForm
		l, errL := strconv.Atoi(f.Get("likelihood"))
		i, errI := strconv.Atoi(f.Get("impact"))
		if err := errors.Join(errL, errI); err != nil {
			return "", fieldErr("likelihood", "choose the likelihood and the impact", "hãy chọn khả năng và tác động")
		}
		_, err := svc.CreateRisk(r.Context(), httpx.Actor(r.Context()), id, levels.RiskInput{Title: f.Get("title"), Threat: f.Get("threat"),
			Vulnerability: f.Get("vulnerability"), Likelihood: l, Impact: i, Treatment: f.Get("treatment"), Owner: f.Get("owner"),
			DueOn: f.Get("due_on"), Status: "open", AcceptedUntil: f.Get("accepted_until")})
		return "", err
	})
}

type annualView struct {
	levels.YearReport
	// Query is the report's own query, for the PDF and CSV links.
	Query string
}

// annualPage is the annual report as a printable page (A4: the site's
// print stylesheet hides the navigation and forms).
func (s *Server) annualPage(w http.ResponseWriter, r *http.Request) {
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
	year := 0
	if v := r.URL.Query().Get("year"); v != "" {
		if year, err = strconv.Atoi(v); err != nil {
			s.fail(w, r, httpx.BadRequest("year %q is not a number", v))
			return
		}
	}
	rep, err := svc.Annual(r.Context(), httpx.Actor(r.Context()), agency, year)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := fmt.Sprintf("year=%d", rep.Year)
	if agency != 0 {
		q += fmt.Sprintf("&agency_id=%d", agency)
	}
	v := s.newView(r, "levels.annual", "levels", annualView{YearReport: rep, Query: q})
	s.render(w, http.StatusOK, "levels_annual", v)
}
