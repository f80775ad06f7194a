package ingest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/feature/ingest"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// TestIngestTokens on both engines: admins and analysts create and revoke
// (audited, the secret never stored), others may not; an agency officer
// lists only their agency's tokens; a system must belong to the agency;
// a revoked token no longer authenticates.
func TestIngestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := audit.New(db)
		ev := events.New(db, nil)
		reg := registry.New(db, log, ev)
		svc := ingest.New(db, log, ev)
		mk := func(code string) registry.Agency {
			name := "Cơ quan " + code
			a, err := reg.CreateAgency(ctx, access.System, registry.AgencyInput{Code: &code, Name: &name})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		a, b := mk("TKA"), mk("TKB")
		name := "Hệ thống B"
		sysB, err := reg.CreateSystem(ctx, access.System, registry.SystemInput{AgencyID: &b.ID, Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		analyst := access.Actor{UserID: 2, Username: "phan.tich", Role: access.Analyst}
		officerA := access.Actor{UserID: 3, Username: "can.bo.a", Role: access.Agency, AgencyID: a.ID, AgencyPath: a.Path}
		auditor := access.Actor{UserID: 4, Username: "kiem.toan", Role: access.Auditor}

		tokA, err := svc.CreateToken(ctx, analyst, ingest.TokenInput{AgencyCode: "TKA", Label: "winlogbeat"})
		if err != nil || !strings.HasPrefix(tokA.Secret, ingest.TokenPrefix) || tokA.AgencyID != a.ID {
			t.Fatalf("analyst creates: %+v %v", tokA, err)
		}
		tokB, err := svc.CreateToken(ctx, admin, ingest.TokenInput{AgencyID: b.ID, SystemID: sysB.ID})
		if err != nil || tokB.SystemID != sysB.ID {
			t.Fatalf("admin creates with a system: %+v %v", tokB, err)
		}
		for _, who := range []access.Actor{officerA, auditor} {
			if _, err := svc.CreateToken(ctx, who, ingest.TokenInput{AgencyID: a.ID}); !errors.Is(err, store.ErrForbidden) {
				t.Errorf("%s creates: %v, want forbidden", who.Role, err)
			}
			if err := svc.RevokeToken(ctx, who, tokA.ID); !errors.Is(err, store.ErrForbidden) {
				t.Errorf("%s revokes: %v, want forbidden", who.Role, err)
			}
		}
		if _, err := svc.CreateToken(ctx, admin, ingest.TokenInput{AgencyID: a.ID, SystemID: sysB.ID}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("another agency's system: %v, want invalid", err)
		}
		if _, err := svc.CreateToken(ctx, admin, ingest.TokenInput{AgencyCode: "NOPE"}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("unknown agency: %v, want invalid", err)
		}
		if _, err := svc.CreateToken(ctx, admin, ingest.TokenInput{}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("no agency: %v, want invalid", err)
		}
		if l, err := svc.Tokens(ctx, officerA); err != nil || len(l) != 1 || l[0].ID != tokA.ID {
			t.Errorf("officer A lists %+v %v", l, err)
		}
		if l, err := svc.Tokens(ctx, auditor); err != nil || len(l) != 2 {
			t.Errorf("auditor lists %+v %v", l, err)
		}
		o, err := svc.Authenticate(ctx, tokB.Secret)
		if err != nil || o.AgencyID != b.ID || o.SystemID != sysB.ID || o.Name != tokB.Prefix {
			t.Fatalf("authenticate: %+v %v", o, err)
		}
		if _, err := svc.Authenticate(ctx, tokB.Secret+"x"); !errors.Is(err, ingest.ErrBadToken) {
			t.Errorf("a wrong secret: %v", err)
		}
		if err := svc.RevokeToken(ctx, analyst, tokB.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Authenticate(ctx, tokB.Secret); !errors.Is(err, ingest.ErrBadToken) {
			t.Errorf("a revoked token authenticates: %v", err)
		}
		if err := svc.RevokeToken(ctx, analyst, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoke unknown: %v", err)
		}
		var stored int
		if err := db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM ingest_tokens WHERE token_hash = $1 OR label = $1`, tokA.Secret).Scan(&stored); err != nil || stored != 0 {
			t.Errorf("the secret is stored in clear (%d, %v)", stored, err)
		}
		entries, _, err := log.List(ctx, admin, audit.Filter{ObjectType: "ingest-token", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var created, revoked int
		for _, e := range entries {
			switch e.Action {
			case audit.Create:
				created++
			case audit.Update:
				revoked++
			}
			if strings.Contains(string(e.After), tokA.Secret) || strings.Contains(string(e.After), tokB.Secret) {
				t.Errorf("the audit log holds a secret: %s", e.After)
			}
		}
		if created != 2 || revoked != 1 {
			t.Errorf("audit: %d creations, %d revocations; want 2 and 1", created, revoked)
		}
	})
}
