package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Reading paging and ids from the query, and writing answers: shared by
// every handler file.

// list is the shape of every list answer.
type list[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// page reads limit/offset (or page/per_page) from the query.
func page(r *http.Request) (registry.Page, error) {
	q := r.URL.Query()
	num := func(name string, def, min, max int) (int, error) {
		v := q.Get(name)
		if v == "" {
			return def, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < min || n > max {
			return 0, httpx.BadRequest("query parameter %s: %q is not a whole number from %d to %d", name, v, min, max)
		}
		return n, nil
	}
	limit, err := num("limit", 50, 1, 1000)
	if err != nil {
		return registry.Page{}, err
	}
	if q.Has("per_page") {
		if limit, err = num("per_page", 50, 1, 1000); err != nil {
			return registry.Page{}, err
		}
	}
	offset, err := num("offset", 0, 0, 1<<30)
	if err != nil {
		return registry.Page{}, err
	}
	if q.Has("page") {
		p, err := num("page", 1, 1, 1<<20)
		if err != nil {
			return registry.Page{}, err
		}
		offset = (p - 1) * limit
	}
	return registry.Page{Limit: limit, Offset: offset}, nil
}

func optionalID(r *http.Request, name string) (*int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return nil, httpx.BadRequest("query parameter %s: %q is not an id", name, v)
	}
	return &n, nil
}

// run writes v as JSON, or the error.
func run[T any](w http.ResponseWriter, r *http.Request, status int, f func(ctx context.Context) (T, error)) {
	v, err := f(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, status, v)
}

// siteList answers one page of a list that may be narrowed to one site:
// it reads the paging and the optional site_id (0: every site in scope).
func siteList[T any](w http.ResponseWriter, r *http.Request, fetch func(ctx context.Context, actor access.Actor, p registry.Page, site int64) ([]T, int, error)) {
	p, err := page(r)
	var site *int64
	if err == nil {
		site, err = optionalID(r, "site_id")
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var siteID int64
	if site != nil {
		siteID = *site
	}
	items, total, err := fetch(r.Context(), httpx.Actor(r.Context()), p, siteID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, list[T]{Items: items, Total: total, Limit: p.Limit, Offset: p.Offset})
}

// nonNil makes an empty list answer [] rather than null.
func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

// dayCount reads ?days= (default 90, 1 to 366).
func dayCount(r *http.Request) (int, error) {
	v := r.URL.Query().Get("days")
	if v == "" {
		return 90, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 366 {
		return 0, httpx.BadRequest("query parameter days: %q is not a number of days from 1 to 366", v)
	}
	return n, nil
}

// vietnam is UTC+7, the zone a bare date in a filter is read in.
var vietnam = time.FixedZone("ICT", 7*3600)

// timeParam reads a filter's time: RFC 3339, or a date (YYYY-MM-DD) taken
// as the start of that day in Vietnam, or of the next day when end is set
// (so that "to" includes its day). Empty is the zero time.
func timeParam(v, field string, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation("2006-01-02", v, vietnam)
	if err != nil || t.Year() < 2000 || t.Year() > 2200 {
		var e valid.Errors
		e.Add(field, "is not a date (YYYY-MM-DD) or an RFC 3339 time", "không phải một ngày (năm-tháng-ngày) hoặc thời điểm RFC 3339")
		return time.Time{}, e.Err()
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

// listBounds reads the filters lists share: ?agency_id= (the agency's
// path, so that its subtree is kept; an agency outside the caller's scope
// is not found) and ?from= / ?to= (timeParam).
func (a *API) listBounds(ctx context.Context, r *http.Request) (agencyPath string, from, to time.Time, err error) {
	agency, err := optionalID(r, "agency_id")
	if err != nil {
		return "", from, to, err
	}
	if agency != nil {
		ag, err := a.Registry.Agency(ctx, httpx.Actor(ctx), *agency)
		if err != nil {
			return "", from, to, err
		}
		agencyPath = ag.Path
	}
	q := r.URL.Query()
	if from, err = timeParam(q.Get("from"), "from", false); err != nil {
		return "", from, to, err
	}
	to, err = timeParam(q.Get("to"), "to", true)
	return agencyPath, from, to, err
}
