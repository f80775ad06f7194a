// Command testreport reads `go test -json` on its standard input and prints
// what a person needs from the run: each package's result, the output of
// every test that failed, and at the end the tests that were skipped
// ("skipped: none" when there were none). It exits 1 when anything failed,
// so that scripts/test.sh can pipe the whole suite through it.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// event is one line of `go test -json` (test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// report is what a run said, as it goes.
type report struct {
	out     io.Writer
	logs    map[string][]string // package + test → output lines
	skipped []string
	failed  bool
}

func main() {
	r := &report{out: os.Stdout, logs: map[string][]string{}}
	if err := r.read(os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(2)
	}
	r.summary()
	if r.failed {
		os.Exit(1)
	}
}

func (r *report) read(in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			fmt.Fprintln(r.out, string(line)) // not JSON: a message of go test itself
			continue
		}
		r.add(e)
	}
	return sc.Err()
}

func (r *report) add(e event) {
	key := e.Package + " " + e.Test
	switch e.Action {
	case "output":
		if e.Test == "" {
			// Package lines: "ok", "FAIL", "?", panics before any test.
			if s := strings.TrimRight(e.Output, "\n"); s != "" && !strings.HasPrefix(s, "=== ") && !strings.HasPrefix(s, "PASS") {
				fmt.Fprintln(r.out, s)
			}
			return
		}
		r.logs[key] = append(r.logs[key], e.Output)
	case "build-output":
		fmt.Fprint(r.out, e.Output)
	case "build-fail":
		r.failed = true
	case "fail":
		r.failed = true
		if e.Test != "" {
			fmt.Fprintf(r.out, "--- FAIL: %s (%s)\n%s", e.Test, e.Package, strings.Join(r.logs[key], ""))
		} else {
			r.unfinished(e.Package)
		}
		delete(r.logs, key)
	case "skip":
		if e.Test != "" {
			reason := ""
			for _, l := range r.logs[key] {
				if s := strings.TrimSpace(l); s != "" && !strings.HasPrefix(s, "=== ") && !strings.HasPrefix(s, "--- SKIP") {
					reason = s
				}
			}
			r.skipped = append(r.skipped, fmt.Sprintf("%s %s: %s", e.Package, e.Test, reason))
		}
		delete(r.logs, key)
	case "pass":
		delete(r.logs, key)
	}
}

// unfinished prints the tests of a failed package that neither passed nor
// failed (a timeout stops the package while they run), with the end of
// their output: the timeout's goroutine dump names where each one waits.
func (r *report) unfinished(pkg string) {
	var keys []string
	for k := range r.logs {
		if strings.HasPrefix(k, pkg+" ") && k != pkg+" " {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		lines := r.logs[k]
		if len(lines) > 80 {
			lines = lines[len(lines)-80:]
		}
		fmt.Fprintf(r.out, "--- UNFINISHED: %s (%s)\n%s", strings.TrimPrefix(k, pkg+" "), pkg, strings.Join(lines, ""))
		delete(r.logs, k)
	}
}

func (r *report) summary() {
	if len(r.skipped) == 0 {
		fmt.Fprintln(r.out, "skipped: none")
		return
	}
	sort.Strings(r.skipped)
	fmt.Fprintf(r.out, "skipped: %d\n", len(r.skipped))
	for _, s := range r.skipped {
		fmt.Fprintln(r.out, "  "+s)
	}
}
