package ingest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
)

// Config says which receivers run and how.
type Config struct {
	// Listen addresses (host:port); empty: that receiver is off.
	SyslogUDP, SyslogTCP, SyslogTLS string
	// TLSCert and TLSKey are PEM files for SyslogTLS.
	TLSCert, TLSKey string
	// TLSClientCA is a PEM file of the CA certificates that sign syslog
	// senders' client certificates. Set, the TLS receiver requires a
	// client certificate from every sender and verifies it (mutual TLS);
	// a certificate whose subject CN is an agency's code binds the
	// connection's events to that agency (certagency.go).
	TLSClientCA string
	// HTTP serves the Elasticsearch-compatible API at its root and POST
	// /api/v1/ingest, for shippers configured with a host only.
	HTTP string
	// MaxMessage bounds one syslog message or JSON document (bytes).
	MaxMessage int
	// MaxBody bounds one HTTP request body (bytes).
	MaxBody int64
	// DefaultSystem takes syslog senders no registry system lists (0:
	// none: they are unknown senders).
	DefaultSystem int64
	// RefuseUnknown drops unknown senders' events (counted) instead of
	// keeping them unassigned.
	RefuseUnknown bool
	// Location is the zone of RFC 3164 times (nil: the machine's).
	Location *time.Location
	// BatchSize and FlushEvery bound a batch before it is published
	// (defaults 500 events and 100 ms).
	BatchSize  int
	FlushEvery time.Duration
}

func (c Config) withDefaults() Config {
	if c.MaxMessage <= 0 {
		c.MaxMessage = 64 << 10
	}
	if c.MaxBody <= 0 {
		c.MaxBody = 16 << 20
	}
	if c.Location == nil {
		c.Location = time.Local
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 500
	}
	if c.FlushEvery <= 0 {
		c.FlushEvery = 100 * time.Millisecond
	}
	return c
}

// Service is the receivers and the ingest tokens.
type Service struct {
	db      *store.DB
	audit   *audit.Log
	m       *metrics
	tokens  tokenCache
	senders *senderBook

	mu  sync.Mutex
	cfg Config
	js  jetstream.JetStream // nil until Start
}

// New returns the service; it follows the registry's changes of systems
// to keep the sender address book fresh.
func New(db *store.DB, log *audit.Log, bus *events.Bus) *Service {
	s := &Service{db: db, audit: log, m: newMetrics(), senders: &senderBook{seen: map[string]*Sender{}}, cfg: Config{}.withDefaults()}
	if bus != nil {
		events.Subscribe(bus, "ingest-senders", events.Inline, func(context.Context, events.SystemsChanged) error {
			s.markStale()
			return nil
		})
	}
	return s
}

// stream returns the stream to publish on and the configuration in force.
func (s *Service) stream() (jetstream.JetStream, Config) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.js, s.cfg
}

// Receivers are the running listeners; Stop closes them and waits for
// their connections to hand in what they hold.
type Receivers struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closer []func()
	// Addrs are the bound addresses by receiver (useful with port 0).
	Addrs map[string]string
}

// Stop closes every listener and connection and waits for them.
func (r *Receivers) Stop() {
	r.cancel()
	for _, c := range r.closer {
		c()
	}
	r.wg.Wait()
}

