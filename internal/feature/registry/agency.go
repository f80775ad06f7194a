package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// AgencyKinds are the levels of the provincial tree.
var AgencyKinds = []string{"province", "department", "district", "commune", "unit"}

// Agency is a public body in the provincial tree.
type Agency struct {
	ID              int64  `json:"id"`
	Code            string `json:"code"`
	Name            string `json:"name"`
	ParentID        *int64 `json:"parent_id"`
	Kind            string `json:"kind"`
	Email           string `json:"email"`
	Phone           string `json:"phone"`
	SecurityOfficer string `json:"security_officer"`
	// PublicStatus publishes the agency's status page (its sites' state
	// and uptime, no login) at /status/{code}.
	PublicStatus bool      `json:"public_status"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Path         string    `json:"-"`
	Depth        int       `json:"-"`
}

// AgencyInput creates an agency (all fields) or changes one (only the
// fields present).
type AgencyInput struct {
	Code            *string    `json:"code"`
	Name            *string    `json:"name"`
	ParentID        OptionalID `json:"parent_id"`
	Kind            *string    `json:"kind"`
	Email           *string    `json:"email"`
	Phone           *string    `json:"phone"`
	SecurityOfficer *string    `json:"security_officer"`
	PublicStatus    *bool      `json:"public_status"`
}

func (in AgencyInput) apply(a *Agency) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&a.Code, in.Code)
	set(&a.Name, in.Name)
	set(&a.Kind, in.Kind)
	set(&a.Email, in.Email)
	set(&a.Phone, in.Phone)
	set(&a.SecurityOfficer, in.SecurityOfficer)
	if in.PublicStatus != nil {
		a.PublicStatus = *in.PublicStatus
	}
	if in.ParentID.Set {
		a.ParentID = in.ParentID.ID
	}
}

func (a *Agency) validate() error {
	var e valid.Errors
	e.Code("code", a.Code)
	e.Text("name", a.Name, true, 200, false)
	e.OneOf("kind", a.Kind, false, AgencyKinds...)
	e.Email("email", a.Email, false)
	e.Phone("phone", a.Phone)
	e.Text("security_officer", a.SecurityOfficer, false, 200, false)
	return e.Err()
}

const agencyColumns = `a.id, a.code, a.name, a.parent_id, a.path, a.kind, a.email, a.phone, a.security_officer, a.public_status, a.created_at, a.updated_at`

func scanAgency(r interface{ Scan(...any) error }) (Agency, error) {
	var a Agency
	var created, updated string
	var public int
	err := r.Scan(&a.ID, &a.Code, &a.Name, &a.ParentID, &a.Path, &a.Kind, &a.Email, &a.Phone, &a.SecurityOfficer, &public, &created, &updated)
	a.PublicStatus = public == 1
	a.CreatedAt, a.UpdatedAt = store.ParseTime(created), store.ParseTime(updated)
	a.Depth = strings.Count(a.Path, "/") - 2
	return a, err
}

// Agency returns one agency within actor's scope.
func (r *Registry) Agency(ctx context.Context, actor access.Actor, id int64) (Agency, error) {
	var w store.Where
	w.Add("a.id = ?", id)
	w.Cond(actor.PathFilter("a.path"))
	row := r.db.Q(ctx).QueryRowContext(ctx, `SELECT `+agencyColumns+` FROM agencies a WHERE `+w.SQL(), w.Args()...)
	a, err := scanAgency(row)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("registry: agency %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("registry: agency %d: %w", id, err)
	}
	return a, nil
}

// AgencyByCode returns one agency within actor's scope by its code.
func (r *Registry) AgencyByCode(ctx context.Context, actor access.Actor, code string) (Agency, error) {
	var w store.Where
	w.Add("a.code = ?", code)
	w.Cond(actor.PathFilter("a.path"))
	row := r.db.Q(ctx).QueryRowContext(ctx, `SELECT `+agencyColumns+` FROM agencies a WHERE `+w.SQL(), w.Args()...)
	a, err := scanAgency(row)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("registry: agency %q: %w", code, store.ErrNotFound)
	}
	return a, err
}

// AgencyFilter selects agencies.
type AgencyFilter struct {
	Query    string // folded search over code and name
	ParentID *int64 // direct children of this agency
	Kind     string
	Sort     string // code, name, id, created_at, tree (default), with '-' for descending
	Page     Page
}

var agencySorts = map[string]string{
	"code": "a.code", "name": "a.name", "id": "a.id", "created_at": "a.created_at", "updated_at": "a.updated_at", "tree": "a.path",
}

func orderBy(sort string, allowed map[string]string, def, tie string) (string, error) {
	if sort == "" {
		sort = def
	}
	desc := strings.HasPrefix(sort, "-")
	col, ok := allowed[strings.TrimPrefix(sort, "-")]
	if !ok {
		keys := make([]string, 0, len(allowed))
		for k := range allowed {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return "", fmt.Errorf("%w: sort: unknown field %q (one of %s, with '-' for descending)", store.ErrInvalid, sort, strings.Join(keys, ", "))
	}
	if desc {
		return col + " DESC, " + tie + " DESC", nil
	}
	return col + ", " + tie, nil
}

// Agencies lists agencies within actor's scope and counts all matches.
func (r *Registry) Agencies(ctx context.Context, actor access.Actor, f AgencyFilter) ([]Agency, int, error) {
	var w store.Where
	w.Cond(actor.PathFilter("a.path"))
	if q := valid.Fold(f.Query); q != "" {
		w.Add(`a.search LIKE ? ESCAPE '\'`, store.LikeContains(q))
	}
	if f.ParentID != nil {
		w.Add("a.parent_id = ?", *f.ParentID)
	}
	if f.Kind != "" {
		w.Add("a.kind = ?", f.Kind)
	}
	order, err := orderBy(f.Sort, agencySorts, "tree", "a.id")
	if err != nil {
		return nil, 0, err
	}
	q := r.db.Q(ctx)
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM agencies a WHERE `+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("registry: count agencies: %w", err)
	}
	p := normalised(f.Page)
	page := w.Limit(p)
	rows, err := q.QueryContext(ctx, `SELECT `+agencyColumns+` FROM agencies a WHERE `+w.SQL()+` ORDER BY `+order+page, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("registry: list agencies: %w", err)
	}
	defer rows.Close()
	out := []Agency{}
	for rows.Next() {
		a, err := scanAgency(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("registry: list agencies: %w", err)
		}
		out = append(out, a)
	}
	return out, total, rows.Err()
}

// AgencyTree returns every agency within actor's scope in tree order
// (parents before children, siblings by code).
func (r *Registry) AgencyTree(ctx context.Context, actor access.Actor) ([]Agency, error) {
	all, _, err := r.Agencies(ctx, actor, AgencyFilter{Sort: "tree", Page: Page{Limit: 1000}})
	if err != nil {
		return nil, err
	}
	children := map[int64][]Agency{}
	ids := map[int64]bool{}
	for _, a := range all {
		ids[a.ID] = true
	}
	var roots []Agency
	for _, a := range all {
		if a.ParentID == nil || !ids[*a.ParentID] {
			roots = append(roots, a)
		} else {
			children[*a.ParentID] = append(children[*a.ParentID], a)
		}
	}
	out := make([]Agency, 0, len(all))
	var walk func(list []Agency, depth int)
	walk = func(list []Agency, depth int) {
		sortAgencies(list)
		for _, a := range list {
			a.Depth = depth
			out = append(out, a)
			walk(children[a.ID], depth+1)
		}
	}
	walk(roots, 0)
	return out, nil
}

func sortAgencies(list []Agency) {
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && list[j].Code < list[j-1].Code; j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
}
