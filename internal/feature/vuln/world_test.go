package vuln_test

import (
	"context"
	"testing"

	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/feature/vuln"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
)

// world is a small province wired as the platform wires it: the registry
// publishes SystemsChanged, sitescan publishes ScanFinished, and the
// vulnerability feature reacts (durable subscribers run after each commit).
type world struct {
	DB       *store.DB
	Audit    *audit.Log
	Registry *registry.Registry
	Sites    *sitescan.Service
	Vuln     *vuln.Service
	A, B     registry.Agency
	OfficerA access.Actor
	OfficerB access.Actor
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	return newWorldWithLog(t, db, audit.New(db))
}

// newKeyedWorld is newWorld with a keyed audit log, as khien serve runs.
func newKeyedWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	key, err := audit.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	log := audit.NewKeyed(db, key)
	if err := log.Bind(context.Background()); err != nil {
		t.Fatal(err)
	}
	return newWorldWithLog(t, db, log)
}

func newWorldWithLog(t *testing.T, db *store.DB, log *audit.Log) *world {
	t.Helper()
	ctx := context.Background()
	bus := events.New(db, nil)
	w := &world{DB: db, Audit: log, Registry: registry.New(db, log, bus)}
	w.Sites = sitescan.New(db, log, bus, sitescan.Config{})
	w.Vuln = vuln.New(db, log, bus)
	mk := func(code, name string) registry.Agency {
		a, err := w.Registry.CreateAgency(ctx, access.System, registry.AgencyInput{Code: &code, Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	w.A, w.B = mk("STTTT", "Sở Thông tin và Truyền thông"), mk("SYT", "Sở Y tế")
	w.OfficerA = access.Actor{UserID: 98, Username: "canbo.a", Role: access.Agency, AgencyID: w.A.ID, AgencyPath: w.A.Path}
	w.OfficerB = access.Actor{UserID: 99, Username: "canbo.b", Role: access.Agency, AgencyID: w.B.ID, AgencyPath: w.B.Path}
	return w
}
