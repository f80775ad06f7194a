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
