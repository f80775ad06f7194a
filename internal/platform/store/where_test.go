package store

import (
	"reflect"
	"testing"
)

func TestWhereNumbersPlaceholders(t *testing.T) {
	var w Where
	if w.SQL() != "1=1" || w.Next() != 1 {
		t.Fatalf("empty: %q %d", w.SQL(), w.Next())
	}
	w.Before("set-value")
	w.Add("a = ? AND b LIKE ? ESCAPE '\\'", 1, "x%")
	w.Add("1=1")
	w.Cond("c >= ? AND c < ?", []any{"/1/", "/10"})
	if got, want := w.SQL(), `a = $2 AND b LIKE $3 ESCAPE '\' AND 1=1 AND c >= $4 AND c < $5`; got != want {
		t.Errorf("SQL %q, want %q", got, want)
	}
	if !reflect.DeepEqual(w.Args(), []any{"set-value", 1, "x%", "/1/", "/10"}) || w.Next() != 6 {
		t.Errorf("args %v next %d", w.Args(), w.Next())
	}
}

// TestInAndValues: In numbers its placeholders after the conditions
// before it; Values numbers rows after rows for PostgreSQL and writes a
// plain "?" for SQLite.
func TestInAndValues(t *testing.T) {
	var w Where
	w.Add("a = ?", 1)
	In(&w, "b", []string{"x", "y", "z"})
	if got := w.SQL(); got != "a = $1 AND b IN ($2, $3, $4)" || len(w.Args()) != 4 || w.Args()[3] != "z" {
		t.Fatalf("%q %v", got, w.Args())
	}
	if got := Postgres.Values(2, 3); got != "($1, $2, $3), ($4, $5, $6)" {
		t.Fatalf("postgres: %q", got)
	}
	if got := SQLite.Values(2, 2); got != "(?, ?), (?, ?)" {
		t.Fatalf("sqlite: %q", got)
	}
}
