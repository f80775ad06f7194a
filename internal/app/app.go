// Package app wires Khiên together: it opens the database and the bus,
// builds the services and the web server, starts the workers and
// schedules, and shuts everything down in order on a signal. All wiring
// lives here, visible at a glance.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"

	"github.com/khien-project/khien/internal/audit"
	"github.com/khien-project/khien/internal/auth"
	"github.com/khien-project/khien/internal/registry"
	"github.com/khien-project/khien/internal/store"
)

// Version is set at build time (-ldflags "-X ...app.Version=v1.2.3").
var Version = "dev"

// Services are the feature services over one database.
type Services struct {
	DB       *store.DB
	Audit    *audit.Log
	Auth     *auth.Service
	Registry *registry.Registry
}

// OpenServices opens and migrates the database at dsn and builds the
// services over it.
func OpenServices(ctx context.Context, dsn string) (*Services, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	log := audit.New(db)
	return &Services{DB: db, Audit: log, Auth: auth.New(db, log), Registry: registry.New(db, log)}, nil
}

// NewLogger returns the process logger writing to w in format ("text" or
// "json") at level.
func NewLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// ErrLocked means another Khiên process holds the data folder.
var ErrLocked = errors.New("another khien process is using this data folder")

// LockData takes an exclusive lock on the data folder for the life of the
// process, so that serve and restore never run on the same files at once.
func LockData(dir string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "khien.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", dir, ErrLocked)
	}
	return func() { f.Close() }, nil
}
