package alert

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/detect"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Pack is an imported set of rules.
type Pack struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Source     string    `json:"source"`
	Rules      int       `json:"rules"`
	Errors     int       `json:"errors"`
	ImportedBy string    `json:"imported_by"`
	ImportedAt time.Time `json:"imported_at"`
}

// Rule is one stored Sigma document of a pack.
type Rule struct {
	ID        int64    `json:"id"`
	PackID    int64    `json:"pack_id"`
	UID       string   `json:"uid"`  // the Sigma id (or name, or title)
	Kind      string   `json:"kind"` // detection, correlation, filter, invalid
	Title     string   `json:"title"`
	Level     string   `json:"level"`
	Tags      []string `json:"tags"`
	Logsource string   `json:"logsource"`
	File      string   `json:"file"`
	Enabled   bool     `json:"enabled"`
	LintError string   `json:"lint_error,omitempty"`
	YAML      string   `json:"yaml,omitempty"`
}

// ImportResult says what an import stored.
type ImportResult struct {
	Pack   Pack     `json:"pack"`
	Errors []string `json:"errors"` // each failing rule: FILE:LINE: RULE: REASON
}

// ruleKey is how compiled rules name their row (detect.Rule.File).
func ruleKey(id int64) string { return "rule:" + strconv.FormatInt(id, 10) }

func kindName(k detect.Kind) string {
	switch k {
	case detect.KindCorrelation:
		return "correlation"
	case detect.KindFilter:
		return "filter"
	}
	return "detection"
}

// ImportPack stores the rules of files as the pack name (admins and
// analysts). A pack imported again replaces its rules; a rule keeps its
// enabled state by its id. Rules that fail to parse or compile are kept
// with their error and stay out of detection.
func (s *Service) ImportPack(ctx context.Context, actor access.Actor, name, source string, files []File) (ImportResult, error) {
	if !actor.CanWriteSecurity() {
		return ImportResult{}, fmt.Errorf("alert: import rules: %w", store.ErrForbidden)
	}
	name = strings.TrimSpace(name)
	var e valid.Errors
	if name == "" || len(name) > 200 {
		e.Add("name", "give the pack a name (at most 200 characters)", "hãy đặt tên gói (tối đa 200 ký tự)")
	}
	if len(files) == 0 {
		e.Add("file", "the pack holds no .yml or .yaml file", "gói không có tệp .yml hoặc .yaml nào")
	}
	if err := e.Err(); err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		now := store.Now()
		var packID int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM detection_packs WHERE name = $1`, name).Scan(&packID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if err := tx.QueryRowContext(ctx, `INSERT INTO detection_packs (name, source, imported_by, imported_at) VALUES ($1, $2, $3, $4) RETURNING id`,
				name, source, actor.Username, now).Scan(&packID); err != nil {
				return fmt.Errorf("alert: create pack: %w", err)
			}
		case err != nil:
			return fmt.Errorf("alert: find pack: %w", err)
		}
		disabled, err := disabledUIDs(ctx, tx, packID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM detection_rules WHERE pack_id = $1`, packID); err != nil {
			return fmt.Errorf("alert: replace pack rules: %w", err)
		}
		n := 0
		for _, f := range files {
			for i, doc := range splitDocuments(f.Data) {
				if err := insertRule(ctx, tx, packID, f.Name, i, doc, disabled, now); err != nil {
					return err
				}
				n++
			}
		}
		errs, err := s.relint(ctx, tx)
		if err != nil {
			return err
		}
		var bad int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM detection_rules WHERE pack_id = $1 AND lint_error <> ''`, packID).Scan(&bad); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE detection_packs SET source = $1, rules = $2, errors = $3, imported_by = $4, imported_at = $5 WHERE id = $6`,
			source, n, bad, actor.Username, now, packID); err != nil {
			return fmt.Errorf("alert: update pack: %w", err)
		}
		if err := bumpVersion(ctx, tx); err != nil {
			return err
		}
		res.Pack = Pack{ID: packID, Name: name, Source: source, Rules: n, Errors: bad, ImportedBy: actor.Username, ImportedAt: store.ParseTime(now)}
		res.Errors = errs[packID]
		return s.audit.Record(ctx, actor, "rules.import", "detection_pack", packID, nil, map[string]any{"name": name, "rules": n, "errors": bad})
	})
	if res.Errors == nil {
		res.Errors = []string{}
	}
	return res, err
}

