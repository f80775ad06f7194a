// Command khien is Khiên's single binary: web UI, API, workers and tools.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/khien-project/khien/internal/cli"
)

func main() { os.Exit(run()) }

// run runs the command; with KHIEN_CPUPROFILE set to a file name it
// writes a CPU profile of the whole run there (for the load runs of
// docs/benchmarks.md), closed when the command ends.
func run() int {
	if path := os.Getenv("KHIEN_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "khien: KHIEN_CPUPROFILE:", err)
			return 1
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "khien: KHIEN_CPUPROFILE:", err)
			return 1
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	return cli.Run(os.Args[1:], os.Stdout, os.Stderr)
}
