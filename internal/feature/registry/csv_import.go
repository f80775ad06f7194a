// Importing agencies and systems from CSV, all or nothing.

package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// ImportOptions tune one import.
type ImportOptions struct {
	DryRun bool
	// Mapping maps a header (as written in the file) to a field name, or
	// to "-" to ignore that column. It overrides the built-in aliases.
	Mapping map[string]string
}

// RowError is one refused cell or row; Line is the line of the file
// (the header is line 1).
type RowError struct {
	Line      int    `json:"line"`
	Field     string `json:"field,omitempty"`
	Message   string `json:"message"`
	MessageVI string `json:"message_vi"`
}

// ImportReport says what an import did or would do.
type ImportReport struct {
	Kind           string            `json:"kind"`
	DryRun         bool              `json:"dry_run"`
	Rows           int               `json:"rows"`
	Created        int               `json:"created"`
	Updated        int               `json:"updated"`
	Committed      bool              `json:"committed"`
	Columns        map[string]string `json:"columns"`
	IgnoredColumns []string          `json:"ignored_columns"`
	Errors         []RowError        `json:"errors"`
}

// errRollback ends an import transaction without committing.
var errRollback = errors.New("import rolled back")

// Import reads a CSV of agencies or systems and creates or updates them,
// all or nothing: one refused row and nothing is written. A dry run checks
// everything, database constraints included, and writes nothing.
func (r *Registry) Import(ctx context.Context, actor access.Actor, kind string, in io.Reader, opts ImportOptions) (_ ImportReport, err error) {
	rep := ImportReport{Kind: kind, DryRun: opts.DryRun, Columns: map[string]string{}, IgnoredColumns: []string{}, Errors: []RowError{}}
	if kind != KindAgencies && kind != KindSystems {
		return rep, fmt.Errorf("%w: unknown import kind %q (agencies or systems)", store.ErrInvalid, kind)
	}
	if !actor.CanWriteRegistry() {
		return rep, fmt.Errorf("registry: import: %w", store.ErrForbidden)
	}
	rows, err := readCSV(in, kind, opts, &rep)
	if err != nil || len(rep.Errors) > 0 {
		return rep, err
	}
	rep.Rows = len(rows)
	// Every system: an import may touch many.
	err = r.writeSystems(ctx, actor, func() []int64 { return nil }, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if kind == KindAgencies {
			err = r.importAgencies(ctx, tx, actor, rows, &rep)
		} else {
			err = r.importSystems(ctx, tx, actor, rows, &rep)
		}
		if err != nil {
			return err
		}
		if opts.DryRun || len(rep.Errors) > 0 {
			return errRollback
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	if err != nil {
		return rep, err
	}
	rep.Committed = !opts.DryRun && len(rep.Errors) == 0
	if len(rep.Errors) > 0 {
		rep.Created, rep.Updated = 0, 0
	}
	return rep, nil
}

// rowFailed records err against a row when it is a validation error and
// reports whether it was; other errors end the import.
func rowFailed(rep *ImportReport, line int, err error) bool {
	var fe valid.Errors
	if errors.As(err, &fe) {
		for _, f := range fe {
			rep.Errors = append(rep.Errors, RowError{Line: line, Field: f.Field, Message: f.EN, MessageVI: f.VI})
		}
		return true
	}
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrInvalid) {
		rep.Errors = append(rep.Errors, RowError{Line: line, Message: err.Error(), MessageVI: err.Error()})
		return true
	}
	return false
}

// inSavepoint runs fn so that a failing row can be undone on its own (a
// failed statement poisons a whole PostgreSQL transaction otherwise).
func inSavepoint(ctx context.Context, tx *store.Tx, fn func() error) error {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT import_row"); err != nil {
		return err
	}
	if err := fn(); err != nil {
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT import_row"); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	_, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT import_row")
	return err
}

func strp(s string) *string { return &s }

func (r *Registry) importAgencies(ctx context.Context, tx *store.Tx, actor access.Actor, rows []csvRow, rep *ImportReport) error {
	firstLine := map[string]int{}
	for _, row := range rows {
		code := row.fields["code"]
		if prev, dup := firstLine[code]; dup && code != "" {
			rep.Errors = append(rep.Errors, RowError{Line: row.line, Field: "code", Message: fmt.Sprintf("code %q already appears on line %d", code, prev), MessageVI: fmt.Sprintf("mã %q đã có ở dòng %d", code, prev)})
			continue
		}
		firstLine[code] = row.line
	}
	if len(rep.Errors) > 0 {
		return nil
	}
	// Parents first: each pass handles rows whose parent now exists.
	pending := rows
	for len(pending) > 0 {
		var next []csvRow
		for _, row := range pending {
			parent := row.fields["parent_code"]
			var parentID *int64
			if parent != "" {
				p, err := r.AgencyByCode(ctx, actor, parent)
				if errors.Is(err, store.ErrNotFound) {
					next = append(next, row)
					continue
				}
				if err != nil {
					return err
				}
				parentID = &p.ID
			}
			if err := r.importAgencyRow(ctx, tx, actor, row, parentID, rep); err != nil {
				return err
			}
		}
		if len(next) == len(pending) {
			for _, row := range next {
				rep.Errors = append(rep.Errors, RowError{Line: row.line, Field: "parent_code", Message: fmt.Sprintf("parent agency %q does not exist, is outside your scope, or the parents form a cycle", row.fields["parent_code"]), MessageVI: fmt.Sprintf("đơn vị cấp trên %q không tồn tại, ngoài phạm vi của bạn, hoặc tạo thành vòng lặp", row.fields["parent_code"])})
			}
			return nil
		}
		pending = next
	}
	return nil
}

