package app

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/platform/valid"
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

// ScanOptions are the command line's scan settings.
type ScanOptions struct {
	Timeout      time.Duration
	CAFile       string
	DNSServer    string
	AllowPrivate bool
}

// ScanURL assesses a live site.
func ScanURL(ctx context.Context, target string, o ScanOptions) (webscan.Report, error) {
	var errs valid.Errors
	target = valid.WithScheme(target)
	if o.AllowPrivate {
		target = errs.IntranetURL("url", target)
	} else {
		target = errs.URL("url", target)
	}
	if err := errs.Err(); err != nil {
		return webscan.Report{}, err
	}
	opts := webscan.Options{Timeout: o.Timeout, AllowPrivate: o.AllowPrivate, DNSServer: o.DNSServer}
	if o.CAFile != "" {
		pool, err := loadCAs(o.CAFile)
		if err != nil {
			return webscan.Report{}, err
		}
		opts.RootCAs = pool
	}
	return webscan.Assess(ctx, target, opts)
}

// loadCAs is the system's roots plus the certificates in a PEM file.
func loadCAs(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", file)
	}
	return pool, nil
}
