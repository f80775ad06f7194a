package cli_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/app"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/access"
)

// TestIngestTokenCreate: the command prints the secret once, on a line of
// its own; the token belongs to the agency named by code; an unknown
// agency is a clear error.
func TestIngestTokenCreate(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	svc, err := app.OpenServices(ctx, filepath.Join(data, "khien.db"))
	if err != nil {
		t.Fatal(err)
	}
	code, name := "SOTTTT", "Sở Thông tin và Truyền thông"
	a, err := svc.Registry.CreateAgency(ctx, access.System, registry.AgencyInput{Code: &code, Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	svc.DB.Close()
	rc, out := run("ingest", "token", "create", "--agency", code, "--label", "winlogbeat", "--data", data)
	secret := strings.TrimSpace(out)
	if rc != 0 || !strings.HasPrefix(secret, "khien-ingest_") || strings.Count(out, "\n") != 1 {
		t.Fatalf("exit %d, output %q", rc, out)
	}
	svc, err = app.OpenServices(ctx, filepath.Join(data, "khien.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.DB.Close()
	o, err := svc.Ingest.Authenticate(ctx, secret)
	if err != nil || o.AgencyID != a.ID || o.Name != "winlogbeat" {
		t.Fatalf("the printed token: %+v %v", o, err)
	}
	if rc, out := run("ingest", "token", "create", "--agency", "NOPE", "--data", data); rc == 0 || !strings.Contains(out, "agency") {
		t.Errorf("unknown agency: exit %d, %q", rc, out)
	}
	if rc, _ := run("ingest", "token", "create", "--data", data); rc == 0 {
		t.Error("no --agency: exit 0")
	}
}
