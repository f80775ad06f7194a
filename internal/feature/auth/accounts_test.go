package auth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/khien-project/khien/internal/feature/auth"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/platform/valid"
)

func bp(b bool) *bool { return &b }

func fieldOf(t *testing.T, err error, field string) valid.FieldError {
	t.Helper()
	var fe valid.Errors
	if !errors.As(err, &fe) || len(fe) == 0 || fe[0].Field != field || fe[0].VI == "" {
		t.Fatalf("want a field error on %s with a Vietnamese message, got %v", field, err)
	}
	return fe[0]
}

// TestUserNamesIgnoreCase: "Admin" cannot join "admin", by creation or by
// renaming, and logs in as admin.
func TestUserNamesIgnoreCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, _, admin := lockoutWorld(t, db)
		_, err := svc.CreateUser(ctx, access.System, auth.UserInput{Username: sp("Admin"), Password: sp(rightPassword), Role: sp("auditor")})
		if !errors.Is(err, store.ErrConflict) || !strings.Contains(fieldOf(t, err, "username").EN, `"admin"`) {
			t.Fatalf("Admin beside admin: %v", err)
		}
		other, err := svc.CreateUser(ctx, access.System, auth.UserInput{Username: sp("bob"), Password: sp(rightPassword), Role: sp("auditor")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.UpdateUser(ctx, access.System, other.ID, auth.UserInput{Username: sp("ADMIN")}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("bob renamed ADMIN: %v", err)
		}
		if _, err := svc.UpdateUser(ctx, access.System, other.ID, auth.UserInput{Username: sp("Bob")}); err != nil {
			t.Fatalf("bob renamed Bob (its own name in another case): %v", err)
		}
		u, err := svc.Login(ctx, "ADMIN", rightPassword, "192.0.2.1")
		if err != nil || u.ID != admin.ID {
			t.Fatalf("ADMIN logs in as admin: %+v %v", u, err)
		}
		if u, err := svc.UserByName(ctx, "bOB"); err != nil || u.ID != other.ID {
			t.Fatalf("user by name in another case: %v", err)
		}
		// Even past the service, the database refuses the pair.
		_, err = db.Writer().Exec(`INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES ('aDmIn', 'x', 'auditor', '', '')`)
		if !store.IsUniqueViolation(err) {
			t.Fatalf("database took aDmIn: %v", err)
		}
	})
}

// TestMigrationRefusesNamesDifferingInCase: a database that already holds
// "Admin" and "admin" is not migrated; the error names them; once one is
// renamed, the migration runs.
func TestMigrationRefusesNamesDifferingInCase(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, storetest.DSN(t, engine))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.MigrateTo(ctx, 6); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"admin", "Admin", "bob", "ADMIN", "Carol", "carol"} {
				if _, err := db.Writer().Exec(`INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES ($1, 'x', 'admin', '', '')`, name); err != nil {
					t.Fatal(err)
				}
			}
			_, err = db.Migrate(ctx)
			if err == nil || !strings.Contains(err.Error(), "user names that differ only in case: ADMIN, Admin, admin, Carol, carol;") {
				t.Fatalf("migration over names differing in case: %v", err)
			}
			if v, _ := db.SchemaVersion(ctx); v != 6 {
				t.Fatalf("schema %d after the refused migration", v)
			}
			for _, q := range []string{`UPDATE users SET username = 'admin2' WHERE username = 'Admin'`, `DELETE FROM users WHERE username IN ('ADMIN', 'carol')`} {
				if _, err := db.Writer().Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("migration once the names differ: %v", err)
			}
		})
	}
}

