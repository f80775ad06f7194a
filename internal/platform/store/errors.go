package store

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Error kinds shared by every feature package. One place (the web layer)
// maps them to HTTP status codes and user-facing messages.
var (
	ErrNotFound  = errors.New("not found")
	ErrConflict  = errors.New("conflict")
	ErrForbidden = errors.New("forbidden")
	ErrInvalid   = errors.New("invalid input")
)

// violation is the kind of integrity constraint a failed statement broke.
type violation int

const (
	noViolation violation = iota
	uniqueViolation
	foreignKeyViolation
	checkViolation
	notNullViolation
)

// PostgreSQL SQLSTATE codes of the integrity-constraint class (23).
const (
	pgNotNullViolation    = "23502"
	pgForeignKeyViolation = "23503"
	pgUniqueViolation     = "23505"
	pgCheckViolation      = "23514"
)

// violationOf classifies err, wrapped or not, by the driver's error code:
// the SQLSTATE on PostgreSQL, the extended result code on SQLite (the
// modernc driver turns extended result codes on for every connection). The
// message text is never looked at.
func violationOf(err error) violation {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		switch pgErr.Code {
		case pgUniqueViolation:
			return uniqueViolation
		case pgForeignKeyViolation:
			return foreignKeyViolation
		case pgCheckViolation:
			return checkViolation
		case pgNotNullViolation:
			return notNullViolation
		}
		return noViolation
	}
	if liteErr, ok := errors.AsType[*sqlite.Error](err); ok {
		switch liteErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return uniqueViolation
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return foreignKeyViolation
		case sqlite3.SQLITE_CONSTRAINT_CHECK:
			return checkViolation
		case sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return notNullViolation
		}
	}
	return noViolation
}

// IsUniqueViolation reports whether err comes from a statement that broke a
// unique or primary-key constraint, on either engine.
func IsUniqueViolation(err error) bool { return violationOf(err) == uniqueViolation }

// IsForeignKeyViolation reports whether err comes from a statement that broke
// a foreign-key constraint, on either engine.
func IsForeignKeyViolation(err error) bool { return violationOf(err) == foreignKeyViolation }

// IsCheckViolation reports whether err comes from a statement that broke a
// CHECK constraint, on either engine.
func IsCheckViolation(err error) bool { return violationOf(err) == checkViolation }

// IsNotNullViolation reports whether err comes from a statement that wrote
// NULL into a NOT NULL column, on either engine.
func IsNotNullViolation(err error) bool { return violationOf(err) == notNullViolation }
