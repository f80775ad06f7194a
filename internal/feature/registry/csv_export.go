// Exporting agencies and systems as CSV.

package registry

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
)

// Export writes every agency or system within actor's scope as CSV (UTF-8
// with a byte-order mark, so spreadsheets read the diacritics right).
func (r *Registry) Export(ctx context.Context, actor access.Actor, kind string, out io.Writer) error {
	if !actor.CanRead() {
		return fmt.Errorf("registry: export: %w", store.ErrForbidden)
	}
	bw := bufio.NewWriter(out)
	if _, err := bw.WriteString("\xef\xbb\xbf"); err != nil {
		return err
	}
	w := csv.NewWriter(bw)
	var err error
	switch kind {
	case KindAgencies:
		err = r.exportAgencies(ctx, actor, w)
	case KindSystems:
		err = r.exportSystems(ctx, actor, w)
	default:
		return fmt.Errorf("%w: unknown export kind %q", store.ErrInvalid, kind)
	}
	if err != nil {
		return err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

func writeRow(w *csv.Writer, cells ...string) error {
	for i := range cells {
		cells[i] = escapeFormula(cells[i])
	}
	return w.Write(cells)
}

func (r *Registry) exportAgencies(ctx context.Context, actor access.Actor, w *csv.Writer) error {
	tree, err := r.AgencyTree(ctx, actor)
	if err != nil {
		return err
	}
	codes := map[int64]string{}
	for _, a := range tree {
		codes[a.ID] = a.Code
	}
	if err := w.Write(agencyFields); err != nil {
		return err
	}
	for _, a := range tree {
		parent := ""
		if a.ParentID != nil {
			parent = codes[*a.ParentID]
		}
		if err := writeRow(w, a.Code, a.Name, parent, a.Kind, a.Email, a.Phone, a.SecurityOfficer); err != nil {
			return err
		}
	}
	return nil
}

func (r *Registry) exportSystems(ctx context.Context, actor access.Actor, w *csv.Writer) error {
	if err := w.Write(systemFields); err != nil {
		return err
	}
	for offset := 0; ; offset += 1000 {
		list, _, err := r.Systems(ctx, actor, SystemFilter{Sort: "id", Page: Page{Limit: 1000, Offset: offset}})
		if err != nil {
			return err
		}
		for _, s := range list {
			err := writeRow(w, strconv.FormatInt(s.ID, 10), s.AgencyCode, s.Name, s.Purpose, s.InfoKind, s.Audience, s.Hosting, s.Operator, s.Status,
				strings.Join(s.URLs, "; "), strings.Join(s.Domains, "; "), strings.Join(s.IPs, "; "), strings.Join(s.CIDRs, "; "), FormatSoftware(s.Software))
			if err != nil {
				return err
			}
		}
		if len(list) < 1000 {
			return nil
		}
	}
}