// TestLastActiveAdminStays: the only active admin cannot be disabled,
// demoted or deleted; with a second admin one of them can.
func TestLastActiveAdminStays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, _, admin := lockoutWorld(t, db)
		other := access.Actor{UserID: 999, Username: "x", Role: access.Admin}
		for _, c := range []struct {
			field string
			in    auth.UserInput
		}{{"disabled", auth.UserInput{Disabled: bp(true)}}, {"role", auth.UserInput{Role: sp("analyst")}}} {
			_, err := svc.UpdateUser(ctx, access.System, admin.ID, c.in)
			if !errors.Is(err, store.ErrConflict) {
				t.Fatalf("last admin %s: %v", c.field, err)
			}
			fieldOf(t, err, c.field)
		}
		if err := svc.DeleteUser(ctx, other, admin.ID); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("last admin deleted: %v", err)
		}
		// A disabled admin does not count.
		second, err := svc.CreateUser(ctx, access.System, auth.UserInput{Username: sp("admin2"), Password: sp(rightPassword), Role: sp("admin"), Disabled: bp(true)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.UpdateUser(ctx, access.System, admin.ID, auth.UserInput{Role: sp("auditor")}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("demoted beside a disabled admin: %v", err)
		}
		if _, err := svc.UpdateUser(ctx, access.System, second.ID, auth.UserInput{Disabled: bp(false)}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.UpdateUser(ctx, access.System, admin.ID, auth.UserInput{Role: sp("auditor")}); err != nil {
			t.Fatalf("demoted beside another active admin: %v", err)
		}
		if err := svc.DeleteUser(ctx, other, second.ID); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("new last admin deleted: %v", err)
		}
		// Other changes of the last admin still go through.
		if _, err := svc.UpdateUser(ctx, access.System, second.ID, auth.UserInput{DisplayName: sp("Quản trị")}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestConcurrentDemotionsLeaveAnAdmin: two admins demoting each other at
// the same moment: one wins, the other is refused.
func TestConcurrentDemotionsLeaveAnAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, _, a := lockoutWorld(t, db)
		b, err := svc.CreateUser(ctx, access.System, auth.UserInput{Username: sp("admin2"), Password: sp(rightPassword), Role: sp("admin")})
		if err != nil {
			t.Fatal(err)
		}
		for round := 0; round < 5; round++ {
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, id := range []int64{a.ID, b.ID} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					in := auth.UserInput{Role: sp("analyst")}
					if i == 1 {
						in = auth.UserInput{Disabled: bp(true)}
					}
					_, errs[i] = svc.UpdateUser(ctx, access.System, id, in)
				}()
			}
			wg.Wait()
			var active int
			db.Reader().QueryRow(`SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0`).Scan(&active)
			if active != 1 || (errs[0] == nil) == (errs[1] == nil) {
				t.Fatalf("round %d: %d active admins, errors %v", round, active, errs)
			}
			for _, err := range errs {
				if err != nil && !errors.Is(err, store.ErrConflict) {
					t.Fatal(err)
				}
			}
			// Back to two admins for the next round.
			for _, id := range []int64{a.ID, b.ID} {
				if _, err := svc.UpdateUser(ctx, access.System, id, auth.UserInput{Role: sp("admin"), Disabled: bp(false)}); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

// TestPasswordsEndTokens: a password set by an admin, reset from the
// command line or changed by its user ends the user's API tokens and
// sessions, unless the user keeps the tokens explicitly.
func TestPasswordsEndTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := auth.New(db, audit.New(db))
		u, err := svc.CreateUser(ctx, access.System, auth.UserInput{Username: sp("analyst1"), Password: sp(rightPassword), Role: sp("analyst")})
		if err != nil {
			t.Fatal(err)
		}
		me := u.Actor()
		works := func(tok auth.NewToken) bool {
			_, err := svc.TokenActor(ctx, tok.Secret)
			return err == nil
		}
		newToken := func() auth.NewToken {
			tok, err := svc.CreateToken(ctx, me, u.ID, "ci")
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		tok := newToken()
		if _, err := svc.UpdateUser(ctx, access.System, u.ID, auth.UserInput{Password: sp("set by the admin")}); err != nil {
			t.Fatal(err)
		}
		if works(tok) {
			t.Fatal("token survived a password set by an admin")
		}
		tok = newToken()
		cli := access.System
		cli.Username = "cli"
		if _, err := svc.ResetPassword(ctx, cli, "ANALYST1", "reset from the cli"); err != nil {
			t.Fatal(err)
		}
		if works(tok) {
			t.Fatal("token survived a reset")
		}
		_, err = svc.ResetPassword(ctx, cli, "analyst1", "short")
		fieldOf(t, err, "password")
		// Own change, keeping the tokens: they work; a session ends.
		tok = newToken()
		sess, _ := svc.StartSession(ctx, u)
		done, err := svc.ChangePassword(ctx, me, auth.PasswordChange{Current: "reset from the cli", New: "my own password", KeepTokens: true}, "192.0.2.1", "")
		if err != nil || done.TokensRevoked != 0 || done.SessionsEnded != 1 || !works(tok) {
			t.Fatalf("change keeping tokens: %+v %v, token works %v", done, err, works(tok))
		}
		if _, _, err := svc.SessionActor(ctx, sess.Secret); !errors.Is(err, store.ErrNotFound) {
			t.Fatal("session survived the change")
		}
		// Own change by default: tokens end.
		done, err = svc.ChangePassword(ctx, me, auth.PasswordChange{Current: "my own password", New: "my newer password"}, "192.0.2.1", "")
		if err != nil || done.TokensRevoked != 1 || works(tok) {
			t.Fatalf("default change: %+v %v", done, err)
		}
		// A wrong current password is a field error, counted like a login.
		for i := 0; i < 3; i++ {
			_, err := svc.ChangePassword(ctx, me, auth.PasswordChange{Current: "guess", New: "whatever long"}, "192.0.2.1", "")
			fieldOf(t, err, "current_password")
		}
		if _, err := svc.ChangePassword(ctx, me, auth.PasswordChange{Current: "my newer password", New: "whatever long"}, "192.0.2.1", ""); !errors.Is(err, store.ErrThrottled) {
			t.Fatalf("fourth try at once: %v", err)
		}
		if _, err := svc.Login(ctx, "analyst1", "my newer password", "192.0.2.1"); !errors.Is(err, store.ErrThrottled) {
			t.Fatalf("login from the same address not slowed by the failed checks: %v", err)
		}
		var n int
		db.Reader().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE object_type = 'user' AND after_json LIKE '%tokens_revoked%'`).Scan(&n)
		if n != 4 {
			t.Errorf("%d audited password changes, want 4", n)
		}
	})
}
