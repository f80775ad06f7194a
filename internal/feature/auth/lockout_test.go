package auth_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/feature/auth"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

const rightPassword = "the right password"

// clock is a time the test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// lockoutWorld is an accounts service with one admin ("admin"), on a clock.
func lockoutWorld(t *testing.T, db *store.DB) (*auth.Service, *clock, auth.User) {
	t.Helper()
	svc := auth.New(db, audit.New(db))
	c := &clock{t: time.Now().Truncate(time.Second)} // whole seconds: stored times are rounded
	svc.SetClock(c.now)
	u, err := svc.CreateUser(context.Background(), access.System, auth.UserInput{Username: sp("admin"), Password: sp(rightPassword), Role: sp("admin")})
	if err != nil {
		t.Fatal(err)
	}
	return svc, c, u
}

func login(svc *auth.Service, name, password, addr, device string) error {
	_, err := svc.LoginWith(context.Background(), auth.Credentials{Username: name, Password: password, Addr: addr, Device: device})
	return err
}

func waitOf(t *testing.T, err error) time.Duration {
	t.Helper()
	var thr *auth.ThrottledError
	if !errors.As(err, &thr) {
		t.Fatalf("want a throttled refusal, got %v", err)
	}
	return thr.RetryAfter
}

// TestAttackFromManyAddressesKeepsTheRealUserIn is the lockout: wrong
// passwords for admin from many addresses used to shut the real admin out.
// Now they shut out only clients without admin's device cookie; the real
// admin's browser logs in, and a fresh browser of theirs waits.
func TestAttackFromManyAddressesKeepsTheRealUserIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, clk, u := lockoutWorld(t, db)
		if err := login(svc, "admin", rightPassword, "198.51.100.7", ""); err != nil {
			t.Fatal(err)
		}
		device, err := svc.RememberDevice(ctx, u, "")
		if err != nil || device == "" {
			t.Fatalf("device cookie: %q %v", device, err)
		}
		var stored int
		db.Reader().QueryRow(`SELECT COUNT(*) FROM login_devices WHERE token_hash = $1`, device).Scan(&stored)
		if stored != 0 {
			t.Fatal("device token stored in clear")
		}
		// Two failures each from 20 addresses (never a per-address delay).
		for i := 0; i < 20; i++ {
			for j := 0; j < 2; j++ {
				err := login(svc, "Admin", fmt.Sprintf("guess %d-%d", i, j), fmt.Sprintf("203.0.113.%d", i+1), "")
				if err != nil && !errors.Is(err, auth.ErrBadCredentials) && waitOf(t, err) <= 0 {
					t.Fatal(err)
				}
			}
		}
		// A fresh client with the right password is held back...
		if wait := waitOf(t, login(svc, "admin", rightPassword, "198.51.100.8", "")); wait < 10*time.Minute {
			t.Errorf("fresh client waits only %v", wait)
		}
		// ...the real admin's browser is not.
		if err := login(svc, "admin", rightPassword, "198.51.100.7", device); err != nil {
			t.Fatalf("real admin with its device cookie shut out: %v", err)
		}
		// Nor is it by its own typos: they only slow it down.
		for i := 0; i < 12; i++ {
			err := login(svc, "admin", "typo", "198.51.100.7", device)
			if err != nil && !errors.Is(err, auth.ErrBadCredentials) {
				clk.add(waitOf(t, err))
			}
		}
		err = login(svc, "admin", rightPassword, "198.51.100.7", device)
		if err != nil {
			if w := waitOf(t, err); w > auth.DefaultLoginPolicy.MaxDelay {
				t.Fatalf("device waits %v, more than the longest delay", w)
			}
			clk.add(waitOf(t, err))
			if err := login(svc, "admin", rightPassword, "198.51.100.7", device); err != nil {
				t.Fatalf("device refused after its delay: %v", err)
			}
		}
		// A device cookie of another account is no device for this one.
		other, _ := svc.CreateUser(ctx, access.System, auth.UserInput{Username: sp("analyst"), Password: sp(rightPassword), Role: sp("analyst")})
		otherDevice, _ := svc.RememberDevice(ctx, other, "")
		if err := login(svc, "admin", rightPassword, "198.51.100.7", otherDevice); !errors.Is(err, store.ErrThrottled) {
			t.Errorf("another account's device cookie let a client in: %v", err)
		}
		// Once the window has passed, the account opens again.
		clk.add(auth.DefaultLoginPolicy.Window + time.Second)
		if err := login(svc, "admin", rightPassword, "198.51.100.8", ""); err != nil {
			t.Errorf("account still closed after the window: %v", err)
		}
	})
}

