package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/platform/store"
)

// behindDatabase makes a data folder whose database is at schema 3, the
// last schema before checksums and the upgrade rule.
func behindDatabase(t *testing.T) string {
	t.Helper()
	data := t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(data, "khien.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.MigrateTo(ctx, 3); err != nil {
		t.Fatal(err)
	}
	return data
}

// runFor runs a khien command that must end on its own within d.
func runFor(t *testing.T, d time.Duration, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, khien, args...)
	cmd.Env = append(os.Environ(), "KHIEN_ADMIN_PASSWORD="+adminPassword)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("khien %s still running after %s:\n%s", strings.Join(args, " "), d, out)
	}
	return string(out), err
}

func TestUpgradeNeedsMigrate(t *testing.T) {
	latest := strconv.Itoa(store.LatestVersion(store.SQLite))
	data := behindDatabase(t)
	refusal := "the database is at schema 3, this khien needs " + latest + ": run `khien migrate` (or start with --migrate)"

	out, err := run(t, nil, "version", "--data", data)
	if err == nil || !strings.Contains(out, "khien dev (schema "+latest+")") || !strings.Contains(out, "database: sqlite, schema 3") || !strings.Contains(out, refusal) {
		t.Fatalf("version --data on a behind database: %v\n%s", err, out)
	}
	if out, err = runFor(t, 30*time.Second, "serve", "--data", data, "--addr", freePort(t)); err == nil || !strings.Contains(out, refusal) {
		t.Fatalf("serve on a behind database: %v\n%s", err, out)
	}
	if out, err = runFor(t, 30*time.Second, "worker", "--data", data, "--nats", "nats://127.0.0.1:1"); err == nil || !strings.Contains(out, refusal) {
		t.Fatalf("worker on a behind database: %v\n%s", err, out)
	}
	if out, err = run(t, nil, "audit", "verify", "--data", data); err == nil || !strings.Contains(out, refusal) {
		t.Fatalf("audit verify on a behind database: %v\n%s", err, out)
	}
	if out, err = run(t, nil, "migrate", "--data", data); err != nil || !strings.Contains(out, "applied "+strconv.Itoa(store.LatestVersion(store.SQLite)-3)+" migration(s); schema version "+latest) {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	if out, err = run(t, nil, "version", "--db", filepath.Join(data, "khien.db")); err != nil || !strings.Contains(out, "compatible: this khien may start on it") {
		t.Fatalf("version --db after migrate: %v\n%s", err, out)
	}

	// serve --migrate upgrades a behind database itself.
	s := startServe(t, behindDatabase(t), "--migrate")
	if !strings.Contains(s.output(), "database schema migrated") {
		t.Fatalf("serve --migrate:\n%s", s.output())
	}
	s.cmd.Process.Signal(syscall.SIGINT)
	if err := s.wait(20 * time.Second); err != nil {
		t.Fatalf("SIGINT: %v", err)
	}
}

func TestEditedMigrationIsRefused(t *testing.T) {
	data := t.TempDir()
	if out, err := run(t, nil, "migrate", "--data", data); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(data, "khien.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Writer().Exec(`UPDATE schema_migrations SET checksum = 'f00d' WHERE version = 2`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	want := "migration 2 (0002_sites.sqlite.sql) in this khien differs from the one applied to this database"
	for _, args := range [][]string{{"migrate"}, {"version"}, {"serve", "--addr", freePort(t)}} {
		out, err := runFor(t, 30*time.Second, append(args, "--data", data)...)
		if err == nil || !strings.Contains(out, want) {
			t.Errorf("%s over an edited migration: %v\n%s", args[0], err, out)
		}
	}
}
