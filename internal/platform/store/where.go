package store

import (
	"strconv"
	"strings"
	"time"
)

// Where builds the WHERE clause of a query from conditions written with
// '?' for each argument; it numbers them $1, $2, … as both engines expect.
type Where struct {
	conds []string
	args  []any
}

// Add appends a condition and its arguments, one per '?' in cond.
func (w *Where) Add(cond string, args ...any) {
	var b strings.Builder
	i := 0
	for _, part := range strings.SplitAfter(cond, "?") {
		if strings.HasSuffix(part, "?") && i < len(args) {
			b.WriteString(part[:len(part)-1])
			b.WriteString("$" + strconv.Itoa(len(w.args)+i+1))
			i++
			continue
		}
		b.WriteString(part)
	}
	w.conds = append(w.conds, b.String())
	w.args = append(w.args, args...)
}

// Cond appends a condition returned with its argument list, as
// access.Actor.PathFilter returns it: w.Cond(actor.PathFilter(col)).
func (w *Where) Cond(cond string, args []any) { w.Add(cond, args...) }

// Between keeps the rows whose time column col is at or after from and
// before to (a stored time, FormatTime); a zero bound leaves that side
// open.
func (w *Where) Between(col string, from, to time.Time) {
	if !from.IsZero() {
		w.Add(col+" >= ?", FormatTime(from))
	}
	if !to.IsZero() {
		w.Add(col+" < ?", FormatTime(to))
	}
}

// In adds the condition that col is one of vals (at least one).
func In[T any](w *Where, col string, vals []T) {
	marks := strings.Repeat("?, ", len(vals))
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	w.Add(col+" IN ("+marks[:len(marks)-2]+")", args...)
}

// Before gives the arguments of placeholders that come before the WHERE
// clause ($1… in a SET list); the conditions' numbers follow them. Call it
// first.
func (w *Where) Before(args ...any) { w.args = append(w.args, args...) }

// SQL is the conjunction of the conditions ("1=1" when there are none).
func (w *Where) SQL() string {
	if len(w.conds) == 0 {
		return "1=1"
	}
	return strings.Join(w.conds, " AND ")
}

// Args are the arguments in placeholder order.
func (w *Where) Args() []any { return w.args }

// Next is the number of the next placeholder after the conditions'.
func (w *Where) Next() int { return len(w.args) + 1 }

// LikeContains turns a search term into a LIKE pattern matching it
// anywhere, with LIKE's own wildcards escaped (use with ESCAPE '\').
func LikeContains(term string) string {
	var b []byte
	b = append(b, '%')
	for i := 0; i < len(term); i++ {
		c := term[i]
		if c == '%' || c == '_' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	return string(append(b, '%'))
}