// Start binds the configured receivers and serves them until Stop (or
// ctx's end). The log stream must be set up (logstream.Setup) before.
func (s *Service) Start(ctx context.Context, js jetstream.JetStream, cfg Config) (*Receivers, error) {
	cfg = cfg.withDefaults()
	if cfg.DefaultSystem != 0 {
		t, err := s.systemTarget(ctx, cfg.DefaultSystem)
		if err != nil {
			return nil, err
		}
		s.senders.mu.Lock()
		s.senders.deflt, s.senders.hasDflt = t, true
		s.senders.mu.Unlock()
	}
	if err := s.refreshSenders(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.js, s.cfg = js, cfg
	s.mu.Unlock()
	rctx, cancel := context.WithCancel(ctx)
	r := &Receivers{cancel: cancel, Addrs: map[string]string{}}
	r.wg.Add(1)
	go func() { defer r.wg.Done(); s.keepSendersFresh(rctx) }()
	if err := s.listen(rctx, r, cfg); err != nil {
		r.Stop()
		return nil, err
	}
	return r, nil
}

// listen binds each configured receiver.
func (s *Service) listen(ctx context.Context, r *Receivers, cfg Config) error {
	if cfg.SyslogUDP != "" {
		pc, err := net.ListenPacket("udp", cfg.SyslogUDP)
		if err != nil {
			return fmt.Errorf("ingest: syslog UDP on %s: %w", cfg.SyslogUDP, err)
		}
		r.Addrs[logstream.ReceiverSyslogUDP] = pc.LocalAddr().String()
		r.closer = append(r.closer, func() { pc.Close() })
		r.wg.Add(1)
		go func() { defer r.wg.Done(); s.serveUDP(ctx, pc) }()
		slog.Info("ingest: syslog over UDP", "addr", pc.LocalAddr().String())
	}
	streams := []struct{ addr, receiver string }{{cfg.SyslogTCP, logstream.ReceiverSyslogTCP}, {cfg.SyslogTLS, logstream.ReceiverSyslogTLS}}
	for _, l := range streams {
		if l.addr == "" {
			continue
		}
		ln, err := net.Listen("tcp", l.addr)
		if err != nil {
			return fmt.Errorf("ingest: %s on %s: %w", l.receiver, l.addr, err)
		}
		if l.receiver == logstream.ReceiverSyslogTLS {
			tc, err := syslogTLS(cfg)
			if err != nil {
				ln.Close()
				return err
			}
			ln = tls.NewListener(ln, tc)
		}
		r.Addrs[l.receiver] = ln.Addr().String()
		conns := &connSet{m: map[net.Conn]struct{}{}}
		r.closer = append(r.closer, func() { ln.Close(); conns.closeAll() })
		r.wg.Add(1)
		go func() { defer r.wg.Done(); s.acceptLoop(ctx, ln, l.receiver, conns, &r.wg) }()
		slog.Info("ingest: syslog over "+l.receiver, "addr", ln.Addr().String())
	}
	if cfg.HTTP != "" {
		ln, err := net.Listen("tcp", cfg.HTTP)
		if err != nil {
			return fmt.Errorf("ingest: HTTP on %s: %w", cfg.HTTP, err)
		}
		r.Addrs[logstream.ReceiverBulk] = ln.Addr().String()
		srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute, WriteTimeout: 2 * time.Minute,
			IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn)}
		r.closer = append(r.closer, func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		})
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				slog.Error("ingest: HTTP listener stopped", "err", err)
			}
		}()
		slog.Info("ingest: Elasticsearch-compatible HTTP", "addr", ln.Addr().String())
	}
	return nil
}

// syslogTLS is the TLS configuration of the syslog TLS receiver: TLS 1.2
// and later, with verified client certificates when TLSClientCA is set.
func syslogTLS(cfg Config) (*tls.Config, error) {
	if cfg.TLSCert == "" || cfg.TLSKey == "" {
		return nil, errors.New("ingest: syslog over TLS needs ingest.tls_cert and ingest.tls_key")
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("ingest: syslog TLS certificate: %w", err)
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	if cfg.TLSClientCA != "" {
		pem, err := os.ReadFile(cfg.TLSClientCA)
		if err != nil {
			return nil, fmt.Errorf("ingest: syslog TLS client CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ingest: syslog TLS client CA %s: no PEM certificate in it", cfg.TLSClientCA)
		}
		tc.ClientCAs, tc.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return tc, nil
}

// systemTarget reads the agency of a live system (the default system).
func (s *Service) systemTarget(ctx context.Context, id int64) (Target, error) {
	t := Target{SystemID: id}
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT s.agency_id, g.path FROM systems s JOIN agencies g ON g.id = s.agency_id WHERE s.id = $1 AND s.archived_at = ''`, id).
		Scan(&t.AgencyID, &t.agencyPath)
	if err != nil {
		return t, fmt.Errorf("ingest: default system %d: no such live system (%w)", id, err)
	}
	return t, nil
}

// connSet tracks open connections so that Stop can close them.
type connSet struct {
	mu sync.Mutex
	m  map[net.Conn]struct{}
}

func (c *connSet) add(conn net.Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		return false
	}
	c.m[conn] = struct{}{}
	return true
}

func (c *connSet) remove(conn net.Conn) {
	c.mu.Lock()
	delete(c.m, conn)
	c.mu.Unlock()
}

// closeAll ends reading on every connection: each publishes what it
// holds, then closes.
func (c *connSet) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for conn := range c.m {
		_ = conn.SetReadDeadline(time.Unix(1, 0))
	}
	c.m = nil
}
