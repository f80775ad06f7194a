package ingest

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/khien-project/khien/internal/platform/logstream"
)

// acceptLoop serves each connection of ln in its own goroutine.
func (s *Service) acceptLoop(ctx context.Context, ln net.Listener, receiver string, conns *connSet, wg *sync.WaitGroup) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			slog.Warn("ingest: accept", "receiver", receiver, "err", err)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		if !conns.add(conn) {
			conn.Close()
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conns.remove(conn)
			defer conn.Close()
			var bound *Target
			if tc, ok := conn.(*tls.Conn); ok {
				if !handshake(ctx, tc) {
					s.m.rejected.WithLabelValues(receiver, ReasonTLSHandshake).Inc()
					return
				}
				var err error
				if bound, err = s.certAgency(ctx, tc); err != nil {
					slog.Warn("ingest: TLS sender refused", "peer", tc.RemoteAddr().String(), "err", err)
					return
				}
			}
			s.serveStream(ctx, conn, receiver, bound)
		}()
	}
}

// handshakeTimeout bounds a TLS client's handshake, so that a client
// that connects and says nothing does not hold a connection for ever.
const handshakeTimeout = 10 * time.Second

func handshake(ctx context.Context, tc *tls.Conn) bool {
	hctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		slog.Debug("ingest: TLS handshake", "peer", tc.RemoteAddr().String(), "err", err)
		return false
	}
	return true
}

// peerAddr is the IP address of a connection's or datagram's sender.
func peerAddr(a net.Addr) netip.Addr {
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// serveStream reads syslog frames from one TCP or TLS connection and
// publishes them in batches (by count or after FlushEvery). While a batch
// cannot be published the connection is not read: back-pressure.
// bound, when not nil, is the agency the sender's client certificate
// names.
func (s *Service) serveStream(ctx context.Context, conn net.Conn, receiver string, bound *Target) {
	_, cfg := s.stream()
	b := &syslogBatch{s: s, parser: NewMessageParser(cfg.Location), receiver: receiver, addr: peerAddr(conn.RemoteAddr()), bound: bound}
	fr := Framer{Max: cfg.MaxMessage}
	buf := make([]byte, 0, max(cfg.MaxMessage+maxCountDigits+2, 64<<10))
	eof := false
	for {
		now := time.Now()
		off := 0
		for {
			adv, frame, res := fr.Next(buf[off:], eof)
			off += adv
			switch res {
			case Frame:
				b.add(frame, now)
			case Oversized:
				s.m.rejected.WithLabelValues(receiver, ReasonOversized).Inc()
			}
			if adv == 0 {
				break // a frame needs more bytes, or none are left
			}
		}
		buf = buf[:copy(buf, buf[off:])]
		if len(b.recs) >= cfg.BatchSize || (len(b.recs) > 0 && (eof || now.Sub(b.first) >= cfg.FlushEvery)) {
			if recs := b.take(now); len(recs) > 0 {
				s.publishHard(ctx, receiver, recs)
			}
		}
		if eof {
			return
		}
		if len(b.recs) > 0 {
			_ = conn.SetReadDeadline(b.first.Add(cfg.FlushEvery))
		} else {
			_ = conn.SetReadDeadline(time.Time{})
		}
		if ctx.Err() != nil {
			eof = true // shutting down: hand in what is held
			continue
		}
		n, err := conn.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		var ne net.Error
		switch {
		case err == nil:
		case errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil:
			// time to flush
		default:
			eof = true
		}
	}
}

// udpQueue is how many batches may wait for the UDP publisher before
// datagrams are dropped.
const udpQueue = 64

// serveUDP reads one syslog message per datagram. UDP cannot push back:
// when the publisher is behind or the stream is full, batches are
// dropped and counted.
func (s *Service) serveUDP(ctx context.Context, pc net.PacketConn) {
	_, cfg := s.stream()
	const receiver = logstream.ReceiverSyslogUDP
	queue := make(chan []logstream.Record, udpQueue)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for recs := range queue {
			if err := s.publish(context.WithoutCancel(ctx), receiver, recs); err != nil {
				s.m.dropped.WithLabelValues(receiver).Add(float64(len(recs)))
				slog.Debug("ingest: UDP batch dropped", "events", len(recs), "err", err)
			}
		}
	}()
	defer func() { close(queue); wg.Wait() }()
	b := &syslogBatch{s: s, parser: NewMessageParser(cfg.Location), receiver: receiver}
	var pending []logstream.Record
	var first time.Time
	send := func() {
		select {
		case queue <- pending:
		default:
			s.m.dropped.WithLabelValues(receiver).Add(float64(len(pending)))
		}
		pending = nil
	}
	buf := make([]byte, 65536)
	for {
		if len(pending) > 0 {
			_ = pc.SetReadDeadline(first.Add(cfg.FlushEvery))
		} else {
			_ = pc.SetReadDeadline(time.Time{})
		}
		n, from, err := pc.ReadFrom(buf)
		now := time.Now()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				send()
				continue
			}
			if len(pending) > 0 {
				send()
			}
			return
		}
		s.udpDatagram(b, buf[:n], from, now, cfg)
		if len(b.recs) > 0 {
			if len(pending) == 0 {
				first = now
			}
			pending = append(pending, b.take(now)...)
		}
		if len(pending) >= cfg.BatchSize || (len(pending) > 0 && now.Sub(first) >= cfg.FlushEvery) {
			send()
		}
	}
}

// udpDatagram reads the message of one datagram (trailing line feeds and
// NULs dropped).
func (s *Service) udpDatagram(b *syslogBatch, d []byte, from net.Addr, now time.Time, cfg Config) {
	for len(d) > 0 && (d[len(d)-1] == '\n' || d[len(d)-1] == 0 || d[len(d)-1] == '\r') {
		d = d[:len(d)-1]
	}
	if len(d) > cfg.MaxMessage {
		s.m.rejected.WithLabelValues(b.receiver, ReasonOversized).Inc()
		return
	}
	b.addr = peerAddr(from)
	b.add(d, now)
}
