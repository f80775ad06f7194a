// Package need lets an integration test say what it needs from the machine
// (a program, a server, a file beside the repository). Without it the test
// is skipped, saying why; under KHIEN_TEST_REQUIRE=all (set by
// scripts/test.sh) a missing need fails the test instead, so that CI never
// passes by skipping.
package need

import (
	"fmt"
	"os"
	"testing"
)

// Env is the variable that turns skips into failures ("all").
const Env = "KHIEN_TEST_REQUIRE"

// Required reports whether every integration test must run.
func Required() bool { return os.Getenv(Env) == "all" }

// Skip skips t for the reason given, or fails it when everything is
// required.
func Skip(t testing.TB, format string, args ...any) {
	t.Helper()
	reason := fmt.Sprintf(format, args...)
	if Required() {
		t.Fatalf("required by %s=all but cannot run: %s", Env, reason)
	}
	t.Skip(reason)
}
