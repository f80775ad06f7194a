//go:build unix

package store_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// TestBackupAndRestoreFileModes checks that a snapshot (password hashes,
// webhook secrets) and a restored database are readable by their owner
// only, whatever the umask and whatever the mode of the file replaced.
func TestBackupAndRestoreFileModes(t *testing.T) {
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
	ctx := context.Background()
	dir := t.TempDir()
	db := storetest.Open(t, store.SQLite)
	snap := filepath.Join(dir, "snap.db")
	if err := db.Backup(ctx, snap); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(dir, "open.db")
	if err := os.WriteFile(open, []byte("old database"), 0o644); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(dir, "new", "khien.db")
	for _, target := range []string{open, fresh} {
		if err := store.RestoreSQLiteFile(ctx, snap, target); err != nil {
			t.Fatalf("restore to %s: %v", target, err)
		}
	}
	for _, c := range []struct{ name, path string }{
		{"backup", snap},
		{"restore over a world-readable database", open},
		{"restore into a new folder", fresh},
	} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s: mode %o, want 600", c.name, mode)
		}
	}
}
