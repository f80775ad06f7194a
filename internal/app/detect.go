package app

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/khien-project/khien/internal/feature/alert"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/bus"
	"github.com/khien-project/khien/internal/platform/logstream"
)

// runDetection runs Sigma detection over the log stream in this process
// (serve and every worker share the stream's one detect consumer) until
// ctx ends. The log stream is created when no receiver has yet.
func runDetection(ctx context.Context, svc *Services, b *bus.Bus) {
	js := b.JetStream()
	if _, err := js.Stream(ctx, logstream.Stream); errors.Is(err, jetstream.ErrStreamNotFound) {
		if err := logstream.Setup(ctx, js, logstream.Options{Replicas: svc.Platform.NATSReplicas}); err != nil {
			slog.Warn("log stream setup", "err", err)
		}
	}
	svc.Alert.Run(ctx, js, alert.RunOptions{Replicas: svc.Platform.NATSReplicas})
}

// ImportRules imports a rule pack (a folder, a zip or tar.gz of Sigma
// YAML, or one YAML file) into the database at dsn, as the operator.
func ImportRules(ctx context.Context, dsn string, key audit.KeySource, name, path string) (alert.ImportResult, error) {
	files, err := readPack(path)
	if err != nil {
		return alert.ImportResult{}, err
	}
	svc, err := OpenPlatform(ctx, dsn, PlatformConfig{AuditKey: key})
	if err != nil {
		return alert.ImportResult{}, err
	}
	defer svc.DB.Close()
	actor := access.System
	actor.Username = "cli"
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(filepath.Clean(path)), filepath.Ext(path))
	}
	return svc.Alert.ImportPack(ctx, actor, name, filepath.Base(path), files)
}

func readPack(path string) ([]alert.File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return alert.ReadDir(path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return alert.ReadUpload(filepath.Base(path), data)
}
