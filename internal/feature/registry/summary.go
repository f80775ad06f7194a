// The dashboard summary: agencies, systems and URLs in scope, rolled up the tree.

package registry

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
)

// Counts summarises the registry within actor's scope for the dashboard.
type Counts struct {
	Agencies int
	Systems  int
	URLs     int
	ByAgency []AgencyCount
}

// AgencyCount is one dashboard row: an agency and the systems and URLs it
// and its units have.
type AgencyCount struct {
	ID      int64
	Code    string
	Name    string
	Depth   int
	Systems int
	URLs    int
}

// Summary counts agencies, live systems and their URLs in actor's scope, with the
// totals of every agency rolled up over its units, in tree order.
func (r *Registry) Summary(ctx context.Context, actor access.Actor) (Counts, error) {
	var c Counts
	tree, err := r.AgencyTree(ctx, actor)
	if err != nil {
		return c, err
	}
	byID := make(map[int64]*AgencyCount, len(tree))
	rowsOut := make([]AgencyCount, len(tree))
	paths := make(map[int64]string, len(tree))
	for i, a := range tree {
		rowsOut[i] = AgencyCount{ID: a.ID, Code: a.Code, Name: a.Name, Depth: a.Depth}
		byID[a.ID] = &rowsOut[i]
		paths[a.ID] = a.Path
	}
	var w store.Where
	w.Cond(actor.PathFilter(store.ScopePath))
	w.Add("s.archived_at = ''") // archived systems are not live
	rows, err := r.db.Q(ctx).QueryContext(ctx, `SELECT s.agency_id, COUNT(*), COALESCE(SUM(s.url_count), 0)
		FROM systems s WHERE `+w.SQL()+` GROUP BY s.agency_id`, w.Args()...)
	if err != nil {
		return c, fmt.Errorf("registry: summary: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var systems, urls int
		if err := rows.Scan(&id, &systems, &urls); err != nil {
			return c, fmt.Errorf("registry: summary: %w", err)
		}
		c.Systems += systems
		c.URLs += urls
		// Add to the agency and each ancestor that is in scope.
		for _, part := range strings.Split(strings.Trim(paths[id], "/"), "/") {
			anc, err := strconv.ParseInt(part, 10, 64)
			if err != nil {
				continue
			}
			if ac := byID[anc]; ac != nil {
				ac.Systems += systems
				ac.URLs += urls
			}
		}
	}
	c.Agencies = len(tree)
	c.ByAgency = rowsOut
	return c, rows.Err()
}
