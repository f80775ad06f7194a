package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/khien-project/khien/internal/feature/auth"
	"github.com/khien-project/khien/internal/feature/ingest"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
)

// SchemaVersion is the database schema this binary writes.
func SchemaVersion() int { return store.LatestVersion(store.SQLite) }

// DatabaseSchema is what `khien version --db` tells about a database.
type DatabaseSchema struct {
	Engine  store.Engine
	Schema  store.Schema
	Verdict store.Verdict
	// Refused says why this binary may not start on the database as it
	// stands (nil when it may).
	Refused error
}

// ReadDatabaseSchema reads the schema of the database at dsn without
// changing it; a SQLite file that does not exist is an error, not created.
func ReadDatabaseSchema(ctx context.Context, dsn string) (DatabaseSchema, error) {
	if !store.IsPostgresURL(dsn) {
		if _, err := os.Stat(dsn); err != nil {
			return DatabaseSchema{}, fmt.Errorf("no database at %s: %w", dsn, err)
		}
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return DatabaseSchema{}, err
	}
	defer db.Close()
	s, v, err := db.CheckSchema(ctx)
	var se *store.SchemaError
	var ce *store.ChecksumError
	if err != nil && !errors.As(err, &se) && !errors.As(err, &ce) {
		return DatabaseSchema{}, err
	}
	return DatabaseSchema{Engine: db.Engine, Schema: s, Verdict: v, Refused: err}, nil
}

// Migrate applies pending migrations and returns how many ran and the
// resulting schema version.
func Migrate(ctx context.Context, dsn string) (int, int, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		return n, 0, err
	}
	v, err := db.SchemaVersion(ctx)
	return n, v, err
}

// Backup snapshots the SQLite database at dsn into out.
func Backup(ctx context.Context, dsn, out string) error {
	if store.IsPostgresURL(dsn) {
		return errors.New("PostgreSQL is backed up with pg_dump: pg_dump --format=custom --file=khien.dump \"$KHIEN_DB\" (see docs/operations.md)")
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Backup(ctx, out)
}

// Restore replaces the SQLite database with the snapshot src; the data
// folder must not be in use.
func Restore(ctx context.Context, dataDir, dsn, src string) (int, error) {
	if store.IsPostgresURL(dsn) {
		return 0, errors.New("PostgreSQL is restored with pg_restore (see docs/operations.md)")
	}
	release, err := LockData(dataDir)
	if err != nil {
		return 0, fmt.Errorf("stop khien serve before restoring: %w", err)
	}
	defer release()
	v, err := store.CheckSQLiteFile(ctx, src)
	if err != nil {
		return 0, err
	}
	return v, store.RestoreSQLiteFile(ctx, src, dsn)
}

// CreateToken makes an API token for the named user, as the operator
// (recorded in the audit log keyed with the key key names).
func CreateToken(ctx context.Context, dsn string, key audit.KeySource, username, label string) (string, error) {
	svc, err := OpenPlatform(ctx, dsn, PlatformConfig{AuditKey: key})
	if err != nil {
		return "", err
	}
	defer svc.DB.Close()
	u, err := svc.Auth.UserByName(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("no user named %q", username)
	}
	if err != nil {
		return "", err
	}
	actor := access.System
	actor.Username = "cli"
	t, err := svc.Auth.CreateToken(ctx, actor, u.ID, label)
	if err != nil {
		return "", err
	}
	return t.Secret, nil
}

// CreateIngestToken makes an ingest token as the operator ("cli" in the
// audit log) and returns it with its secret.
func CreateIngestToken(ctx context.Context, dsn string, key audit.KeySource, in ingest.TokenInput) (ingest.NewToken, error) {
	svc, err := OpenPlatform(ctx, dsn, PlatformConfig{AuditKey: key})
	if err != nil {
		return ingest.NewToken{}, err
	}
	defer svc.DB.Close()
	actor := access.System
	actor.Username = "cli"
	return svc.Ingest.CreateToken(ctx, actor, in)
}

// ResetPassword sets a new password for the named user as the operator
// ("cli" in the audit log): password, or a random one when it is empty.
// The user's sessions and API tokens end. It returns the password set.
func ResetPassword(ctx context.Context, dsn string, key audit.KeySource, username, password string) (string, error) {
	svc, err := OpenPlatform(ctx, dsn, PlatformConfig{AuditKey: key})
	if err != nil {
		return "", err
	}
	defer svc.DB.Close()
	if password == "" {
		password = auth.RandomPassword(20)
	}
	actor := access.System
	actor.Username = "cli"
	_, err = svc.Auth.ResetPassword(ctx, actor, username, password)
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("no user named %q", username)
	}
	if err != nil {
		return "", err
	}
	return password, nil
}

