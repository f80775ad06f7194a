package store_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// released is the schema before checksums and the compatibility rule.
const released = 3

func TestJudgeTheUpgradeRule(t *testing.T) {
	for _, c := range []struct {
		name                  string
		binary, version, from int
		want                  store.Verdict
	}{
		{"empty database is created", 5, 0, 0, store.Empty},
		{"same schema", 5, 5, 3, store.Current},
		{"database behind needs migrate", 5, 3, 3, store.Behind},
		{"newer, expand-only since the binary", 5, 7, 5, store.Ahead},
		{"newer, expand-only since before the binary", 5, 6, 3, store.Ahead},
		{"newer, breaking after the binary: too old", 5, 6, 6, store.TooOld},
		{"newer, breaking one step later", 4, 6, 5, store.TooOld},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := store.Judge(c.binary, c.version, c.from); got != c.want {
				t.Errorf("Judge(%d, %d, %d) = %v, want %v", c.binary, c.version, c.from, got, c.want)
			}
		})
	}
}

func TestMigrationsDeclareCompatibility(t *testing.T) {
	byEngine := map[store.Engine][]store.Migration{}
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		ms, err := store.Migrations(e)
		if err != nil {
			t.Fatal(err)
		}
		byEngine[e] = ms
	}
	lite, pg := byEngine[store.SQLite], byEngine[store.Postgres]
	if len(lite) != len(pg) {
		t.Fatalf("%d SQLite migrations, %d PostgreSQL", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Version > released && (!store.HasCompatHeader(lite[i].SQL) || !store.HasCompatHeader(pg[i].SQL)) {
			t.Errorf("migration %d does not declare \"-- compat: expand\" or \"-- compat: breaking\" on both engines", lite[i].Version)
		}
		if lite[i].Expand != pg[i].Expand || lite[i].Name != pg[i].Name {
			t.Errorf("migration %d: engines disagree (%s expand=%v, %s expand=%v)", lite[i].Version, lite[i].File, lite[i].Expand, pg[i].File, pg[i].Expand)
		}
	}
}

