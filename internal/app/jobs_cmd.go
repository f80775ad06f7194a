package app

import (
	"context"
	"errors"

	"github.com/khien-project/khien/internal/platform/bus"
)

// OpenJobs connects to the job bus for `khien jobs`: the external NATS
// cluster at natsURL, or the embedded server's store in dataDir (which
// only one process may hold: stop serve first).
func OpenJobs(ctx context.Context, natsURL, dataDir string) (*bus.Bus, func(), error) {
	if natsURL == "" {
		release, err := LockData(dataDir)
		if err != nil {
			return nil, nil, errors.Join(err, errors.New("the embedded bus is in use: stop `khien serve` first, or give --nats"))
		}
		b, err := bus.Open(ctx, bus.Options{DataDir: dataDir, Name: "khien-jobs"})
		if err != nil {
			release()
			return nil, nil, err
		}
		return b, func() { b.Close(); release() }, nil
	}
	b, err := bus.Open(ctx, bus.Options{URL: natsURL, Name: "khien-jobs"})
	if err != nil {
		return nil, nil, err
	}
	return b, b.Close, nil
}