// VerifyAudit checks the audit chain with the key key names, against the
// anchors in the database and those in the files anchors (a file that does
// not exist is an error). The database must be at exactly this binary's
// schema: an older one may lack the anchors, a newer one may hash entries
// in a way this binary does not know.
func VerifyAudit(ctx context.Context, dsn string, key audit.KeySource, anchors []string) (audit.Report, error) {
	var given []audit.Anchor
	for _, f := range anchors {
		as, err := audit.ReadAnchors(f)
		if err != nil {
			return audit.Report{}, fmt.Errorf("audit verify: %w", err)
		}
		given = append(given, as...)
	}
	log, closeDB, err := openAuditAt(ctx, dsn, key, "audit verify")
	if err != nil {
		return audit.Report{}, err
	}
	defer closeDB()
	return log.Check(ctx, given)
}

// AuditHead is the anchor of the audit log as it stands (ok false: the
// log is empty), for `khien audit anchors export`.
func AuditHead(ctx context.Context, dsn string, key audit.KeySource) (audit.Anchor, bool, error) {
	log, closeDB, err := openAuditAt(ctx, dsn, key, "audit anchors export")
	if err != nil {
		return audit.Anchor{}, false, err
	}
	defer closeDB()
	return log.Head(ctx)
}

// openAuditAt opens the audit log of the database at dsn, which must be
// at this binary's schema, with the key key names (never created here).
func openAuditAt(ctx context.Context, dsn string, key audit.KeySource, what string) (*audit.Log, func(), error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	s, v, err := db.CheckSchema(ctx)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	if v != store.Current {
		db.Close()
		return nil, nil, fmt.Errorf("%s: the database is at schema %d, this khien is at schema %d: verify with the khien built for the database's schema", what, s.Version, SchemaVersion())
	}
	key.Create, key.Optional = false, true
	k, err := audit.LoadKey(ctx, db, key)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	if k.IsZero() { // a log not keyed yet, and no key: the unkeyed chain is checked
		return audit.New(db), func() { db.Close() }, nil
	}
	return audit.NewKeyed(db, k), func() { db.Close() }, nil
}

// PublishAnchor exports the audit log's head: one structured log line
// and one line appended to file ("": the log line only). An empty log has
// nothing to anchor.
func PublishAnchor(ctx context.Context, log *audit.Log, file string) error {
	a, ok, err := log.Head(ctx)
	if err != nil || !ok {
		return err
	}
	slog.Info(audit.AnchorMessage, "entry_id", a.EntryID, "entries", a.Entries, "hash", a.Hash, "at", a.At, "key_id", a.KeyID)
	if file == "" {
		return nil
	}
	return audit.AppendAnchor(file, a)
}

// Demo fills an empty data folder with the demo province and prints how
// to log in; key names the audit key (created if the log has none).
func Demo(ctx context.Context, dataDir, dsn string, key audit.KeySource, adminPassword string, out io.Writer) error {
	release, err := LockData(dataDir)
	if err != nil {
		return err
	}
	defer release()
	svc, err := OpenPlatform(ctx, dsn, PlatformConfig{AuditKey: key})
	if err != nil {
		return err
	}
	defer svc.DB.Close()
	if err := firstStart(ctx, svc, ServeConfig{AdminPassword: adminPassword, Out: out}); err != nil {
		return err
	}
	res, err := fillDemo(ctx, svc)
	if err != nil {
		return err
	}
	PrintDemo(NewBanner(out, "text"), res)
	return nil
}
