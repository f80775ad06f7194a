package registry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/platform/valid"
)

func sp(s string) *string { return &s }

type fixture struct {
	reg        *registry.Registry
	db         *store.DB
	root, a, b registry.Agency
	a1         registry.Agency
}

// newFixture builds province → A → A1, province → B.
func newFixture(t *testing.T, db *store.DB) fixture {
	t.Helper()
	ctx := context.Background()
	f := fixture{reg: registry.New(db, audit.New(db), nil), db: db}
	mk := func(code, name string, parent *registry.Agency) registry.Agency {
		in := registry.AgencyInput{Code: sp(code), Name: sp(name)}
		if parent != nil {
			id := parent.ID
			in.ParentID = registry.OptionalID{Set: true, ID: &id}
		}
		a, err := f.reg.CreateAgency(ctx, access.System, in)
		if err != nil {
			t.Fatalf("create %s: %v", code, err)
		}
		return a
	}
	f.root = mk("PROV", "UBND tỉnh", nil)
	f.a = mk("STC", "Sở Tài chính", &f.root)
	f.a1 = mk("STC-KB", "Kho bạc", &f.a)
	f.b = mk("SYT", "Sở Y tế", &f.root)
	return f
}

func (f fixture) officer(a registry.Agency) access.Actor {
	return access.Actor{UserID: 99, Username: "officer-" + a.Code, Role: access.Agency, AgencyID: a.ID, AgencyPath: a.Path}
}

func TestAgencyTreeAndScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		if f.a1.Path != f.root.Path[:len(f.root.Path)]+strings.TrimPrefix(f.a.Path, f.root.Path)+strings.TrimPrefix(f.a1.Path, f.a.Path) || !strings.HasPrefix(f.a1.Path, f.a.Path) {
			t.Fatalf("paths: %s %s %s", f.root.Path, f.a.Path, f.a1.Path)
		}
		officerA := f.officer(f.a)
		list, total, err := f.reg.Agencies(ctx, officerA, registry.AgencyFilter{})
		if err != nil || total != 2 || len(list) != 2 {
			t.Fatalf("officer A sees %d/%d agencies (%v), want 2", len(list), total, err)
		}
		if _, err := f.reg.Agency(ctx, officerA, f.b.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("officer A reading B: %v, want not found", err)
		}
		// Search folds diacritics.
		list, _, err = f.reg.Agencies(ctx, access.System, registry.AgencyFilter{Query: "so tai chinh"})
		if err != nil || len(list) != 1 || list[0].Code != "STC" {
			t.Fatalf("search: %v %v", list, err)
		}
		// Moving A under B moves A1 too, with its systems.
		a1id := f.a1.ID
		if _, err := f.reg.CreateSystem(ctx, access.System, registry.SystemInput{AgencyID: &a1id, Name: sp("Hệ thống của A1")}); err != nil {
			t.Fatal(err)
		}
		if _, n, _ := f.reg.Systems(ctx, f.officer(f.b), registry.SystemFilter{}); n != 0 {
			t.Fatalf("B sees %d systems before the move", n)
		}
		bid := f.b.ID
		moved, err := f.reg.UpdateAgency(ctx, access.System, f.a.ID, registry.AgencyInput{ParentID: registry.OptionalID{Set: true, ID: &bid}})
		if err != nil {
			t.Fatal(err)
		}
		a1, _ := f.reg.Agency(ctx, access.System, f.a1.ID)
		if !strings.HasPrefix(a1.Path, moved.Path) || !strings.HasPrefix(moved.Path, f.b.Path) {
			t.Fatalf("after move: A %s A1 %s B %s", moved.Path, a1.Path, f.b.Path)
		}
		if _, n, _ := f.reg.Systems(ctx, f.officer(f.b), registry.SystemFilter{}); n != 1 {
			t.Fatalf("after the move B's officer sees %d systems, want A1's one", n)
		}
		if _, n, _ := f.reg.Systems(ctx, access.System, registry.SystemFilter{AgencyID: &bid}); n != 1 {
			t.Fatalf("agency filter on B after the move: %d", n)
		}
		// No cycles.
		_, err = f.reg.UpdateAgency(ctx, access.System, f.a.ID, registry.AgencyInput{ParentID: registry.OptionalID{Set: true, ID: &a1id}})
		var fe valid.Errors
		if !errors.As(err, &fe) || fe[0].Field != "parent_id" {
			t.Fatalf("cycle: %v", err)
		}
		// Duplicate code.
		_, err = f.reg.CreateAgency(ctx, access.System, registry.AgencyInput{Code: sp("SYT"), Name: sp("x")})
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate code: %v", err)
		}
		// Deleting an agency with units is refused.
		if err := f.reg.DeleteAgency(ctx, access.System, f.b.ID); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("delete non-empty: %v", err)
		}
	})
}

func TestSystemsScopeAndValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		urls := []string{"https://stc.example/", "HTTPS://Cổng.Example/path"}
		doms := []string{"stc.example", "Bộ-Tài-Chính.example"}
		ips := []string{"192.0.2.10"}
		cidrs := []string{"198.51.100.0/24"}
		sw := []registry.Software{{Name: "nginx", Version: "1.24.0", CPE: "cpe:2.3:a:f5:nginx:1.24.0:*:*:*:*:*:*:*"}}
		a1id := f.a1.ID
		s, err := f.reg.CreateSystem(ctx, f.officer(f.a), registry.SystemInput{AgencyID: &a1id, Name: sp(`Cổng <script>alert(1)</script> '; DROP TABLE systems; --`), URLs: &urls, Domains: &doms, IPs: &ips, CIDRs: &cidrs, Software: &sw})
		if err != nil {
			t.Fatal(err)
		}
		if s.Name != `Cổng <script>alert(1)</script> '; DROP TABLE systems; --` || len(s.URLs) != 2 || s.URLs[1] != "https://cổng.example/path" || s.Domains[1] != "bộ-tài-chính.example" || len(s.Software) != 1 {
			t.Fatalf("stored system: %+v", s)
		}
		if _, err := f.reg.System(ctx, f.officer(f.b), s.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("officer B reads A's system: %v", err)
		}
		list, total, err := f.reg.Systems(ctx, f.officer(f.b), registry.SystemFilter{})
		if err != nil || total != 0 || len(list) != 0 {
			t.Fatalf("officer B lists %d (%v)", total, err)
		}
		list, total, err = f.reg.Systems(ctx, access.System, registry.SystemFilter{Query: "cong"})
		if err != nil || total != 1 || list[0].ID != s.ID {
			t.Fatalf("search: %d %v", total, err)
		}
		// Bad input: every field reported, nothing written.
		bad := []string{"ftp://x.example/", "https://user:pw@x.example/", "not a url"}
		badD := []string{"-bad-.example", "x..example", "localhost"}
		badC := []string{"10.0.0.1/8", "300.0.0.0/8"}
		_, err = f.reg.CreateSystem(ctx, access.System, registry.SystemInput{AgencyID: &a1id, Name: sp(""), URLs: &bad, Domains: &badD, CIDRs: &badC})
		var fe valid.Errors
		if !errors.As(err, &fe) || len(fe) != 9 {
			t.Fatalf("want 9 field errors, got %v", err)
		}
		_, total, _ = f.reg.Systems(ctx, access.System, registry.SystemFilter{})
		if total != 1 {
			t.Fatalf("a refused system was written: %d systems", total)
		}
		// Officer B cannot move A's system or create one in A.
		if _, err := f.reg.UpdateSystem(ctx, f.officer(f.b), s.ID, registry.SystemInput{Name: sp("x")}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("officer B update: %v", err)
		}
		if _, err := f.reg.CreateSystem(ctx, f.officer(f.b), registry.SystemInput{AgencyID: &a1id, Name: sp("x")}); !errors.As(err, &fe) {
			t.Fatalf("officer B create in A: %v", err)
		}
		auditor := access.Actor{UserID: 5, Username: "aud", Role: access.Auditor}
		if _, err := f.reg.UpdateSystem(ctx, auditor, s.ID, registry.SystemInput{Name: sp("x")}); !errors.Is(err, store.ErrForbidden) {
			t.Fatalf("auditor update: %v", err)
		}
		sum, err := f.reg.Summary(ctx, f.officer(f.a))
		if err != nil || sum.Systems != 1 || sum.URLs != 2 || sum.Agencies != 2 || sum.ByAgency[0].Systems != 1 {
			t.Fatalf("summary: %+v %v", sum, err)
		}
		if err := f.reg.DeleteSystem(ctx, f.officer(f.a), s.ID); err != nil {
			t.Fatal(err)
		}
	})
}

// TestCountsFollowWrites checks that list totals (cached between writes)
// change as soon as this process writes.
func TestCountsFollowWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		id := f.a.ID
		for want := 1; want <= 3; want++ {
			s, err := f.reg.CreateSystem(ctx, access.System, registry.SystemInput{AgencyID: &id, Name: sp("S")})
			if err != nil {
				t.Fatal(err)
			}
			if _, n, _ := f.reg.Systems(ctx, access.System, registry.SystemFilter{}); n != want {
				t.Fatalf("after create %d: total %d", want, n)
			}
			if want == 3 {
				if err := f.reg.DeleteSystem(ctx, access.System, s.ID); err != nil {
					t.Fatal(err)
				}
				if _, n, _ := f.reg.Systems(ctx, access.System, registry.SystemFilter{}); n != 2 {
					t.Fatalf("after delete: total %d", n)
				}
			}
		}
	})
}