// open returns a database of engine migrated to version (0: empty).
func open(t *testing.T, engine store.Engine, version int) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.DSN(t, engine))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if version > 0 {
		if _, err := db.MigrateTo(ctx, version); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func exec(t *testing.T, db *store.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Writer().Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestStartUpSchemaCheck(t *testing.T) {
	latest := store.LatestVersion(store.SQLite)
	for _, engine := range storetest.Engines() {
		for _, c := range []struct {
			name    string
			version int
			prepare []string // run before the check
			migrate bool
			applied int
			refused string // "" when it must start
		}{
			{name: "empty database is created without --migrate", applied: latest},
			{name: "current database starts", version: latest},
			{name: "behind database is refused", version: released,
				refused: "the database is at schema 3, this khien needs " + itoa(latest) + ": run `khien migrate` (or start with --migrate)"},
			{name: "behind database with --migrate", version: released, migrate: true, applied: latest - released},
			{name: "newer, compatible database starts", version: latest,
				prepare: []string{"INSERT INTO schema_migrations (version, name, applied_at, checksum, compatible_from) VALUES (" + itoa(latest+1) + ", 'future', 'x', 'abc', " + itoa(latest) + ")"}},
			{name: "too old a binary is refused", version: latest,
				prepare: []string{"INSERT INTO schema_migrations (version, name, applied_at, checksum, compatible_from) VALUES (" + itoa(latest+1) + ", 'future', 'x', 'abc', " + itoa(latest+1) + ")"},
				migrate: true, refused: "needs a khien of schema " + itoa(latest+1) + " or later: upgrade khien"},
			{name: "edited migration is refused", version: latest,
				prepare: []string{"UPDATE schema_migrations SET checksum = 'deadbeef' WHERE version = 2"},
				migrate: true, refused: "migration 2 (0002_sites." + string(engine) + ".sql) in this khien differs from the one applied"},
		} {
			t.Run(string(engine)+"/"+c.name, func(t *testing.T) {
				db := open(t, engine, c.version)
				exec(t, db, c.prepare...)
				n, err := db.EnsureSchema(context.Background(), c.migrate)
				if c.refused != "" {
					if err == nil || !strings.Contains(err.Error(), c.refused) {
						t.Fatalf("want refusal %q, got %v", c.refused, err)
					}
					return
				}
				if err != nil || n != c.applied {
					t.Fatalf("EnsureSchema = %d, %v; want %d applied", n, err, c.applied)
				}
			})
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestChecksumsAreKeptAndChecked(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			db := open(t, engine, 0)
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			ms, _ := store.Migrations(engine)
			s, err := db.ReadSchema(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for i, a := range s.Applied {
				if a.Checksum != ms[i].Checksum || a.CompatibleFrom == 0 {
					t.Errorf("migration %d recorded with checksum %q compatible_from %d", a.Version, a.Checksum, a.CompatibleFrom)
				}
			}
			// Rows applied by a khien that kept no checksums (the columns
			// are missing) get theirs recorded at the first start.
			exec(t, db, `ALTER TABLE schema_migrations DROP COLUMN checksum`, `ALTER TABLE schema_migrations DROP COLUMN compatible_from`)
			if s, err := db.ReadSchema(ctx); err != nil || s.Applied[0].Checksum != "" || s.CompatibleFrom != s.Version {
				t.Fatalf("legacy table read as %+v, %v", s, err)
			}
			if _, err := db.EnsureSchema(ctx, false); err != nil {
				t.Fatal(err)
			}
			s, _ = db.ReadSchema(ctx)
			lastBreaking := 0 // the schema a khien needs at least to run on this one
			for _, m := range ms {
				if !m.Expand {
					lastBreaking = m.Version
				}
			}
			if s.Applied[1].Checksum != ms[1].Checksum || s.CompatibleFrom != lastBreaking {
				t.Fatalf("checksums not recorded at first start: %+v", s)
			}
			// khien migrate refuses an edited migration too, naming it.
			exec(t, db, `UPDATE schema_migrations SET checksum = 'deadbeef' WHERE version = 1`)
			_, err = db.Migrate(ctx)
			var ce *store.ChecksumError
			if !errors.As(err, &ce) || ce.Version != 1 || ce.File != "0001_init."+string(engine)+".sql" {
				t.Fatalf("migrate over an edited migration: %v", err)
			}
		})
	}
}

// A database made before 0001 and 0002 were edited in place says
// "version 2" without the later indexes and columns: 0004 and the shape
// check bring it to the current shape, or refuse it by name.
func TestRepairOfMigrationsEditedAfterRelease(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			db := open(t, engine, released)
			old := []string{`DROP INDEX sites_grades`, `DROP INDEX scans_url`, `DROP INDEX systems_agency`, `CREATE INDEX systems_agency ON systems(agency_id)`,
				`ALTER TABLE findings DROP COLUMN detail_en`, `ALTER TABLE label_events DROP COLUMN reason_en`}
			if engine == store.Postgres {
				old = append(old, `ALTER TABLE scans ALTER COLUMN site_id SET NOT NULL`)
			}
			exec(t, db, old...)
			if _, err := db.EnsureSchema(ctx, true); err != nil {
				t.Fatal(err)
			}
			for _, ix := range []string{"sites_grades", "scans_url"} {
				if _, err := db.Writer().Exec(`DROP INDEX ` + ix); err != nil {
					t.Errorf("index %s not recreated: %v", ix, err)
				}
			}
			for _, col := range []string{`SELECT detail_en FROM findings`, `SELECT reason_en FROM label_events`} {
				if _, err := db.Writer().Exec(col); err != nil {
					t.Errorf("%s: %v", col, err)
				}
			}
			if _, err := db.Writer().Exec(`INSERT INTO scans (site_id, url, status, origin, requested_by, created_at) VALUES (NULL, 'https://x/', 'queued', 'adhoc', 'a', 'x')`); err != nil {
				t.Errorf("an ad-hoc scan (no site) is refused: %v", err)
			}
			// A derived column cannot be made up: refused by name.
			exec(t, db, `ALTER TABLE systems DROP COLUMN assets`)
			_, err := db.EnsureSchema(ctx, false)
			var se *store.ShapeError
			if !errors.As(err, &se) || se.Table != "systems" || se.Column != "assets" || !strings.Contains(err.Error(), "0001_init") {
				t.Fatalf("missing systems.assets: %v", err)
			}
		})
	}
}

func TestSQLiteNotNullSiteIDIsRefused(t *testing.T) {
	db := open(t, store.SQLite, store.LatestVersion(store.SQLite))
	exec(t, db, `CREATE TABLE t_scans AS SELECT * FROM scans`, `DROP TABLE scans`,
		`CREATE TABLE scans (id INTEGER PRIMARY KEY, site_id INTEGER NOT NULL, url TEXT NOT NULL)`)
	_, err := db.EnsureSchema(context.Background(), false)
	if err == nil || !strings.Contains(err.Error(), "NOT NULL on scans.site_id") {
		t.Fatalf("NOT NULL site_id: %v", err)
	}
}
