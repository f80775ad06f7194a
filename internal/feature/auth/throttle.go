package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/store"
)

// LoginPolicy says how failed password entries are slowed down and
// refused. A client that has logged in as the account before (it shows a
// device cookie for it) is counted on its own and only ever slowed down;
// other clients are counted per account and address, per address and per
// account, and the last two refuse them outright once reached.
type LoginPolicy struct {
	// Window is how long a key remembers its failures after its last one.
	Window time.Duration
	// FreeFailures may be made per account and address (or per device)
	// before each further failure makes the next attempt wait.
	FreeFailures int
	// BaseDelay is the first wait; each further failure doubles it, up to
	// MaxDelay.
	BaseDelay, MaxDelay time.Duration
	// AddressLimit failures from one address, whatever the accounts,
	// refuse that address until Window has passed since its last failure.
	AddressLimit int
	// AccountLimit failures on one account, from anywhere, refuse that
	// account to clients without its device cookie until Window has
	// passed since its last failure.
	AccountLimit int
}

// DefaultLoginPolicy is the policy of New.
var DefaultLoginPolicy = LoginPolicy{Window: 15 * time.Minute, FreeFailures: 3, BaseDelay: time.Second, MaxDelay: 5 * time.Minute, AddressLimit: 30, AccountLimit: 10}

// counter is one key a password entry is counted under.
type counter struct {
	key   string
	limit int // 0: growing delays after FreeFailures; else refused at limit
}

// NormalName is a user name as accounts are told apart: names differ
// only when they differ other than by case.
func NormalName(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// addressKey groups the addresses one client is likely to hold: an IPv4
// address, or the /64 of an IPv6 one.
func addressKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.WithZone("").Prefix(64)
		return p.String()
	}
	return a.String()
}

func keyOf(kind string, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return kind + ":" + hex.EncodeToString(h[:16])
}

// counters are the keys one attempt is counted and judged under: a
// trusted device has its own; any other client its account and address,
// its address, and its account.
func (p LoginPolicy) counters(name, addr, deviceHash string) []counter {
	if deviceHash != "" {
		return []counter{{key: keyOf("d", deviceHash)}}
	}
	a := addressKey(addr)
	return []counter{{key: keyOf("p", name, a)}, {key: keyOf("a", a), limit: p.AddressLimit}, {key: keyOf("u", name), limit: p.AccountLimit}}
}

// wait is how long after now a key with failures, the last at last, still
// refuses attempts.
func (p LoginPolicy) wait(c counter, failures int, last, now time.Time) time.Duration {
	var until time.Time
	switch {
	case c.limit > 0 && failures >= c.limit:
		until = last.Add(p.Window)
	case c.limit == 0 && failures >= p.FreeFailures:
		d := p.MaxDelay
		if n := failures - p.FreeFailures; n < 30 && p.BaseDelay<<n < p.MaxDelay {
			d = p.BaseDelay << n
		}
		until = last.Add(d)
	default:
		return 0
	}
	return max(until.Sub(now), 0)
}

// failureCounts reads the live failures of each counter (0 when its
// window has passed).
func (s *Service) failureCounts(ctx context.Context, cs []counter, now time.Time) (map[string]int, map[string]time.Time, error) {
	keys := make([]any, len(cs))
	for i, c := range cs {
		keys[i] = c.key
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT key, failures, last_at FROM login_failures WHERE key IN (`+store.Placeholders(1, len(keys))+`) AND last_at > $`+fmt.Sprint(len(keys)+1),
		append(keys, store.FormatTime(now.Add(-s.policy.Window)))...)
	if err != nil {
		return nil, nil, fmt.Errorf("auth: read login failures: %w", err)
	}
	defer rows.Close()
	n, last := map[string]int{}, map[string]time.Time{}
	for rows.Next() {
		var k, at string
		var f int
		if err := rows.Scan(&k, &f, &at); err != nil {
			return nil, nil, fmt.Errorf("auth: read login failures: %w", err)
		}
		n[k], last[k] = f, store.ParseTime(at)
	}
	return n, last, rows.Err()
}

// admit refuses an attempt that a counter holds back, else counts it as a
// failure before the password is checked (forgive takes it back on
// success), so that attempts running side by side see each other. One
// that raced past a limit with others is refused too.
func (s *Service) admit(ctx context.Context, cs []counter, now time.Time) error {
	before, last, err := s.failureCounts(ctx, cs, now)
	if err != nil {
		return err
	}
	var wait time.Duration
	for _, c := range cs {
		wait = max(wait, s.policy.wait(c, before[c.key], last[c.key], now))
	}
	if wait > 0 {
		return &ThrottledError{RetryAfter: wait}
	}
	at, cutoff := store.FormatTime(now), store.FormatTime(now.Add(-s.policy.Window))
	for _, c := range cs {
		var n int
		err := s.db.Writer().QueryRowContext(ctx, `INSERT INTO login_failures (key, failures, last_at) VALUES ($1, 1, $2)
			ON CONFLICT (key) DO UPDATE SET failures = CASE WHEN login_failures.last_at <= $3 THEN 1 ELSE login_failures.failures + 1 END, last_at = $2
			RETURNING failures`, c.key, at, cutoff).Scan(&n)
		if err != nil {
			return fmt.Errorf("auth: count login failure: %w", err)
		}
		if c.limit > 0 && n == c.limit {
			slog.WarnContext(ctx, "login limit reached: refusing for a while", "counter", c.key[:1], "failures", n)
		}
		if n > before[c.key]+1 {
			wait = max(wait, s.policy.wait(c, n-1, now, now))
		}
	}
	if wait > 0 {
		return &ThrottledError{RetryAfter: wait}
	}
	return nil
}

// forgive takes back the failure admit counted for a right password: the
// account-and-address and device counters start again; the address and
// account counters lose this one attempt only (an attack running on
// either goes on being counted).
func (s *Service) forgive(ctx context.Context, cs []counter) error {
	for _, c := range cs {
		q := `DELETE FROM login_failures WHERE key = $1`
		if c.limit > 0 {
			q = `UPDATE login_failures SET failures = failures - 1 WHERE key = $1 AND failures > 0`
		}
		if _, err := s.db.Writer().ExecContext(ctx, q, c.key); err != nil {
			return fmt.Errorf("auth: reset login failures: %w", err)
		}
	}
	return nil
}

// purgeFailures forgets keys whose window has passed.
func (s *Service) purgeFailures(ctx context.Context, now time.Time) error {
	_, err := s.db.Writer().ExecContext(ctx, `DELETE FROM login_failures WHERE last_at <= $1`, store.FormatTime(now.Add(-s.policy.Window)))
	return err
}
