package levels

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// The summaries must never drift from the rows they summarise. These
// tests make a random sequence of the changes that touch them
// (assessments, approvals at other levels and regimes, layers, archiving,
// moving a system to another agency, purges), and after each step
// compare what the dashboard and the annual report show — read from the
// summaries — with the same figures computed from the raw rows, the way
// they were computed before the summaries existed. At the end the
// summaries are deleted and rebuilt by the migration's backfill, which
// must give the same figures again.

// figures is what the dashboard shows that comes from the summaries.
type figures struct {
	Systems, Approved                int
	ByLevel                          map[string]int
	PlanFull, PlanPart, PlanNone     int
	Inspections                      int
	Score                            float64
	PerSystem                        map[int64]Counts
	Inspected                        map[int64]string
	Coverage                         Coverage
	Gaps                             map[string]int
	AgencyScores                     map[int64]Counts
	AgencySystems, AgencyApprovedNum map[int64]int
	DutiesOverdue                    int
	SystemDutiesOverdue              map[int64]int
}

// fromDashboard takes the figures from the dashboard (all top gaps).
func fromDashboard(t *testing.T, s *Service, agencyID int64) figures {
	t.Helper()
	ctx := context.Background()
	d, err := s.Dashboard(ctx, access.System, agencyID)
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.scope(ctx, access.System, agencyID)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.scopeRows(ctx, w, true)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := s.Scores(ctx, access.System, agencyID)
	if err != nil {
		t.Fatal(err)
	}
	y := d.Year
	f := figures{Systems: y.Systems, Approved: y.Approved, ByLevel: y.ByLevel, PlanFull: y.PlanFull, PlanPart: y.PlanPart, PlanNone: y.PlanNone,
		Inspections: y.Inspections, Score: y.Score, PerSystem: map[int64]Counts{}, Inspected: map[int64]string{}, Coverage: d.Coverage, Gaps: map[string]int{}}
	f.DutiesOverdue, f.SystemDutiesOverdue = y.DutiesOverdue, map[int64]int{}
	for _, r := range y.Rows {
		f.SystemDutiesOverdue[r.SystemID] = r.DutiesOverdue
		f.PerSystem[r.SystemID] = r.Counts
		if r.Inspected != "" {
			f.Inspected[r.SystemID] = r.Inspected
		}
	}
	for _, g := range s.topGapsOf(rows, 10000) {
		f.Gaps[g.Regime+" "+g.Requirement] = g.Systems
	}
	if len(d.TopGaps) != min(10, len(f.Gaps)) {
		t.Errorf("dashboard shows %d top gaps of %d", len(d.TopGaps), len(f.Gaps))
	}
	f.agencies(sc)
	return f
}

func (f *figures) agencies(sc Scores) {
	f.AgencyScores, f.AgencySystems, f.AgencyApprovedNum = map[int64]Counts{}, map[int64]int{}, map[int64]int{}
	for _, a := range sc.Agencies {
		f.AgencyScores[a.AgencyID] = a.Counts
		f.AgencySystems[a.AgencyID] = a.Systems
		f.AgencyApprovedNum[a.AgencyID] = a.Approved
	}
}

