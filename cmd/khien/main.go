// Command khien is Khiên's single binary: web UI, API, workers and tools.
package main

import (
	"os"

	"github.com/khien-project/khien/internal/cli"
)

func main() { os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr)) }
