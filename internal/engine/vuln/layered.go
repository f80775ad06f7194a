package vuln

import "maps"

// layered is a map shared between generations of an index: a base that
// is never written once built, and this generation's changes over it.
// A new generation copies only the changes (few, for a feed update),
// not the hundreds of thousands of records under them; once the changes
// are a sizeable part of the base they are folded into a new base.
type layered[K comparable, V any] struct {
	base map[K]V
	top  map[K]slot[V] // a change: a new value, or (ok false) a removal
	n    int           // entries
}

type slot[V any] struct {
	v  V
	ok bool
}

// layer makes a layered map of m, which it keeps: m must not change
// afterwards.
func layer[K comparable, V any](m map[K]V) *layered[K, V] {
	if m == nil {
		m = map[K]V{}
	}
	return &layered[K, V]{base: m, n: len(m)}
}

func (l *layered[K, V]) get(k K) (V, bool) {
	if s, ok := l.top[k]; ok {
		return s.v, s.ok
	}
	v, ok := l.base[k]
	return v, ok
}

// at is get without the presence flag (the zero value when absent).
func (l *layered[K, V]) at(k K) V {
	v, _ := l.get(k)
	return v
}

func (l *layered[K, V]) len() int { return l.n }

// next returns a generation of l to change; l stays as it is.
func (l *layered[K, V]) next() *layered[K, V] {
	return &layered[K, V]{base: l.base, top: maps.Clone(l.top), n: l.n}
}

func (l *layered[K, V]) set(k K, v V) {
	if _, had := l.get(k); !had {
		l.n++
	}
	if l.top == nil {
		l.top = map[K]slot[V]{}
	}
	l.top[k] = slot[V]{v, true}
}

func (l *layered[K, V]) del(k K) {
	if _, had := l.get(k); !had {
		return
	}
	l.n--
	if _, inBase := l.base[k]; !inBase {
		delete(l.top, k)
		return
	}
	if l.top == nil {
		l.top = map[K]slot[V]{}
	}
	l.top[k] = slot[V]{}
}

// settle folds the changes into a new base once they are more than a
// sixteenth of it (so that a generation never copies more than that).
func (l *layered[K, V]) settle() {
	if len(l.top) <= 64 || len(l.top)*16 <= len(l.base) {
		return
	}
	b := maps.Clone(l.base)
	for k, s := range l.top {
		if s.ok {
			b[k] = s.v
		} else {
			delete(b, k)
		}
	}
	l.base, l.top = b, nil
}

// each calls fn with every entry, in no order.
func (l *layered[K, V]) each(fn func(K, V)) {
	for k, v := range l.base {
		if _, changed := l.top[k]; !changed {
			fn(k, v)
		}
	}
	for k, s := range l.top {
		if s.ok {
			fn(k, s.v)
		}
	}
}
