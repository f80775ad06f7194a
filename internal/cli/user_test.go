package cli_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/app"
	"github.com/khien-project/khien/internal/cli"
	"github.com/khien-project/khien/internal/feature/auth"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
)

func run(args ...string) (int, string) {
	var out bytes.Buffer
	code := cli.Run(args, &out, &out)
	return code, out.String()
}

// TestUserResetPassword: the operator who lost the admin's password sets
// a random one (printed once) or one from KHIEN_NEW_PASSWORD (checked by
// the password rules, not printed); the user's sessions and tokens end
// and the audit log says "cli".
func TestUserResetPassword(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	svc, err := app.OpenServices(ctx, filepath.Join(data, "khien.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.DB.Close()
	u, err := svc.Auth.CreateUser(ctx, access.System, auth.UserInput{Username: sp("Admin"), Password: sp("the lost password"), Role: sp("admin")})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := svc.Auth.CreateToken(ctx, access.System, u.ID, "ci")
	sess, _ := svc.Auth.StartSession(ctx, u)

	code, out := run("user", "reset-password", "--user", "admin", "--data", data)
	m := regexp.MustCompile(`(?m)^([A-Za-z0-9]{20})$`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("reset: %d %s", code, out)
	}
	if _, err := svc.Auth.Login(ctx, "admin", m[1], "192.0.2.1"); err != nil {
		t.Fatalf("login with the printed password: %v", err)
	}
	if _, err := svc.Auth.TokenActor(ctx, tok.Secret); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("token survived the reset: %v", err)
	}
	if _, _, err := svc.Auth.SessionActor(ctx, sess.Secret); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session survived the reset: %v", err)
	}
	entries, _, err := audit.New(svc.DB).List(ctx, access.System, audit.Filter{Actor: "cli", Limit: 10})
	if err != nil || len(entries) == 0 || !strings.Contains(string(entries[0].After), "tokens_revoked") {
		t.Errorf("reset not audited as cli: %v %+v", err, entries)
	}

	t.Setenv(cli.NewPasswordEnv, "short")
	if code, out := run("user", "reset-password", "--user", "admin", "--data", data); code == 0 || !strings.Contains(out, "8 to 256") {
		t.Errorf("short password from the environment: %d %s", code, out)
	}
	t.Setenv(cli.NewPasswordEnv, "chosen by the operator")
	code, out = run("user", "reset-password", "--user", "ADMIN", "--data", data)
	if code != 0 || strings.Contains(out, "chosen by the operator") {
		t.Fatalf("password from the environment: %d %s", code, out)
	}
	if _, err := svc.Auth.Login(ctx, "admin", "chosen by the operator", "192.0.2.1"); err != nil {
		t.Fatalf("login with the password from the environment: %v", err)
	}
	if code, out := run("user", "reset-password", "--user", "nobody", "--data", data); code == 0 || !strings.Contains(out, `no user named "nobody"`) {
		t.Errorf("unknown user: %d %s", code, out)
	}
	if code, out := run("user", "reset-password", "--data", data); code == 0 || !strings.Contains(out, "--user NAME is required") {
		t.Errorf("no user: %d %s", code, out)
	}
}

func sp(s string) *string { return &s }