// fromRows computes the same figures from requirement_statuses,
// system_levels and system_layers directly.
func fromRows(t *testing.T, s *Service, agencyID int64) figures {
	t.Helper()
	ctx := context.Background()
	w, err := s.scope(ctx, access.System, agencyID)
	if err != nil {
		t.Fatal(err)
	}
	q := s.db.Q(ctx)
	f := figures{ByLevel: map[string]int{"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}, PerSystem: map[int64]Counts{}, Inspected: map[int64]string{}, Gaps: map[string]int{},
		SystemDutiesOverdue: map[int64]int{}}
	sc := Scores{}
	type sys struct {
		id, agency  int64
		regime      string
		level       int
		counts      Counts
		approvedReg bool
	}
	var list []*sys
	byID := map[int64]*sys{}
	rows, err := q.QueryContext(ctx, `SELECT s.id, s.agency_id, COALESCE(l.approved_regime, ''), COALESCE(l.approved_level, 0)
		FROM systems s LEFT JOIN system_levels l ON l.system_id = s.id WHERE `+w.SQL()+` ORDER BY s.id`, w.Args()...)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		x := &sys{}
		if err := rows.Scan(&x.id, &x.agency, &x.regime, &x.level); err != nil {
			t.Fatal(err)
		}
		list = append(list, x)
		byID[x.id] = x
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT r.system_id, r.requirement, r.regime, r.status FROM requirement_statuses r`+statusJoin+` WHERE `+w.SQL(), w.Args()...)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var req, regime, st string
		if err := rows.Scan(&id, &req, &regime, &st); err != nil {
			t.Fatal(err)
		}
		if st == Partial || st == NotImplemented {
			f.Gaps[regime+" "+req]++
		}
		switch st {
		case Implemented:
			byID[id].counts.Implemented++
		case Partial:
			byID[id].counts.Partial++
		case NotImplemented:
			byID[id].counts.NotImplemented++
		case NotApplicable:
			byID[id].counts.NotApplicable++
		}
	}
	rows.Close()
	agencies := map[int64]*AgencyScore{}
	for _, x := range list {
		a := agencies[x.agency]
		if a == nil {
			a = &AgencyScore{AgencyID: x.agency}
			agencies[x.agency] = a
		}
		a.Systems++
		f.Systems++
		c := Counts{}
		if r, ok := s.lib.Regime(x.regime); ok && x.level > 0 {
			c = x.counts
			c.Applicable = r.RequirementCount(x.level)
			c.NotAssessed = c.Applicable - c.Implemented - c.Partial - c.NotImplemented - c.NotApplicable
			c.score()
			a.Approved++
			f.Approved++
			duties, err := s.Duties(ctx, access.System, x.id) // from the rows, not the summary
			if err != nil {
				t.Fatal(err)
			}
			f.SystemDutiesOverdue[x.id] = overdueDuties(duties)
			f.DutiesOverdue += overdueDuties(duties)
			a.plus(c)
			sc.Total.plus(c)
			f.ByLevel[fmt.Sprint(x.level)]++
			switch planOf(c) {
			case PlanFull:
				f.PlanFull++
			case PlanPartial:
				f.PlanPart++
			default:
				f.PlanNone++
			}
		}
		f.PerSystem[x.id] = c
		if _, ok := f.SystemDutiesOverdue[x.id]; !ok {
			f.SystemDutiesOverdue[x.id] = 0
		}
	}
	for _, a := range agencies {
		a.score()
		sc.Agencies = append(sc.Agencies, *a)
	}
	sc.Total.score()
	f.Score = sc.Total.Score
	f.agencies(sc)
	f.rawLayers(t, s, w, len(list))
	return f
}

// rawLayers computes coverage and inspections from the layers' JSON.
func (f *figures) rawLayers(t *testing.T, s *Service, w store.Where, live int) {
	t.Helper()
	ctx := context.Background()
	now := s.clock()
	from, to, _, _ := period(s.reportRegime(), now.Year())
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT l.system_id, l.layer, l.details_json FROM system_layers l JOIN systems s ON s.id = l.system_id WHERE `+w.SQL(), w.Args()...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	inPlace := map[int64]int{}
	perLayer := [4]int{}
	f.Coverage.Systems = live
	for rows.Next() {
		var id int64
		var n int
		var body string
		if err := rows.Scan(&id, &n, &body); err != nil {
			t.Fatal(err)
		}
		var d LayerDetails
		if err := json.Unmarshal([]byte(body), &d); err != nil {
			t.Fatal(err)
		}
		if n == 3 && d.LastDate >= from && d.LastDate <= to {
			f.Inspected[id] = d.LastDate
			f.Inspections++
		}
		switch status(n, d, now) {
		case LayerInPlace:
			inPlace[id]++
			perLayer[n-1]++
		case LayerExpiring:
			inPlace[id]++
			perLayer[n-1]++
			f.Coverage.ContractsExpiring++
		case LayerOverdue:
			f.Coverage.InspectionsOverdue++
		}
	}
	for _, n := range inPlace {
		if n == 4 {
			f.Coverage.Full++
		}
	}
	for i := range f.Coverage.Missing {
		f.Coverage.Missing[i] = live - perLayer[i]
	}
}

// world is the province of the random test.
type world struct {
	t      *testing.T
	s      *Service
	db     *store.DB
	rnd    *rand.Rand
	live   []int64 // systems not purged
	nextID int64
}

func (w *world) exec(sql string, args ...any) {
	w.t.Helper()
	if _, err := w.db.Writer().ExecContext(context.Background(), sql, args...); err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
}

func newWorld(t *testing.T, db *store.DB, seed uint64) *world {
	s, err := New(db, audit.New(db), nil)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, s: s, db: db, rnd: rand.New(rand.NewPCG(seed, 12))}
	now := store.Now()
	for _, a := range []struct {
		id   int64
		path string
	}{{1, "/1/"}, {2, "/1/2/"}, {3, "/3/"}} {
		w.exec(`INSERT INTO agencies (id, code, name, path, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`, a.id, fmt.Sprintf("A%d", a.id), fmt.Sprintf("Sở %d", a.id), a.path, now)
	}
	for range 9 {
		w.addSystem()
	}
	// the first system starts with its four layers in place
	yes := true
	for n, d := range []LayerDetails{{People: []Person{{Name: "Trần Bình", Email: "binh@example.vn"}}},
		{Provider: "VNPT", ContractEnd: time.Now().AddDate(1, 0, 0).Format(time.DateOnly), Connection: "VPN"},
		{Organisation: "Cục An toàn thông tin", LastDate: time.Now().AddDate(0, -1, 0).Format(time.DateOnly), NextDue: time.Now().AddDate(1, 0, 0).Format(time.DateOnly)},
		{Connected: &yes}} {
		if _, err := s.SetLayer(context.Background(), access.System, 1, n+1, d); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *world) addSystem() {
	w.nextID++
	id, now := w.nextID, store.Now()
	a := w.rnd.Int64N(3) + 1
	w.exec(`INSERT INTO systems (id, agency_id, name, agency_path, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`, id, a, fmt.Sprintf("HT %d", id), agencyPath(a), now)
	w.live = append(w.live, id)
}

func agencyPath(a int64) string { return map[int64]string{1: "/1/", 2: "/1/2/", 3: "/3/"}[a] }

// approve proposes and approves a random level under a random regime,
// as the dossier workflow's last step writes it.
func (w *world) approve(id int64) {
	ctx := context.Background()
	regime := []string{"nd85-2016", "nd331-2026"}[w.rnd.IntN(2)]
	level := w.rnd.IntN(5) + 1
	now := store.Now()
	var prop int64
	err := w.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO level_proposals (system_id, regime, regime_version, level, implied_level, answers_json, reasons_json, proposed_by, created_at)
			VALUES ($1, $2, 'x', $3, $3, '{}', '[]', 'test', $4) RETURNING id`, id, regime, level, now).Scan(&prop); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO system_levels (system_id, regime, proposed_level, proposal_id, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (system_id) DO UPDATE SET regime = excluded.regime, proposed_level = excluded.proposed_level, proposal_id = excluded.proposal_id`, id, regime, level, prop, now); err != nil {
			return err
		}
		return w.s.approveLevel(ctx, tx, dossierRow{Dossier: Dossier{SystemID: id, Regime: regime, Level: level}}, time.Now())
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

// assess records random statuses of some of the system's requirements.
func (w *world) assess(id int64) {
	ctx := context.Background()
	r, level, err := w.s.approved(ctx, w.db.Q(ctx), id)
	if err != nil {
		return // not approved yet: nothing to assess
	}
	reqs := r.Requirements(level)
	var in AssessmentInput
	for _, i := range w.rnd.Perm(len(reqs))[:w.rnd.IntN(len(reqs))+1] {
		st := []string{Implemented, Partial, NotImplemented, NotApplicable}[w.rnd.IntN(4)]
		in.Items = append(in.Items, StatusInput{Requirement: reqs[i].ID, Status: st, Justification: "lý do"})
	}
	if _, err := w.s.Assess(ctx, access.System, id, in); err != nil {
		w.t.Fatalf("assess %d: %v", id, err)
	}
}

// layer records a random version of a random layer.
func (w *world) layer(id int64) {
	day := func() string { return time.Now().AddDate(0, 0, w.rnd.IntN(800)-400).Format(time.DateOnly) }
	yes, no := true, false
	var d LayerDetails
	n := w.rnd.IntN(4) + 1
	switch n {
	case 1:
		p := Person{Name: "Nguyễn Văn An"}
		if w.rnd.IntN(4) > 0 {
			p.Phone = "0912345678"
		}
		d.People = []Person{p}
	case 2:
		end := time.Now().AddDate(0, 0, []int{-100, 10, 300, 300}[w.rnd.IntN(4)]).Format(time.DateOnly) // ended, ending, current
		d = LayerDetails{Provider: "Viettel", ContractEnd: end, Connection: []string{"", "VPN", "VPN", "VPN"}[w.rnd.IntN(4)]}
	case 3:
		d = LayerDetails{Organisation: []string{"", "Cục An toàn thông tin", "Cục An toàn thông tin", "Cục An toàn thông tin"}[w.rnd.IntN(4)], LastDate: day(), NextDue: day()}
	case 4:
		d.Connected = []*bool{&yes, &yes, &yes, &no}[w.rnd.IntN(4)]
	}
	if _, err := w.s.SetLayer(context.Background(), access.System, id, n, d); err != nil {
		w.t.Fatalf("layer %d of %d: %v", n, id, err)
	}
}

// duty records a random periodic duty of the system's level as done on
// a random past day.
func (w *world) duty(id int64) string {
	ctx := context.Background()
	r, level, err := w.s.approved(ctx, w.db.Q(ctx), id)
	if err != nil {
		return "nothing (no level)"
	}
	var ids []string
	for _, d := range r.Duties {
		if d.EveryMonths[fmt.Sprint(level)] > 0 {
			ids = append(ids, d.ID)
		}
	}
	if len(ids) == 0 {
		return "nothing (no periodic duty)"
	}
	in := DutyInput{Duty: ids[w.rnd.IntN(len(ids))], DoneOn: time.Now().AddDate(0, 0, -w.rnd.IntN(1000)).Format(time.DateOnly)}
	if _, err := w.s.RecordDuty(ctx, access.System, id, in); err != nil {
		w.t.Fatalf("duty of %d: %v", id, err)
	}
	return fmt.Sprintf("duty %s of %d", in.Duty, id)
}

// isLive says system id is not archived.
func (w *world) isLive(id int64) bool {
	var archived string
	if err := w.db.Q(context.Background()).QueryRowContext(context.Background(), `SELECT archived_at FROM systems WHERE id = $1`, id).Scan(&archived); err != nil {
		w.t.Fatal(err)
	}
	return archived == ""
}

// step makes one random change.
func (w *world) step() string {
	id := w.live[w.rnd.IntN(len(w.live))]
	var archived string
	if err := w.db.Q(context.Background()).QueryRowContext(context.Background(), `SELECT archived_at FROM systems WHERE id = $1`, id).Scan(&archived); err != nil {
		w.t.Fatal(err)
	}
	switch k := w.rnd.IntN(14); {
	case k == 0:
		a := w.rnd.Int64N(3) + 1
		w.exec(`UPDATE systems SET agency_id = $1, agency_path = $2 WHERE id = $3`, a, agencyPath(a), id)
		return fmt.Sprintf("move %d to agency %d", id, a)
	case k == 1:
		if archived == "" {
			w.exec(`UPDATE systems SET archived_at = $1 WHERE id = $2`, store.Now(), id)
			return fmt.Sprintf("archive %d", id)
		}
		w.exec(`UPDATE systems SET archived_at = '' WHERE id = $1`, id)
		return fmt.Sprintf("restore %d", id)
	case k == 2 && len(w.live) > 4:
		err := w.db.WithTx(context.Background(), func(ctx context.Context, tx *store.Tx) error {
			if err := w.s.purgeSystem(ctx, events.SystemPurge{SystemID: id, Removed: events.Tally{}}); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE systems SET archived_at = $1 WHERE id = $2`, store.Now(), id); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `DELETE FROM systems WHERE id = $1`, id)
			return err
		})
		if err != nil {
			w.t.Fatal(err)
		}
		for i, x := range w.live {
			if x == id {
				w.live = append(w.live[:i], w.live[i+1:]...)
				break
			}
		}
		w.addSystem()
		return fmt.Sprintf("purge %d", id)
	case archived != "":
		return "nothing (archived)"
	case k <= 4:
		w.approve(id)
		return fmt.Sprintf("approve %d", id)
	case k <= 6:
		w.assess(id)
		return fmt.Sprintf("assess %d", id)
	case k == 7:
		return w.duty(id)
	default: // most to the first systems, so that some get all four
		if first := w.live[w.rnd.IntN(min(3, len(w.live)))]; w.isLive(first) {
			id = first
		}
		w.layer(id)
		return fmt.Sprintf("layer of %d", id)
	}
}

// compare fails when the summaries' figures differ from the rows', and
// returns the province's figures.
func (w *world) compare(when string) figures {
	w.t.Helper()
	var province figures
	for _, agency := range []int64{0, 1, 2, 3} {
		got, want := fromDashboard(w.t, w.s, agency), fromRows(w.t, w.s, agency)
		if !reflect.DeepEqual(got, want) {
			w.t.Fatalf("after %s, agency %d:\nsummaries %+v\nrows      %+v", when, agency, got, want)
		}
		if agency == 0 {
			province = got
		}
	}
	return province
}

// TestSummariesNeverDrift runs 150 random changes on each engine,
// comparing after each, then rebuilds the summaries with the migration's
// backfill and compares again.
func TestSummariesNeverDrift(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, seed := range []uint64{1, 2} {
			if seed > 1 {
				db = storetest.Open(t, db.Engine)
			}
			w := newWorld(t, db, seed)
			w.compare("start")
			var done []string
			// what the sequence went through, so that it is known to test
			// each kind of figure
			var seen struct{ approved, gaps, full, expiring, overdue, inspected, duties bool }
			for range 200 {
				done = append(done, w.step())
				f := w.compare(strings.Join(done[max(0, len(done)-5):], ", "))
				seen.approved = seen.approved || f.Approved > 0
				seen.gaps = seen.gaps || len(f.Gaps) > 0
				seen.full = seen.full || f.Coverage.Full > 0
				seen.expiring = seen.expiring || f.Coverage.ContractsExpiring > 0
				seen.overdue = seen.overdue || f.Coverage.InspectionsOverdue > 0
				seen.inspected = seen.inspected || f.Inspections > 0
				seen.duties = seen.duties || f.DutiesOverdue > 0
			}
			if !seen.approved || !seen.gaps || !seen.full || !seen.expiring || !seen.overdue || !seen.inspected || !seen.duties {
				t.Fatalf("the random sequence did too little to test: %+v", seen)
			}
			before := fromDashboard(t, w.s, 0)
			w.exec(`DELETE FROM level_summaries`)
			w.backfill()
			w.compare("the migration's backfill")
			if after := fromDashboard(t, w.s, 0); !reflect.DeepEqual(before, after) {
				t.Fatalf("backfill: %+v, want %+v", after, before)
			}
		}
	})
}

// backfill runs the INSERT that ends the summaries' migration.
func (w *world) backfill() { runBackfill(w.t, w.db) }

// runBackfill runs the INSERT that ends the summaries' migration.
func runBackfill(t testing.TB, db *store.DB) {
	t.Helper()
	ms, err := store.Migrations(db.Engine)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if strings.Contains(m.Name, "level_summaries") {
			_, rest, ok := strings.Cut(m.SQL, "-- backfill")
			i := strings.Index(rest, "INSERT INTO level_summaries")
			if !ok || i < 0 {
				t.Fatal("no backfill in " + m.File)
			}
			if _, err := db.Writer().ExecContext(context.Background(), rest[i:]); err != nil {
				t.Fatalf("backfill: %v", err)
			}
			return
		}
	}
	t.Fatal("no migration for level_summaries")
}

// TestSummaryLayerStatuses: the summary tells each layer's status as the
// recorded details do, around the dates that matter.
func TestSummaryLayerStatuses(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, end := range []string{"", "2026-11-30", "2026-12-01", "2026-12-31", "2027-01-01"} {
		d := LayerDetails{Provider: "P", ContractEnd: end, Connection: "VPN"}
		m := summaryRow{ContractEnd: end}
		if got, want := m.layerStatuses(now)[1], status(2, d, now); got != want && (want != LayerIncomplete || got != LayerIncomplete) {
			t.Errorf("contract end %q: %s, want %s", end, got, want)
		}
	}
	for _, due := range []string{"2026-11-30", "2026-12-01"} {
		d := LayerDetails{Organisation: "O", LastDate: "2025-01-01", NextDue: due}
		if got, want := (summaryRow{NextDue: due}).layerStatuses(now)[2], status(3, d, now); got != want {
			t.Errorf("next due %q: %s, want %s", due, got, want)
		}
	}
}
