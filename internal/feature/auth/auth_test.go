package auth_test

import (
	"context"
	"errors"
	"testing"

	"github.com/khien-project/khien/internal/feature/auth"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

func sp(s string) *string { return &s }

func TestPasswordHashing(t *testing.T) {
	h, err := auth.HashPassword("mật khẩu dài")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := auth.CheckPassword(h, "mật khẩu dài"); !ok || err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if ok, _ := auth.CheckPassword(h, "mật khẩu sai"); ok {
		t.Fatal("wrong password accepted")
	}
	if _, err := auth.CheckPassword("$argon2id$v=19$m=999999999,t=1,p=1$AAAA$AAAA", "x"); err == nil {
		t.Fatal("absurd parameters accepted")
	}
	if h2, _ := auth.HashPassword("mật khẩu dài"); h2 == h {
		t.Fatal("two hashes of one password are equal: no salt")
	}
}

// TestTokensAndSessions: tokens are stored hashed, resolve to their user,
// stop working at once when revoked or when the user is disabled, and a
// password change ends the user's sessions.
func TestTokensAndSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := auth.New(db, audit.New(db))
		u, err := svc.CreateUser(ctx, access.System, auth.UserInput{Username: sp("analyst1"), Password: sp("a long password"), Role: sp("analyst")})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := svc.CreateToken(ctx, access.System, u.ID, "ci")
		if err != nil {
			t.Fatal(err)
		}
		var stored int
		db.Reader().QueryRow(`SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1`, tok.Secret).Scan(&stored)
		if stored != 0 {
			t.Fatal("token stored in clear")
		}
		for i := 0; i < 2; i++ { // the second call is served from the cache
			a, err := svc.TokenActor(ctx, tok.Secret)
			if err != nil || a.UserID != u.ID || a.Role != access.Analyst {
				t.Fatalf("token actor: %+v %v", a, err)
			}
		}
		if err := svc.RevokeToken(ctx, access.Actor{UserID: u.ID, Role: access.Analyst}, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.TokenActor(ctx, tok.Secret); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoked token still works: %v", err)
		}
		tok2, _ := svc.CreateToken(ctx, access.System, u.ID, "second")
		if _, err := svc.TokenActor(ctx, tok2.Secret); err != nil {
			t.Fatal(err)
		}
		disabled := true
		if _, err := svc.UpdateUser(ctx, access.System, u.ID, auth.UserInput{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.TokenActor(ctx, tok2.Secret); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("disabled user's token still works: %v", err)
		}
		// Sessions end with a password change.
		enabled := false
		svc.UpdateUser(ctx, access.System, u.ID, auth.UserInput{Disabled: &enabled})
		user, err := svc.Login(ctx, "analyst1", "a long password", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		sess, err := svc.StartSession(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		if _, csrf, err := svc.SessionActor(ctx, sess.Secret); err != nil || csrf != sess.CSRF {
			t.Fatalf("session: %v", err)
		}
		if _, err := svc.UpdateUser(ctx, access.System, u.ID, auth.UserInput{Password: sp("another long password")}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.SessionActor(ctx, sess.Secret); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("session survived a password change: %v", err)
		}
		// Only admins manage users; nobody deletes themselves.
		if _, err := svc.CreateUser(ctx, access.Actor{UserID: u.ID, Role: access.Analyst}, auth.UserInput{Username: sp("x"), Password: sp("xxxxxxxxxx"), Role: sp("admin")}); !errors.Is(err, store.ErrForbidden) {
			t.Fatalf("analyst created a user: %v", err)
		}
		if err := svc.DeleteUser(ctx, access.Actor{UserID: 99, Role: access.Admin}, 99); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("self-delete: %v", err)
		}
	})
}

func TestEnsureAdmin(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	svc := auth.New(db, audit.New(db))
	pw, err := svc.EnsureAdmin(context.Background(), "")
	if err != nil || len(pw) < 16 {
		t.Fatalf("first admin: %q %v", pw, err)
	}
	if _, err := svc.Login(context.Background(), "admin", pw, "127.0.0.1"); err != nil {
		t.Fatalf("login with the printed password: %v", err)
	}
	if again, _ := svc.EnsureAdmin(context.Background(), "x"); again != "" {
		t.Fatal("a second admin was created")
	}
}

// TestThrottle: the in-memory throttle became the login policy; what its
// test asserted (blocked after the limit, free again after a success)
// holds for the failures of one account from one address.
func TestThrottle(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	svc := auth.New(db, audit.New(db))
	ctx := context.Background()
	if _, err := svc.CreateUser(ctx, access.System, auth.UserInput{Username: sp("kk"), Password: sp("a long password"), Role: sp("analyst")}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := svc.Login(ctx, "kk", "wrong", "192.0.2.9"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	var thr *auth.ThrottledError
	if _, err := svc.Login(ctx, "kk", "a long password", "192.0.2.9"); !errors.As(err, &thr) || thr.RetryAfter <= 0 {
		t.Fatalf("not held back after 3 failures: %v", err)
	}
}