func disabledUIDs(ctx context.Context, tx *store.Tx, packID int64) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT uid FROM detection_rules WHERE pack_id = $1 AND enabled = 0`, packID)
	if err != nil {
		return nil, fmt.Errorf("alert: pack rules: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var uid string
		if err := rows.Scan(&uid); err != nil {
			return nil, err
		}
		out[uid] = true
	}
	return out, rows.Err()
}

// insertRule stores one YAML document; one that does not parse is kept
// as "invalid" with its error.
func insertRule(ctx context.Context, tx *store.Tx, packID int64, file string, doc int, text string, disabled map[string]bool, now string) error {
	where := file
	if doc > 0 {
		where = fmt.Sprintf("%s#%d", file, doc+1)
	}
	kind, uid, title, level, tags, ls, lint := "invalid", where, "", "", "", "", ""
	rules, errs := detect.ParseRules(where, []byte(text))
	switch {
	case len(errs) > 0:
		lint = errs[0].Error()
	case len(rules) == 1:
		r := rules[0]
		kind, uid, title, level, tags = kindName(r.Kind), r.Ref(), r.Title, strings.ToLower(r.Level), strings.Join(r.Tags, ",")
		ls = strings.Trim(strings.Join([]string{r.Logsource.Product, r.Logsource.Category, r.Logsource.Service}, "/"), "/")
	default:
		lint = "the document holds no rule"
	}
	if uid == "" {
		uid = where
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO detection_rules (pack_id, uid, kind, title, level, tags, logsource, file, yaml, enabled, lint_error, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		packID, uid, kind, title, level, tags, ls, where, text, store.Flag(!disabled[uid]), lint, now)
	if err != nil {
		return fmt.Errorf("alert: store rule %s: %w", where, err)
	}
	return nil
}

// relint compiles every parsed rule together (ids must be unique across
// packs; correlations find their rules in any pack) and stores each
// rule's error; it answers the errors by pack.
func (s *Service) relint(ctx context.Context, tx *store.Tx) (map[int64][]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, pack_id, yaml, kind, lint_error, file FROM detection_rules ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("alert: rules: %w", err)
	}
	type row struct {
		pack       int64
		lint, file string
	}
	byID := map[int64]*row{}
	var parsed []*detect.Rule
	for rows.Next() {
		var id, pack int64
		var text, kind, lint, file string
		if err := rows.Scan(&id, &pack, &text, &kind, &lint, &file); err != nil {
			rows.Close()
			return nil, err
		}
		byID[id] = &row{pack: pack, lint: lint, file: file}
		if kind == "invalid" {
			continue
		}
		rs, _ := detect.ParseRules(ruleKey(id), []byte(text))
		parsed = append(parsed, rs...)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	_, cerrs := detect.Compile(parsed, detect.Config{})
	fresh := map[int64]string{}
	for _, err := range cerrs {
		var le *detect.LoadError
		if errors.As(err, &le) {
			if id, err := strconv.ParseInt(strings.TrimPrefix(le.File, "rule:"), 10, 64); err == nil {
				fresh[id] = le.Msg
			}
		}
	}
	out := map[int64][]string{}
	for id, r := range byID {
		msg := fresh[id]
		if r.lint != "" && (msg == "" && strings.HasPrefix(r.lint, r.file)) {
			msg = r.lint // a parse error stays
		}
		if msg != r.lint {
			if _, err := tx.ExecContext(ctx, `UPDATE detection_rules SET lint_error = $1 WHERE id = $2`, msg, id); err != nil {
				return nil, err
			}
		}
		if msg != "" {
			if !strings.HasPrefix(msg, r.file) {
				msg = r.file + ": " + msg
			}
			out[r.pack] = append(out[r.pack], msg)
		}
	}
	return out, nil
}

// bumpVersion tells every process that the rules changed.
func bumpVersion(ctx context.Context, tx *store.Tx) error {
	res, err := tx.ExecContext(ctx, `UPDATE detection_state SET version = version + 1, updated_at = $1 WHERE key = 'rules'`, store.Now())
	if err != nil {
		return fmt.Errorf("alert: rules version: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO detection_state (key, version, updated_at) VALUES ('rules', 1, $1)`, store.Now()); err != nil {
			return fmt.Errorf("alert: rules version: %w", err)
		}
	}
	return nil
}

