package e2e

// The binary under test is built from every package; importing the command
// line here makes Go's test cache notice changes anywhere in it.
import _ "github.com/khien-project/khien/internal/cli"
