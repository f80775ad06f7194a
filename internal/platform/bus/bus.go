// Package bus connects Khiên to NATS JetStream, embedded in the process or
// an external cluster, sets up its streams and offers a small job queue:
// enqueue, a durable shared consumer, acknowledgement, retry with back-off
// and a dead-letter stream after the last attempt.
package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Stream and subject names.
const (
	JobsStream  = "KHIEN_JOBS"
	DeadStream  = "KHIEN_DEAD"
	jobsSubject = "khien.jobs."
	deadSubject = "khien.dead."
)

// Options says where the bus is.
type Options struct {
	// URL of an external NATS server or cluster (nats://…); empty starts an
	// embedded server storing in DataDir.
	URL     string
	DataDir string
	// Name identifies this connection in the server's monitoring.
	Name string
}

// Bus is a live connection to JetStream.
type Bus struct {
	srv *server.Server
	nc  *nats.Conn
	js  jetstream.JetStream
}

// Open starts the embedded server (when opts.URL is empty) or connects to
// the external one, and makes sure Khiên's streams exist.
func Open(ctx context.Context, opts Options) (*Bus, error) {
	b := &Bus{}
	natsOpts := []nats.Option{nats.Name(opts.Name), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second)}
	url := opts.URL
	if url == "" {
		srv, err := server.NewServer(&server.Options{
			ServerName: "khien-embedded",
			JetStream:  true,
			StoreDir:   filepath.Join(opts.DataDir, "nats"),
			DontListen: true,
			NoSigs:     true,
			NoLog:      true,
		})
		if err != nil {
			return nil, fmt.Errorf("bus: embedded server: %w", err)
		}
		srv.Start()
		if !srv.ReadyForConnections(10 * time.Second) {
			srv.Shutdown()
			return nil, errors.New("bus: embedded server did not start within 10s")
		}
		b.srv = srv
		natsOpts = append(natsOpts, nats.InProcessServer(srv))
	}
	nc, err := nats.Connect(url, natsOpts...)
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("bus: connect %s: %w", displayURL(url), err)
	}
	b.nc = nc
	if b.js, err = jetstream.New(nc); err != nil {
		b.Close()
		return nil, fmt.Errorf("bus: jetstream: %w", err)
	}
	if err := b.setup(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

func displayURL(u string) string {
	if u == "" {
		return "embedded server"
	}
	return u
}

func (b *Bus) setup(ctx context.Context) error {
	_, err := b.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        JobsStream,
		Description: "Khiên background jobs (work queue)",
		Subjects:    []string{jobsSubject + ">"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Duplicates:  10 * time.Minute,
		MaxMsgSize:  8 << 20,
	})
	if err != nil {
		return fmt.Errorf("bus: stream %s: %w", JobsStream, err)
	}
	_, err = b.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        DeadStream,
		Description: "Khiên jobs that failed every attempt",
		Subjects:    []string{deadSubject + ">"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		MaxAge:      30 * 24 * time.Hour,
	})
	if err != nil {
		return fmt.Errorf("bus: stream %s: %w", DeadStream, err)
	}
	return nil
}

// Ready reports whether the connection is up.
func (b *Bus) Ready() error {
	if b == nil || b.nc == nil {
		return errors.New("bus: not connected")
	}
	if s := b.nc.Status(); s != nats.CONNECTED {
		return fmt.Errorf("bus: connection is %s", s)
	}
	return nil
}

// Conn is the underlying NATS connection (for publishers of events).
func (b *Bus) Conn() *nats.Conn { return b.nc }

// JetStream is the JetStream context.
func (b *Bus) JetStream() jetstream.JetStream { return b.js }

// Close drains the connection (letting in-flight acknowledgements out) and
// stops the embedded server.
func (b *Bus) Close() {
	if b.nc != nil {
		if err := b.nc.Drain(); err != nil {
			slog.Warn("bus drain", "err", err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for !b.nc.IsClosed() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		b.nc.Close()
	}
	if b.srv != nil {
		b.srv.Shutdown()
		b.srv.WaitForShutdown()
	}
}