// Packs lists the imported packs (every signed-in user may read them).
func (s *Service) Packs(ctx context.Context, actor access.Actor) ([]Pack, error) {
	if !actor.CanRead() {
		return nil, fmt.Errorf("alert: packs: %w", store.ErrForbidden)
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT id, name, source, rules, errors, imported_by, imported_at FROM detection_packs ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("alert: packs: %w", err)
	}
	defer rows.Close()
	out := []Pack{}
	for rows.Next() {
		var p Pack
		var at string
		if err := rows.Scan(&p.ID, &p.Name, &p.Source, &p.Rules, &p.Errors, &p.ImportedBy, &at); err != nil {
			return nil, err
		}
		p.ImportedAt = store.ParseTime(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// DeletePack removes a pack and its rules (admins and analysts).
func (s *Service) DeletePack(ctx context.Context, actor access.Actor, id int64) error {
	if !actor.CanWriteSecurity() {
		return fmt.Errorf("alert: delete pack: %w", store.ErrForbidden)
	}
	return s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var name string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM detection_packs WHERE id = $1`, id).Scan(&name); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("alert: pack %d: %w", id, store.ErrNotFound)
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM detection_rules WHERE pack_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM detection_packs WHERE id = $1`, id); err != nil {
			return err
		}
		if _, err := s.relint(ctx, tx); err != nil {
			return err
		}
		if err := bumpVersion(ctx, tx); err != nil {
			return err
		}
		return s.audit.Record(ctx, actor, "rules.delete-pack", "detection_pack", id, map[string]any{"name": name}, nil)
	})
}

// RuleFilter selects rules.
type RuleFilter struct {
	PackID  int64
	Search  string // in the title or id
	Enabled string // "yes", "no" or ""
	Errors  bool   // only rules that failed
	Limit   int
	Offset  int
}

// Rules lists the stored rules.
func (s *Service) Rules(ctx context.Context, actor access.Actor, f RuleFilter) ([]Rule, int, error) {
	if !actor.CanRead() {
		return nil, 0, fmt.Errorf("alert: rules: %w", store.ErrForbidden)
	}
	var w store.Where
	if f.PackID != 0 {
		w.Add("pack_id = ?", f.PackID)
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		like := store.LikeContains(strings.ToLower(q))
		w.Add(`(LOWER(title) LIKE ? ESCAPE '\' OR LOWER(uid) LIKE ? ESCAPE '\')`, like, like)
	}
	switch f.Enabled {
	case "yes":
		w.Add("enabled = 1")
	case "no":
		w.Add("enabled = 0")
	}
	if f.Errors {
		w.Add("lint_error <> ''")
	}
	var total int
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM detection_rules WHERE `+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("alert: count rules: %w", err)
	}
	page := w.Limit(store.Page{Limit: f.Limit, Offset: f.Offset}.Clamped(100))
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT id, pack_id, uid, kind, title, level, tags, logsource, file, enabled, lint_error, '' FROM detection_rules WHERE `+w.SQL()+` ORDER BY title, id`+page, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("alert: rules: %w", err)
	}
	defer rows.Close()
	out := []Rule{}
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

func scanRule(r interface{ Scan(...any) error }) (Rule, error) {
	var x Rule
	var tags string
	var enabled int
	err := r.Scan(&x.ID, &x.PackID, &x.UID, &x.Kind, &x.Title, &x.Level, &tags, &x.Logsource, &x.File, &enabled, &x.LintError, &x.YAML)
	x.Enabled, x.Tags = enabled == 1, splitTags(tags)
	return x, err
}

func splitTags(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// GetRule answers one rule with its YAML.
func (s *Service) GetRule(ctx context.Context, actor access.Actor, id int64) (Rule, error) {
	if !actor.CanRead() {
		return Rule{}, fmt.Errorf("alert: rule: %w", store.ErrForbidden)
	}
	r, err := scanRule(s.db.Q(ctx).QueryRowContext(ctx, `SELECT id, pack_id, uid, kind, title, level, tags, logsource, file, enabled, lint_error, yaml FROM detection_rules WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Rule{}, fmt.Errorf("alert: rule %d: %w", id, store.ErrNotFound)
	}
	return r, err
}

// SetRuleEnabled turns a rule on or off (admins and analysts).
func (s *Service) SetRuleEnabled(ctx context.Context, actor access.Actor, id int64, on bool) (Rule, error) {
	if !actor.CanWriteSecurity() {
		return Rule{}, fmt.Errorf("alert: enable rule: %w", store.ErrForbidden)
	}
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var was int
		var uid string
		if err := tx.QueryRowContext(ctx, `SELECT enabled, uid FROM detection_rules WHERE id = $1`, id).Scan(&was, &uid); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("alert: rule %d: %w", id, store.ErrNotFound)
		} else if err != nil {
			return err
		}
		if (was == 1) == on {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE detection_rules SET enabled = $1, updated_at = $2 WHERE id = $3`, store.Flag(on), store.Now(), id); err != nil {
			return err
		}
		if err := bumpVersion(ctx, tx); err != nil {
			return err
		}
		action := "rules.disable"
		if on {
			action = "rules.enable"
		}
		return s.audit.Record(ctx, actor, action, "detection_rule", id, map[string]any{"uid": uid, "enabled": was == 1}, map[string]any{"uid": uid, "enabled": on})
	})
	if err != nil {
		return Rule{}, err
	}
	return s.GetRule(ctx, actor, id)
}
