package api

import (
	"context"
	"net/http"

	"github.com/khien-project/khien/internal/feature/levels"
	"github.com/khien-project/khien/internal/platform/httpx"
)

// Assessments (issue 12 item 4): a system's requirement statuses at its
// approved level, their history, and scores and gaps of a scope.

func (a *API) registerAssessments(r Router) {
	r.Private("GET /api/v1/systems/{id}/assessment", a.getAssessment)
	r.Private("PUT /api/v1/systems/{id}/assessment", a.putAssessment)
	r.Private("GET /api/v1/systems/{id}/assessment/history", a.assessmentHistory)
	r.Private("GET /api/v1/assessments/scores", a.assessmentScores)
	r.Private("GET /api/v1/assessments/gaps", a.assessmentGaps)
	r.Private("GET /api/v1/systems/{id}/duties", a.getDuties)
	r.Private("POST /api/v1/systems/{id}/duties", a.recordDuty)
	a.registerEvidence(r)
}

func (a *API) getDuties(w http.ResponseWriter, r *http.Request) {
	withLevels(w, r, http.StatusOK, a, func(ctx context.Context, svc *levels.Service, id int64) (items[levels.DutyDue], error) {
		out, err := svc.Duties(ctx, httpx.Actor(ctx), id)
		return items[levels.DutyDue]{Items: out}, err
	})
}

func (a *API) recordDuty(w http.ResponseWriter, r *http.Request) {
	withLevels(w, r, http.StatusOK, a, func(ctx context.Context, svc *levels.Service, id int64) (items[levels.DutyDue], error) {
		var in levels.DutyInput
		if err := httpx.DecodeJSON(w, r, &in); err != nil {
			return items[levels.DutyDue]{}, err
		}
		out, err := svc.RecordDuty(ctx, httpx.Actor(ctx), id, in)
		return items[levels.DutyDue]{Items: out}, err
	})
}

func (a *API) getAssessment(w http.ResponseWriter, r *http.Request) {
	withLevels(w, r, http.StatusOK, a, func(ctx context.Context, svc *levels.Service, id int64) (levels.Assessment, error) {
		return svc.Assessment(ctx, httpx.Actor(ctx), id)
	})
}

func (a *API) putAssessment(w http.ResponseWriter, r *http.Request) {
	withLevels(w, r, http.StatusOK, a, func(ctx context.Context, svc *levels.Service, id int64) (levels.Assessment, error) {
		var in levels.AssessmentInput
		if err := httpx.DecodeJSON(w, r, &in); err != nil {
			return levels.Assessment{}, err
		}
		return svc.Assess(ctx, httpx.Actor(ctx), id, in)
	})
}

func (a *API) assessmentHistory(w http.ResponseWriter, r *http.Request) {
	withLevels(w, r, http.StatusOK, a, func(ctx context.Context, svc *levels.Service, id int64) (items[levels.Snapshot], error) {
		out, err := svc.AssessmentHistory(ctx, httpx.Actor(ctx), id)
		return items[levels.Snapshot]{Items: out}, err
	})
}

// agencyFilter reads the optional ?agency_id= (0: the whole scope).
func agencyFilter(r *http.Request) (int64, error) {
	id, err := optionalID(r, "agency_id")
	if err != nil || id == nil {
		return 0, err
	}
	return *id, nil
}

func (a *API) assessmentScores(w http.ResponseWriter, r *http.Request) {
	withLevels(w, r, http.StatusOK, a, func(ctx context.Context, svc *levels.Service, _ int64) (levels.Scores, error) {
		agency, err := agencyFilter(r)
		if err != nil {
			return levels.Scores{}, err
		}
		return svc.Scores(ctx, httpx.Actor(ctx), agency)
	})
}

func (a *API) assessmentGaps(w http.ResponseWriter, r *http.Request) {
	if csv, err := wantsCSV(r); err != nil || csv {
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		listCSV(w, r, a, "gaps", func(ctx context.Context, svc *levels.Service) (csvTable, error) {
			agency, err := agencyFilter(r)
			if err != nil {
				return nil, err
			}
			out, err := svc.Gaps(ctx, httpx.Actor(ctx), agency)
			return levels.GapList(out), err
		})
		return
	}
	withLevels(w, r, http.StatusOK, a, func(ctx context.Context, svc *levels.Service, _ int64) (items[levels.Gap], error) {
		agency, err := agencyFilter(r)
		if err != nil {
			return items[levels.Gap]{}, err
		}
		out, err := svc.Gaps(ctx, httpx.Actor(ctx), agency)
		return items[levels.Gap]{Items: out}, err
	})
}
