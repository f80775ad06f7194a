package detect

import (
	"math/rand"
	"strings"
	"testing"
)

// TestLowerASCII: the eight-bytes-at-a-time folding equals
// strings.ToLower on ASCII texts of every length and every byte, and
// refuses the others.
func TestLowerASCII(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	for round := 0; round < 20000; round++ {
		b := make([]byte, r.Intn(40))
		for i := range b {
			b[i] = byte(r.Intn(128))
		}
		ascii := r.Intn(5) > 0 || len(b) == 0
		if !ascii && len(b) > 0 {
			b[r.Intn(len(b))] = byte(128 + r.Intn(128))
		}
		s := string(b)
		dst := make([]byte, len(s))
		n, ok := lowerASCII(dst, s)
		if ok != ascii || (ok && string(dst[:n]) != strings.ToLower(s)) {
			t.Fatalf("%q: %q %v, want %q %v", s, dst[:n], ok, strings.ToLower(s), ascii)
		}
	}
}

// TestFoldReuse: an event reused through Reset folds each event's values
// anew, and folding more values later leaves the earlier ones intact.
func TestFoldReuse(t *testing.T) {
	ev := NewEvent(nil)
	for round, m := range []map[string]any{
		{"A": "HeLLo WORLD, a longer value", "B": "ÄÖ Unicode"},
		{"A": "SECOND event", "C": "x"},
		{"A": "Third"},
	} {
		ev.Reset()
		ev.Fill(m)
		ev.foldValues(nil)
		first := map[string]string{}
		for _, f := range ev.fields {
			first[f.name] = f.vals[0].lower()
		}
		ev.Add("Later", "ADDED AFTER THE FIRST FOLD")
		ev.foldValues(nil)
		for _, f := range ev.fields {
			want := foldLower(f.vals[0].Text)
			if got := f.vals[0].lower(); got != want {
				t.Fatalf("round %d, %s: %q, want %q", round, f.name, got, want)
			}
			if w, ok := first[f.name]; ok && w != want {
				t.Fatalf("round %d, %s: folded %q before the second fold, want %q", round, f.name, w, want)
			}
		}
	}
}

// TestFoldNoAlloc: once a reused event's buffers have grown, refilling
// and folding it allocates nothing.
func TestFoldNoAlloc(t *testing.T) {
	m := map[string]any{"CommandLine": `"C:\Windows\System32\CMD.EXE" /c Echo HELLO`, "Image": `C:\Windows\System32\cmd.exe`, "User": `CORP\Lan`}
	ev := NewEvent(nil)
	allocs := testing.AllocsPerRun(100, func() {
		ev.Reset()
		ev.Fill(m)
		ev.foldValues(nil)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per reuse, want 0", allocs)
	}
}

// TestGetKey: looking a field up by its key id answers what looking it
// up by name answers, also when a field of the event has no id (then the
// name decides).
func TestGetKey(t *testing.T) {
	ev := NewEvent(map[string]any{"CommandLine": "a", "Image": "b", "Tags": []any{"x", "y"}, "Empty": []any{}})
	for _, unkeyed := range []bool{false, true} {
		if unkeyed { // as if the event's fields had been named once the ids ran out
			for i := range ev.fields {
				ev.fields[i].kid = -1
			}
			ev.unkeyed = true
		}
		for _, key := range []string{"commandline", "image", "tags", "empty", "missing", "parentimage"} {
			want, wantOK := ev.getLower(key)
			got, ok := ev.getKey(fieldKeyID(key), key)
			if ok != wantOK || len(got) != len(want) {
				t.Fatalf("unkeyed %v, %s: %v %v, want %v %v", unkeyed, key, got, ok, want, wantOK)
			}
		}
	}
}
