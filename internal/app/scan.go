package app

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/khien-project/khien/internal/webscan"
)

// ScanHAR assesses the site captured in an HTTP Archive file, offline.
func ScanHAR(path string) (webscan.Report, error) {
	started := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return webscan.Report{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, webscan.MaxHARBytes+1))
	if err != nil {
		return webscan.Report{}, fmt.Errorf("read %s: %w", path, err)
	}
	ex, err := webscan.ExchangeFromHAR(data)
	if err != nil {
		return webscan.Report{}, fmt.Errorf("%s: %w", path, err)
	}
	return webscan.AssessExchange(ex, started), nil
}
