package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
)

// Target is the system (and its agency) a syslog sender's events belong
// to; the zero Target is "unassigned".
type Target struct {
	AgencyID   int64  `json:"agency_id"`
	SystemID   int64  `json:"system_id"`
	agencyPath string // for the scope of GET /api/v1/ingest/senders
}

// addressBook maps sender addresses to systems, from the registry's
// system assets (addresses and CIDRs of live systems).
type addressBook struct {
	exact    map[netip.Addr]Target
	prefixes []prefixTarget // narrowest first
}

type prefixTarget struct {
	p netip.Prefix
	t Target
}

// lookup finds the system listing addr, or the narrowest CIDR holding it.
// Of two systems listing the same address, the lower id wins (stable).
func (b *addressBook) lookup(addr netip.Addr) (Target, bool) {
	addr = addr.Unmap()
	if t, ok := b.exact[addr]; ok {
		return t, true
	}
	for _, pt := range b.prefixes {
		if pt.p.Contains(addr) {
			return pt.t, true
		}
	}
	return Target{}, false
}

// loadAddressBook reads the addresses and CIDRs of live systems (a read
// of the registry's tables, allowed by docs/contributing.md).
func loadAddressBook(ctx context.Context, db *store.DB) (*addressBook, error) {
	rows, err := db.Q(ctx).QueryContext(ctx, `SELECT a.system_id, s.agency_id, g.path, a.kind, a.value FROM system_assets a
		JOIN systems s ON s.id = a.system_id JOIN agencies g ON g.id = s.agency_id
		WHERE a.kind IN ('ip', 'cidr') AND s.archived_at = '' ORDER BY a.system_id`)
	if err != nil {
		return nil, fmt.Errorf("ingest: read system addresses: %w", err)
	}
	defer rows.Close()
	b := &addressBook{exact: map[netip.Addr]Target{}}
	for rows.Next() {
		var t Target
		var kind, value string
		if err := rows.Scan(&t.SystemID, &t.AgencyID, &t.agencyPath, &kind, &value); err != nil {
			return nil, fmt.Errorf("ingest: read system addresses: %w", err)
		}
		value = strings.TrimSpace(value)
		switch kind {
		case "ip":
			if a, err := netip.ParseAddr(value); err == nil {
				if _, taken := b.exact[a.Unmap()]; !taken {
					b.exact[a.Unmap()] = t
				}
			}
		case "cidr":
			if p, err := netip.ParsePrefix(value); err == nil {
				p = p.Masked()
				if p.Addr().Is4In6() {
					p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
				}
				b.prefixes = append(b.prefixes, prefixTarget{p: p, t: t})
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ingest: read system addresses: %w", err)
	}
	slices.SortStableFunc(b.prefixes, func(x, y prefixTarget) int { return y.p.Bits() - x.p.Bits() })
	return b, nil
}

// senderBook is the address book in force plus what each sender address
// sent, for GET /api/v1/ingest/senders.
type senderBook struct {
	mu      sync.Mutex
	book    *addressBook
	stale   bool
	seen    map[string]*Sender
	deflt   Target
	hasDflt bool
}

// Sender is one syslog sender address as seen by this process since it
// started.
type Sender struct {
	Address  string    `json:"address"`
	Receiver string    `json:"receiver"`
	Known    bool      `json:"known"` // a registry system lists it (or the default system took it)
	AgencyID int64     `json:"agency_id"`
	SystemID int64     `json:"system_id"`
	Events   int64     `json:"events"`
	First    time.Time `json:"first_seen"`
	Last     time.Time `json:"last_seen"`
	path     string
}

// maxSenders bounds the per-address table (garbage from a scan of the
// port must not grow it without end).
const maxSenders = 10000

// resolve maps a sender address to its target; known says a system (or
// the default, or a client certificate) took it. A sender whose client
// certificate is bound to an agency belongs to that agency, and keeps the
// system its address maps to only when the system is of that agency's
// subtree. It counts n events for the address.
func (b *senderBook) resolve(addr netip.Addr, receiver string, n int, now time.Time, bound *Target) (t Target, known bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.book != nil {
		t, known = b.book.lookup(addr)
	}
	if bound != nil {
		if !known || !strings.HasPrefix(t.agencyPath, bound.agencyPath) {
			t = *bound
		}
		known = true
	}
	if !known && b.hasDflt {
		t, known = b.deflt, true
	}
	key := addr.Unmap().String() + "/" + receiver
	s := b.seen[key]
	if s == nil {
		if len(b.seen) >= maxSenders {
			return t, known
		}
		s = &Sender{Address: addr.Unmap().String(), Receiver: receiver, First: now}
		b.seen[key] = s
	}
	s.Known, s.AgencyID, s.SystemID, s.path = known, t.AgencyID, t.SystemID, t.agencyPath
	s.Events += int64(n)
	s.Last = now
	return t, known
}

// Senders lists the syslog sender addresses seen by this process, unknown
// ones first, then by address. Agency officers see only the senders
// mapped to their agencies.
func (s *Service) Senders(ctx context.Context, actor access.Actor) ([]Sender, error) {
	if !actor.Authenticated() {
		return nil, fmt.Errorf("ingest: senders: %w", store.ErrForbidden)
	}
	b := s.senders
	b.mu.Lock()
	out := make([]Sender, 0, len(b.seen))
	for _, v := range b.seen {
		if actor.Scoped() && (!v.Known || !actor.InScope(v.path)) {
			continue
		}
		out = append(out, *v)
	}
	b.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Known != out[j].Known {
			return !out[i].Known
		}
		if out[i].Address != out[j].Address {
			return out[i].Address < out[j].Address
		}
		return out[i].Receiver < out[j].Receiver
	})
	return out, nil
}

// refreshSenders reloads the address book now.
func (s *Service) refreshSenders(ctx context.Context) error {
	book, err := loadAddressBook(ctx, s.db)
	if err != nil {
		return err
	}
	s.senders.mu.Lock()
	s.senders.book, s.senders.stale = book, false
	s.senders.mu.Unlock()
	return nil
}

// markStale is called (inline) when the registry saves systems: the
// reload waits a moment so that it reads after the registry's commit.
func (s *Service) markStale() {
	s.senders.mu.Lock()
	s.senders.stale = true
	s.senders.mu.Unlock()
}

// keepSendersFresh reloads the address book half a second after the
// registry changed and every minute (changes made by other processes).
func (s *Service) keepSendersFresh(ctx context.Context) {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		s.senders.mu.Lock()
		stale := s.senders.stale
		s.senders.mu.Unlock()
		if !stale && time.Since(last) < time.Minute {
			continue
		}
		if err := s.refreshSenders(ctx); err != nil && ctx.Err() == nil {
			slog.Warn("ingest: reload sender addresses", "err", err)
			continue
		}
		last = time.Now()
	}
}
