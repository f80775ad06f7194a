package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tamperkit "github.com/khien-project/khien/internal/testkit/tamper"

	"github.com/khien-project/khien/internal/cli"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// khien runs the command line in this process and returns its exit code
// and everything it printed.
func khien(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := cli.Run(args, &out, &out)
	return code, out.String()
}

// demoLog makes a data folder whose audit log the demo filled, on engine,
// and returns the options that name it.
func demoLog(t *testing.T, engine store.Engine) []string {
	t.Helper()
	t.Setenv("KHIEN_ADMIN_PASSWORD", "Demo-password-2026")
	opts := []string{"--data", t.TempDir(), "--db", storetest.DSN(t, engine)}
	if code, out := khien(t, append([]string{"demo"}, opts...)...); code != 0 {
		t.Fatalf("demo: %s", out)
	}
	return opts
}

func tamper(t *testing.T, opts []string, fn func(db *store.DB)) {
	t.Helper()
	db, err := store.Open(context.Background(), opts[3])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tamperkit.DropGuards(t, db.Writer(), db.Engine == store.Postgres)
	fn(db)
}

// khien audit verify against someone with write access to the database
// but not the key: each attack fails verify naming the entry, and an
// ordinary log passes.
func TestAuditVerifyCatchesTampering(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			opts := demoLog(t, engine)
			verify := append([]string{"audit", "verify"}, opts...)
			if code, out := khien(t, verify...); code != 0 || !strings.Contains(out, "hash chain intact") ||
				!strings.Contains(out, "last anchor in the database checked: entry ") {
				t.Fatalf("ordinary log: %d %s", code, out)
			}
			anchors := filepath.Join(t.TempDir(), "anchors.jsonl")
			if code, out := khien(t, append([]string{"audit", "anchors", "export", "--out", anchors}, opts...)...); code != 0 {
				t.Fatalf("anchors export: %s", out)
			}
			withAnchors := append(verify, "--anchors", anchors)
			code, out := khien(t, withAnchors...)
			if code != 0 || !strings.Contains(out, "last exported anchor checked: entry ") {
				t.Fatalf("ordinary log with its exported anchor: %d %s", code, out)
			}

			// Rewrite entry 5 and recompute every later hash (and anchor in
			// the database): without the key, only the unkeyed chain can be.
			tamper(t, opts, func(db *store.DB) { tamperkit.RewriteUnkeyed(t, db.Writer(), 5, "mallory") })
			if code, out := khien(t, verify...); code == 0 || !strings.Contains(out, "BROKEN: entry 5:") {
				t.Fatalf("rewritten entry 5: %d %s", code, out)
			}
		})
	}
}

func TestAuditVerifyCatchesDeletionAfterAnExportedAnchor(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			opts := demoLog(t, engine)
			anchors := filepath.Join(t.TempDir(), "anchors.jsonl")
			if code, out := khien(t, append([]string{"audit", "anchors", "export", "--out", anchors}, opts...)...); code != 0 {
				t.Fatalf("anchors export: %s", out)
			}
			var last int64
			tamper(t, opts, func(db *store.DB) {
				if err := db.Reader().QueryRow(`SELECT MAX(id) FROM audit_log`).Scan(&last); err != nil {
					t.Fatal(err)
				}
				tamperkit.DeleteAfter(t, db.Writer(), last-3, true) // the newest three, and their anchors
			})
			verify := append([]string{"audit", "verify"}, opts...)
			if code, out := khien(t, verify...); code != 0 {
				t.Fatalf("without the exported anchor nothing shows: %d %s", code, out)
			}
			code, out := khien(t, append(verify, "--anchors", anchors)...)
			if code == 0 || !strings.Contains(out, "BROKEN: entry ") || !strings.Contains(out, "entries were removed") || !strings.Contains(out, anchors+" line 1") {
				t.Fatalf("newest rows and their anchors deleted: %d %s", code, out)
			}
		})
	}
}

func TestAuditVerifyNeedsTheLogsKey(t *testing.T) {
	opts := demoLog(t, store.SQLite)
	verify := append([]string{"audit", "verify"}, opts...)
	wrong := filepath.Join(t.TempDir(), "other.key")
	os.WriteFile(wrong, []byte(strings.Repeat("ab", 32)+"\n"), 0o600)
	if code, out := khien(t, append(verify, "--audit.key_file", wrong)...); code == 0 || !strings.Contains(out, "is not the key the audit log is keyed with") {
		t.Fatalf("wrong key: %d %s", code, out)
	}
	key := filepath.Join(opts[1], "audit.key")
	if err := os.Rename(key, key+".bak"); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{verify, append([]string{"token", "create", "--user", "admin"}, opts...)} {
		if code, out := khien(t, cmd...); code == 0 || !strings.Contains(out, "the audit log is keyed") {
			t.Fatalf("%s without the key file: %d %s", cmd[0], code, out)
		}
	}
	if _, err := os.Stat(key); !os.IsNotExist(err) {
		t.Fatal("a new key was created for a keyed log")
	}
}
