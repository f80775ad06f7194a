package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/khien-project/khien/internal/feature/levels"
	"github.com/khien-project/khien/internal/platform/httpx"
)

// Reports (issue 12 item 7): the annual report and a system's compliance
// report as JSON, PDF (?format=pdf) or CSV (?format=csv), in Vietnamese
// or English (?lang=en).

func (a *API) registerReports(r Router) {
	r.Private("GET /api/v1/reports/annual", a.annualReport)
	r.Private("GET /api/v1/systems/{id}/compliance-report", a.complianceReport)
	r.Private("GET /api/v1/levels/dashboard", a.levelsDashboard)
}

func (a *API) levelsDashboard(w http.ResponseWriter, r *http.Request) {
	withLevels(w, r, http.StatusOK, a, func(ctx context.Context, svc *levels.Service, _ int64) (levels.Dashboard, error) {
		agency, err := agencyFilter(r)
		if err != nil {
			return levels.Dashboard{}, err
		}
		return svc.Dashboard(ctx, httpx.Actor(ctx), agency)
	})
}

// document is a report that renders as PDF and CSV.
type document interface {
	WritePDF(w io.Writer, lang string) error
	WriteCSV(w io.Writer, lang string) error
}

// wantsCSV reads a list's ?format=: json (the default) or csv.
func wantsCSV(r *http.Request) (bool, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
		return false, nil
	case "csv":
		return true, nil
	default:
		return false, httpx.BadRequest("format %q: json or csv", f)
	}
}

// csvTable is a list that writes itself as CSV.
type csvTable interface {
	WriteCSV(w io.Writer, lang string) error
}

// listCSV answers the list that read returns as a CSV file named name
// (?format=csv on a list; ?lang= as for the reports).
func listCSV(w http.ResponseWriter, r *http.Request, a *API, name string, read func(ctx context.Context, svc *levels.Service) (csvTable, error)) {
	_, lang, err := reportFormat(r)
	if err == nil {
		var svc *levels.Service
		if svc, err = a.levelService(); err == nil {
			var t csvTable
			if t, err = read(r.Context(), svc); err == nil {
				var b bytes.Buffer
				if err = t.WriteCSV(&b, lang); err == nil {
					h := w.Header()
					h.Set("Content-Type", "text/csv; charset=utf-8")
					h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.csv"`, name))
					h.Set("X-Content-Type-Options", "nosniff")
					w.WriteHeader(http.StatusOK)
					w.Write(b.Bytes())
					return
				}
			}
		}
	}
	httpx.WriteError(w, r, err)
}

// reportFormat reads ?format= and ?lang=.
func reportFormat(r *http.Request) (format, lang string, err error) {
	format, lang = r.URL.Query().Get("format"), r.URL.Query().Get("lang")
	switch format {
	case "", "json", "pdf", "csv":
	default:
		return "", "", httpx.BadRequest("format %q: json, pdf or csv", format)
	}
	switch lang {
	case "", "vi", "en":
	default:
		return "", "", httpx.BadRequest("lang %q: vi or en", lang)
	}
	return format, lang, nil
}

// sendReport writes rep in format; the file's name is name plus its
// extension.
func sendReport(w http.ResponseWriter, r *http.Request, rep document, format, lang, name string) {
	if format == "" || format == "json" {
		httpx.WriteJSON(w, http.StatusOK, rep)
		return
	}
	var b bytes.Buffer
	var err error
	ctype := "application/pdf"
	if format == "pdf" {
		err = rep.WritePDF(&b, lang)
	} else {
		ctype = "text/csv; charset=utf-8"
		err = rep.WriteCSV(&b, lang)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, name, format))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}

func (a *API) annualReport(w http.ResponseWriter, r *http.Request) {
	svc, err := a.levelService()
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	format, lang, err := reportFormat(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	agency, err := agencyFilter(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	year := 0
	if v := r.URL.Query().Get("year"); v != "" {
		if year, err = strconv.Atoi(v); err != nil {
			httpx.WriteError(w, r, httpx.BadRequest("year %q is not a number", v))
			return
		}
	}
	rep, err := svc.Annual(r.Context(), httpx.Actor(r.Context()), agency, year)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	sendReport(w, r, rep, format, lang, fmt.Sprintf("khien-bao-cao-nam-%d", rep.Year))
}

func (a *API) complianceReport(w http.ResponseWriter, r *http.Request) {
	svc, err := a.levelService()
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	format, lang, err := reportFormat(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	rep, err := svc.Compliance(r.Context(), httpx.Actor(r.Context()), id)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	sendReport(w, r, rep, format, lang, fmt.Sprintf("khien-tuan-thu-he-thong-%d", id))
}