func (r *Registry) importAgencyRow(ctx context.Context, tx *store.Tx, actor access.Actor, row csvRow, parentID *int64, rep *ImportReport) error {
	in := AgencyInput{ParentID: OptionalID{Set: true, ID: parentID}}
	for _, f := range agencyFields {
		v, ok := row.fields[f]
		if !ok {
			continue
		}
		switch f {
		case "code":
			in.Code = strp(v)
		case "name":
			in.Name = strp(v)
		case "kind":
			in.Kind = strp(v)
		case "email":
			in.Email = strp(v)
		case "phone":
			in.Phone = strp(v)
		case "security_officer":
			in.SecurityOfficer = strp(v)
		}
	}
	existing, err := r.AgencyByCode(ctx, actor, row.fields["code"])
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	update := err == nil
	if update && actor.Scoped() && existing.ID == actor.AgencyID {
		in.ParentID = OptionalID{} // the officer's own agency stays where it is
	}
	err = inSavepoint(ctx, tx, func() error {
		if update {
			_, err := r.UpdateAgency(ctx, actor, existing.ID, in)
			return err
		}
		_, err := r.CreateAgency(ctx, actor, in)
		return err
	})
	switch {
	case err == nil && update:
		rep.Updated++
	case err == nil:
		rep.Created++
	case !rowFailed(rep, row.line, err):
		return err
	}
	return nil
}

func (r *Registry) importSystems(ctx context.Context, tx *store.Tx, actor access.Actor, rows []csvRow, rep *ImportReport) error {
	agencies := map[string]int64{}
	for _, row := range rows {
		in, id, ok := r.systemRow(ctx, actor, row, agencies, rep)
		if !ok {
			continue
		}
		if id == 0 {
			var err error
			if id, err = r.findSystem(ctx, tx, *in.AgencyID, *in.Name); err != nil {
				return err
			}
		}
		err := inSavepoint(ctx, tx, func() error {
			if id != 0 {
				_, err := r.UpdateSystem(ctx, actor, id, in)
				return err
			}
			_, err := r.CreateSystem(ctx, actor, in)
			return err
		})
		switch {
		case err == nil && id != 0:
			rep.Updated++
		case err == nil:
			rep.Created++
		case !rowFailed(rep, row.line, err):
			return err
		}
	}
	return nil
}

// systemRow turns a row into a SystemInput, resolving the agency code
// within actor's scope. id is the row's system id (0 for none).
func (r *Registry) systemRow(ctx context.Context, actor access.Actor, row csvRow, agencies map[string]int64, rep *ImportReport) (SystemInput, int64, bool) {
	var in SystemInput
	var id int64
	bad := func(field, en, vi string) (SystemInput, int64, bool) {
		rep.Errors = append(rep.Errors, RowError{Line: row.line, Field: field, Message: en, MessageVI: vi})
		return in, 0, false
	}
	if v := row.fields["id"]; v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return bad("id", fmt.Sprintf("%q is not a system id", v), fmt.Sprintf("%q không phải mã hệ thống", v))
		}
		if _, err := r.System(ctx, actor, n); err != nil {
			return bad("id", fmt.Sprintf("system %d does not exist or is outside your scope", n), fmt.Sprintf("hệ thống %d không tồn tại hoặc ngoài phạm vi của bạn", n))
		}
		id = n
	}
	code := row.fields["agency_code"]
	agencyID, ok := agencies[code]
	if !ok {
		a, err := r.AgencyByCode(ctx, actor, code)
		if err != nil {
			return bad("agency_code", fmt.Sprintf("agency %q does not exist or is outside your scope", code), fmt.Sprintf("đơn vị %q không tồn tại hoặc ngoài phạm vi của bạn", code))
		}
		agencyID = a.ID
		agencies[code] = agencyID
	}
	in.AgencyID = &agencyID
	in.Name = strp(row.fields["name"])
	for field, dst := range map[string]**string{"purpose": &in.Purpose, "info_kind": &in.InfoKind, "audience": &in.Audience, "hosting": &in.Hosting, "operator": &in.Operator, "status": &in.Status} {
		if v, ok := row.fields[field]; ok {
			*dst = strp(v)
		}
	}
	for field, dst := range map[string]**[]string{"urls": &in.URLs, "domains": &in.Domains, "ips": &in.IPs, "cidrs": &in.CIDRs} {
		if v, ok := row.fields[field]; ok {
			list := splitList(v, field != "urls")
			*dst = &list
		}
	}
	if v, ok := row.fields["software"]; ok {
		sw := ParseSoftware(v)
		in.Software = &sw
	}
	return in, id, true
}

func (r *Registry) findSystem(ctx context.Context, tx *store.Tx, agencyID int64, name string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM systems WHERE agency_id = $1 AND name = $2 ORDER BY id LIMIT 1`, agencyID, strings.TrimSpace(name)).Scan(&id)
	if err != nil && !isNoRows(err) {
		return 0, fmt.Errorf("registry: find system: %w", err)
	}
	return id, nil
}