// TestDelaysGrowPerAccountAndAddress: failures of one account from one
// address make the next attempt wait 1s, 2s, 4s…; a right password after
// the wait logs in and starts the count again; another address is not
// slowed down.
func TestDelaysGrowPerAccountAndAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc, clk, _ := lockoutWorld(t, db)
		for i := 0; i < 3; i++ {
			if err := login(svc, "admin", "wrong", "192.0.2.1", ""); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("free failure %d: %v", i+1, err)
			}
		}
		for _, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
			if got := waitOf(t, login(svc, "admin", rightPassword, "192.0.2.1", "")); got != want {
				t.Fatalf("wait %v, want %v", got, want)
			}
			clk.add(want)
			if err := login(svc, "admin", "wrong", "192.0.2.1", ""); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("after the wait: %v", err)
			}
		}
		if err := login(svc, "ADMIN", rightPassword, "192.0.2.2", ""); err != nil {
			t.Fatalf("another address slowed down: %v", err)
		}
		clk.add(8 * time.Second)
		if err := login(svc, "admin", rightPassword, "192.0.2.1", ""); err != nil {
			t.Fatalf("right password after the wait: %v", err)
		}
		if err := login(svc, "admin", "wrong", "192.0.2.1", ""); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("count not started again after a success: %v", err)
		}
	})
}

// TestAddressLimit: one address failing on many accounts is refused on
// every account, even with a right password; other addresses are not.
// An IPv6 client counts by its /64.
func TestAddressLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc, _, _ := lockoutWorld(t, db)
		svc.SetLoginPolicy(auth.LoginPolicy{Window: time.Minute, FreeFailures: 3, BaseDelay: time.Second, MaxDelay: time.Minute, AddressLimit: 6, AccountLimit: 100})
		for i := 0; i < 6; i++ {
			if err := login(svc, fmt.Sprintf("user%d", i), "wrong", "2001:db8:1:2::"+fmt.Sprint(i+1), ""); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		if wait := waitOf(t, login(svc, "admin", rightPassword, "2001:db8:1:2:ffff::1", "")); wait <= 0 {
			t.Fatal("no wait")
		}
		if err := login(svc, "admin", rightPassword, "2001:db8:1:3::1", ""); err != nil {
			t.Fatalf("another /64 refused: %v", err)
		}
		if err := login(svc, "admin", rightPassword, "192.0.2.50", ""); err != nil {
			t.Fatalf("another address refused: %v", err)
		}
	})
}

// TestConcurrentGuessesAreCounted: guesses sent side by side from one
// address reach the password check no more often than one after another.
func TestConcurrentGuessesAreCounted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc, _, _ := lockoutWorld(t, db)
		var wg sync.WaitGroup
		var mu sync.Mutex
		checked := 0
		for i := 0; i < 12; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := login(svc, "admin", fmt.Sprintf("guess %d", i), "192.0.2.77", "")
				mu.Lock()
				defer mu.Unlock()
				if errors.Is(err, auth.ErrBadCredentials) {
					checked++
				} else if !errors.Is(err, store.ErrThrottled) {
					t.Errorf("guess %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		if checked > auth.DefaultLoginPolicy.FreeFailures {
			t.Errorf("%d concurrent guesses had their password checked, want at most %d", checked, auth.DefaultLoginPolicy.FreeFailures)
		}
	})
}

// TestThrottleSharedAcrossProcesses: two services on one database (two
// serve processes) see each other's failures; the purge forgets them once
// their window has passed.
func TestThrottleSharedAcrossProcesses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		one, clk, _ := lockoutWorld(t, db)
		two := auth.New(db, audit.New(db))
		two.SetClock(clk.now)
		for i := 0; i < 3; i++ {
			login(one, "admin", "wrong", "192.0.2.3", "")
		}
		if wait := waitOf(t, login(two, "admin", rightPassword, "192.0.2.3", "")); wait != time.Second {
			t.Fatalf("second process waits %v", wait)
		}
		var rows int
		db.Reader().QueryRow(`SELECT COUNT(*) FROM login_failures`).Scan(&rows)
		if rows != 3 {
			t.Fatalf("%d failure rows, want 3 (account+address, address, account)", rows)
		}
		clk.add(auth.DefaultLoginPolicy.Window)
		if err := two.PurgeSessions(ctx); err != nil {
			t.Fatal(err)
		}
		db.Reader().QueryRow(`SELECT COUNT(*) FROM login_failures`).Scan(&rows)
		if rows != 0 {
			t.Fatalf("%d failure rows left after their window", rows)
		}
	})
}
