package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/khien-project/khien/internal/api"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/store"
)

// CSV import and export of the registry's agencies and systems.

type importView struct {
	Kind    string
	Mapping string
	DryRun  bool
	Report  *registry.ImportReport
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) {
	if !httpx.Actor(r.Context()).CanWriteRegistry() {
		s.fail(w, r, store.ErrForbidden)
		return
	}
	s.render(w, http.StatusOK, "import", s.newView(r, "import.title", "import", importView{Kind: registry.KindSystems}))
}

func (s *Server) importUpload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, registry.MaxImportBytes+64<<10)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		s.fail(w, r, httpx.BadRequest("malformed upload: %v", err))
		return
	}
	defer r.MultipartForm.RemoveAll()
	if !s.checkCSRF(w, r, r.PostFormValue("csrf")) {
		return
	}
	d := importView{Kind: r.PostFormValue("kind"), Mapping: r.PostFormValue("mapping"), DryRun: r.PostFormValue("dry_run") != ""}
	values := url.Values{}
	if d.DryRun {
		values.Set("dry_run", "true")
	}
	for _, l := range formLines(d.Mapping) {
		values.Add("map", l)
	}
	opts, err := api.ImportOptionsFrom(values)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		s.fail(w, r, httpx.BadRequest("choose a CSV file"))
		return
	}
	defer f.Close()
	rep, err := s.deps.Registry.Import(r.Context(), httpx.Actor(r.Context()), d.Kind, f, opts)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Report = &rep
	status := http.StatusOK
	if len(rep.Errors) > 0 {
		status = http.StatusBadRequest
	}
	s.render(w, status, "import", s.newView(r, "import.title", "import", d))
}

func (s *Server) exportFile(w http.ResponseWriter, r *http.Request) {
	kind := strings.TrimSuffix(r.PathValue("file"), ".csv")
	if kind != registry.KindAgencies && kind != registry.KindSystems {
		s.fail(w, r, errNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="khien-%s.csv"`, kind))
	if err := s.deps.Registry.Export(r.Context(), httpx.Actor(r.Context()), kind, w); err != nil {
		s.fail(w, r, err)
	}
}
