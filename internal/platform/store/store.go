// Package store opens Khiên's SQL database (SQLite or PostgreSQL), applies the
// numbered migrations and offers a nesting-safe transaction helper. Feature
// packages write their own plain SQL against the *DB returned here; the same
// query text runs on both engines ($N placeholders), and the few differences
// live in Dialect.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"             // SQLite driver "sqlite"
)

// Engine names a supported database engine.
type Engine string

// The engines Khiên runs on.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is an open Khiên database: a pool of readers and, on SQLite, a single
// writer connection so that writes never fight over the file lock.
type DB struct {
	Engine Engine
	read   *sql.DB
	write  *sql.DB
	dsn    string
	reads  *stmtCache
}

// Open connects to dsn: a postgres:// or postgresql:// URL selects
// PostgreSQL, anything else is a SQLite file path. It does not migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if dsn == "" {
		return nil, errors.New("store: empty database location")
	}
	if IsPostgresURL(dsn) {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, dsn)
}

// IsPostgresURL reports whether dsn selects PostgreSQL.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	pool.SetMaxOpenConns(32)
	pool.SetMaxIdleConns(32)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connect to postgres: %w", err)
	}
	return &DB{Engine: Postgres, read: pool, write: pool, dsn: dsn, reads: newStmtCache(pool)}, nil
}

func sqliteDSN(path string, readOnly bool) string {
	q := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	if readOnly {
		q = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=query_only(1)"
	}
	// A URI file name: '%', '?' and '#' in the path are escaped, or a data
	// folder named "a#1" would open "a".
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path) + "?" + q
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store: create folder for %s: %w", path, err)
		}
	}
	write, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("store: open sqlite readers %s: %w", path, err)
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	read.SetConnMaxIdleTime(0)
	return &DB{Engine: SQLite, read: read, write: write, dsn: path, reads: newStmtCache(read)}, nil
}

// Close closes every connection.
func (db *DB) Close() error {
	db.reads.close()
	if db.Engine == SQLite {
		// Let SQLite refresh its planner statistics where they have drifted.
		_, _ = db.write.Exec(`PRAGMA optimize`) // best effort on the way out
	}
	err := db.write.Close()
	if db.read != db.write {
		if rerr := db.read.Close(); err == nil {
			err = rerr
		}
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Reader is the pool for read-only queries.
func (db *DB) Reader() *sql.DB { return db.read }

// Writer is the connection pool for writes (one connection on SQLite).
func (db *DB) Writer() *sql.DB { return db.write }

// Location is the SQLite file path or the PostgreSQL URL.
func (db *DB) Location() string { return db.dsn }

// Querier is what both *sql.DB and *sql.Tx offer.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type txKey struct{}

// Tx is a running transaction, carried in the context by WithTx.
type Tx struct {
	*sql.Tx
	Engine Engine
	// afterCommit runs, in order, once the outermost transaction commits.
	afterCommit []func(context.Context)
}

// WithTx runs fn inside a write transaction. When ctx already carries one
// (a nested call), fn joins it and the outermost call commits. Any error or
// panic rolls everything back.
func (db *DB) WithTx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) (err error) {
	if tx, ok := ctx.Value(txKey{}).(*Tx); ok {
		return fn(ctx, tx)
	}
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	tx := &Tx{Tx: sqlTx, Engine: db.Engine}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback() // the panic is what matters
			panic(p)
		}
		if err != nil {
			if rerr := sqlTx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
				err = errors.Join(err, rerr)
			}
		}
	}()
	if err = fn(context.WithValue(ctx, txKey{}, tx), tx); err != nil {
		return err
	}
	if err = sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	for _, fn := range tx.afterCommit {
		fn(ctx)
	}
	return nil
}

// AfterCommit runs fn once the transaction ctx carries has committed (and
// never if it rolls back); without a transaction it runs fn at once. fn
// gets a context without the transaction.
func AfterCommit(ctx context.Context, fn func(context.Context)) {
	if tx, ok := ctx.Value(txKey{}).(*Tx); ok {
		tx.afterCommit = append(tx.afterCommit, fn)
		return
	}
	fn(ctx)
}

// InTx reports whether ctx carries a transaction.
func InTx(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{}).(*Tx)
	return ok
}

// Q returns the transaction carried by ctx, or the reader pool (through
// cached prepared statements).
func (db *DB) Q(ctx context.Context) Querier {
	if tx, ok := ctx.Value(txKey{}).(*Tx); ok {
		return tx
	}
	return db.reads
}

// Now is the time format every timestamp column holds: UTC, fixed width so
// that text order is time order on both engines.
func Now() string { return FormatTime(time.Now()) }

// TimeLayout is the layout of stored timestamps.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// Flag is how both engines store a boolean column: 1 or 0.
func Flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// FormatTime renders t for storage.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// ParseTime reads a stored timestamp; a malformed one gives the zero time.
// Every row read carries two, so the fixed layout is parsed by hand (five
// times faster than time.Parse).
func ParseTime(s string) time.Time {
	if len(s) != len(TimeLayout) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[26] != 'Z' {
		return slowParseTime(s)
	}
	num := func(from, to int) int {
		n := 0
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day, hour, min, sec, micro := num(0, 4), num(5, 7), num(8, 10), num(11, 13), num(14, 16), num(17, 19), num(20, 26)
	if year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 59 || micro < 0 {
		return slowParseTime(s)
	}
	t := time.Date(year, time.Month(month), day, hour, min, sec, micro*1000, time.UTC)
	if t.Day() != day { // 31 February and the like: let time.Parse refuse it
		return slowParseTime(s)
	}
	return t
}

func slowParseTime(s string) time.Time {
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Param is the placeholder of argument n (from 1) in a statement on
// engine e: "$n" on PostgreSQL, "?" on SQLite. SQLite takes "$n" for a
// name and looks each one up among the earlier ones, so a statement of
// thousands of arguments (many rows in one INSERT) would be prepared and
// bound in quadratic time; a "?" is simply the next argument, so the
// arguments must come in the order of their placeholders.
func (e Engine) Param(n int) string {
	if e == SQLite {
		return "?"
	}
	return "$" + strconv.Itoa(n)
}

// Values is the VALUES list of an INSERT of rows rows of cols columns,
// "(p, p), (p, p)", with the placeholders of engine e (see Param); the
// arguments go row after row.
func (e Engine) Values(rows, cols int) string {
	var b strings.Builder
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := 1; c <= cols; c++ {
			if c > 1 {
				b.WriteString(", ")
			}
			b.WriteString(e.Param(r*cols + c))
		}
		b.WriteByte(')')
	}
	return b.String()
}

// Placeholders returns "$from, $from+1, ..." for n arguments.
func Placeholders(from, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}
