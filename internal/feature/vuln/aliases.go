// The alias table (component name → CPE part:vendor:product) and the
// priority rules kept as data: admins edit them; a change matches again
// the systems it concerns.

package vuln

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/vuln"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Alias is one line of the alias table.
type Alias struct {
	Name      string    `json:"name"` // component name, lower-case
	CPE       string    `json:"cpe"`  // part:vendor:product
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// AliasChange is what adding or removing an alias did.
type AliasChange struct {
	Alias   Alias        `json:"alias"`
	Matched MatchSummary `json:"matched"` // the systems with a component of that name, matched again
}

// Rules are the priority rules the platform adds to the engine's, kept as
// data.
type Rules struct {
	// LevelRaise: a finding on a system whose security level (approved,
	// else proposed) is at least this is raised one priority step; 0
	// turns the rule off.
	LevelRaise int `json:"level_raise"`
}

var aliasCPE = regexp.MustCompile(`^[aoh]:[^:\s*?]+:[^:\s*?]+$`)

// Aliases lists the alias table, by name (every reader).
func (s *Service) Aliases(ctx context.Context, actor access.Actor) ([]Alias, error) {
	if !actor.CanRead() {
		return nil, fmt.Errorf("vuln: aliases: %w", store.ErrForbidden)
	}
	return readAliases(ctx, s.db.Q(ctx))
}

func readAliases(ctx context.Context, q store.Querier) ([]Alias, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, cpe, created_by, created_at FROM vuln_aliases ORDER BY name, cpe`)
	if err != nil {
		return nil, fmt.Errorf("vuln: read aliases: %w", err)
	}
	defer rows.Close()
	out := []Alias{}
	for rows.Next() {
		var a Alias
		var at string
		if err := rows.Scan(&a.Name, &a.CPE, &a.CreatedBy, &at); err != nil {
			return nil, fmt.Errorf("vuln: read aliases: %w", err)
		}
		a.CreatedAt = store.ParseTime(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// aliasTable is the alias table as the engine takes it.
func aliasTable(list []Alias) map[string][]string {
	out := map[string][]string{}
	for _, a := range list {
		out[a.Name] = append(out[a.Name], a.CPE)
	}
	return out
}

func checkAlias(in *Alias) error {
	var e valid.Errors
	in.Name, in.CPE = componentKey(in.Name), strings.ToLower(strings.TrimSpace(in.CPE))
	e.Text("name", in.Name, true, 200, false)
	if in.CPE == "" || !aliasCPE.MatchString(in.CPE) {
		e.Add("cpe", fmt.Sprintf("%q is not part:vendor:product (part a, o or h), such as a:f5:nginx", in.CPE),
			fmt.Sprintf("%q không có dạng part:vendor:product (part là a, o hoặc h), ví dụ a:f5:nginx", in.CPE))
	}
	if len(e) > 0 {
		return e
	}
	return nil
}

// AddAlias adds a line to the alias table (admins) and matches again the
// live systems with a component of that name.
func (s *Service) AddAlias(ctx context.Context, actor access.Actor, in Alias) (AliasChange, error) {
	if actor.Role != access.Admin {
		return AliasChange{}, fmt.Errorf("vuln: add alias: %w", store.ErrForbidden)
	}
	if err := checkAlias(&in); err != nil {
		return AliasChange{}, err
	}
	in.CreatedBy, in.CreatedAt = actor.Username, time.Now().UTC()
	var out AliasChange
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := lockFeeds(ctx, tx, false); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO vuln_aliases (name, cpe, created_by, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			in.Name, in.CPE, in.CreatedBy, store.FormatTime(in.CreatedAt))
		if err != nil {
			return fmt.Errorf("vuln: add alias: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("vuln: alias %s → %s: %w", in.Name, in.CPE, store.ErrConflict)
		}
		if err := s.audit.Record(ctx, actor, audit.Create, "vuln-alias", in.Name+" "+in.CPE, nil, in); err != nil {
			return err
		}
		out = AliasChange{Alias: in}
		out.Matched, err = s.aliasChanged(ctx, tx, in.Name)
		return err
	})
	return out, err
}

// RemoveAlias removes a line of the alias table (admins) and matches again
// the live systems with a component of that name.
func (s *Service) RemoveAlias(ctx context.Context, actor access.Actor, in Alias) (AliasChange, error) {
	if actor.Role != access.Admin {
		return AliasChange{}, fmt.Errorf("vuln: remove alias: %w", store.ErrForbidden)
	}
	if err := checkAlias(&in); err != nil {
		return AliasChange{}, err
	}
	var out AliasChange
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := lockFeeds(ctx, tx, false); err != nil {
			return err
		}
		var by, at string
		err := tx.QueryRowContext(ctx, `SELECT created_by, created_at FROM vuln_aliases WHERE name = $1 AND cpe = $2`, in.Name, in.CPE).Scan(&by, &at)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("vuln: alias %s → %s: %w", in.Name, in.CPE, store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("vuln: alias: %w", err)
		}
		in.CreatedBy, in.CreatedAt = by, store.ParseTime(at)
		if _, err := tx.ExecContext(ctx, `DELETE FROM vuln_aliases WHERE name = $1 AND cpe = $2`, in.Name, in.CPE); err != nil {
			return fmt.Errorf("vuln: remove alias: %w", err)
		}
		if err := s.audit.Record(ctx, actor, audit.Delete, "vuln-alias", in.Name+" "+in.CPE, in, nil); err != nil {
			return err
		}
		out = AliasChange{Alias: in}
		out.Matched, err = s.aliasChanged(ctx, tx, in.Name)
		return err
	})
	return out, err
}

// aliasChanged moves the alias generation on (so every process rebuilds
// its index) and matches the live systems with a component named name
// (without a CPE name: the alias table is not read for those).
func (s *Service) aliasChanged(ctx context.Context, tx *store.Tx, name string) (MatchSummary, error) {
	if _, err := tx.ExecContext(ctx, `UPDATE vuln_settings SET value = value + 1 WHERE name = 'alias_rev'`); err != nil {
		return MatchSummary{}, fmt.Errorf("vuln: alias generation: %w", err)
	}
	ids, err := systemsByKeys(ctx, tx, vuln.ComponentKeys(vuln.Component{Name: name}))
	if err != nil {
		return MatchSummary{}, err
	}
	if len(ids) == 0 {
		return MatchSummary{}, nil
	}
	return s.match(ctx, tx, ids, nil, nil)
}

// PriorityRules returns the platform's priority rules (every reader).
func (s *Service) PriorityRules(ctx context.Context, actor access.Actor) (Rules, error) {
	if !actor.CanRead() {
		return Rules{}, fmt.Errorf("vuln: rules: %w", store.ErrForbidden)
	}
	return readRules(ctx, s.db.Q(ctx))
}

func readRules(ctx context.Context, q store.Querier) (Rules, error) {
	var r Rules
	err := q.QueryRowContext(ctx, `SELECT value FROM vuln_settings WHERE name = 'level_raise'`).Scan(&r.LevelRaise)
	if err != nil {
		return r, fmt.Errorf("vuln: read rules: %w", err)
	}
	return r, nil
}

// SetPriorityRules changes the rules (admins) and matches every live
// system again, so that priorities and deadlines follow.
func (s *Service) SetPriorityRules(ctx context.Context, actor access.Actor, in Rules) (Rules, MatchSummary, error) {
	if actor.Role != access.Admin {
		return Rules{}, MatchSummary{}, fmt.Errorf("vuln: rules: %w", store.ErrForbidden)
	}
	if in.LevelRaise < 0 || in.LevelRaise > 5 {
		return Rules{}, MatchSummary{}, valid.Errors{{Field: "level_raise", EN: "must be 0 (off) or a level from 1 to 5", VI: "phải là 0 (tắt) hoặc một cấp độ từ 1 đến 5"}}
	}
	var sum MatchSummary
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := lockFeeds(ctx, tx, false); err != nil {
			return err
		}
		before, err := readRules(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE vuln_settings SET value = $1 WHERE name = 'level_raise'`, in.LevelRaise); err != nil {
			return fmt.Errorf("vuln: rules: %w", err)
		}
		if err := s.audit.Record(ctx, actor, audit.Update, "vuln-rules", "priority", before, in); err != nil {
			return err
		}
		sum, err = s.match(ctx, tx, nil, nil, nil)
		return err
	})
	return in, sum, err
}
