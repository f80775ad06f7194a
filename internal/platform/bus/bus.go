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
	// Replicas is how many copies of each stream the cluster keeps: 0
	// chooses (3 when the server is part of a cluster, else 1); an
	// existing stream is raised to it, never lowered by the automatic
	// choice.
	Replicas int
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
	if err := b.setup(ctx, opts.Replicas); err != nil {
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

// streams are Khiên's streams as configured, replicas aside.
func streams() []jetstream.StreamConfig {
	return []jetstream.StreamConfig{{
		Name:        JobsStream,
		Description: "Khiên background jobs (work queue)",
		Subjects:    []string{jobsSubject + ">"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Duplicates:  10 * time.Minute,
		MaxMsgSize:  8 << 20,
	}, {
		Name:        DeadStream,
		Description: "Khiên jobs that failed every attempt",
		Subjects:    []string{deadSubject + ">"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		MaxAge:      30 * 24 * time.Hour,
	}}
}

// setup creates or updates the streams to their configuration. replicas 0
// is the automatic choice: 3 on a cluster, 1 otherwise, and never fewer
// than an existing stream already has (an operator raised it by hand).
func (b *Bus) setup(ctx context.Context, replicas int) error {
	auto := replicas == 0
	if auto {
		replicas = 1
		if b.srv == nil && b.nc.ConnectedClusterName() != "" {
			replicas = 3
		}
	}
	for _, cfg := range streams() {
		cfg.Replicas = replicas
		if auto {
			if s, err := b.js.Stream(ctx, cfg.Name); err == nil {
				if info, err := s.Info(ctx); err == nil && info.Config.Replicas > cfg.Replicas {
					cfg.Replicas = info.Config.Replicas
				}
			}
		}
		if _, err := b.js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("bus: stream %s (%d replicas): %w", cfg.Name, cfg.Replicas, err)
		}
	}
	return nil
}

// StreamsReady checks that every stream answers and, on a cluster, has a
// leader: a connection alone does not mean jobs can be queued.
func (b *Bus) StreamsReady(ctx context.Context) error {
	if err := b.Ready(); err != nil {
		return err
	}
	for _, cfg := range streams() {
		s, err := b.js.Stream(ctx, cfg.Name)
		if err != nil {
			return fmt.Errorf("bus: stream %s: %w", cfg.Name, err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			return fmt.Errorf("bus: stream %s: %w", cfg.Name, err)
		}
		if info.Cluster != nil && info.Cluster.Leader == "" {
			return fmt.Errorf("bus: stream %s has no leader", cfg.Name)
		}
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
