package alert_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/engine/normalize"
	"github.com/khien-project/khien/internal/feature/alert"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/notify"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/testkit/need"
)

// sigmaRule is a SigmaHQ rule from the shared reference set (by relative
// path; the tests that need it skip without it).
const sigmaRule = "../../../../shared/reference/sigma/rules/windows/process_creation/proc_creation_win_powershell_base64_encoded_cmd.yml"

const encodedUID = "ca2092a1-c273-4878-9b4b-0d60115bf5ea"
const bruteUID = "9c0e7d52-khien-test-sshd-brute"

// sent records notifications.
type sent struct {
	mu      sync.Mutex
	notices []notify.Notice
}

func (s *sent) Send(_ context.Context, n notify.Notice) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notices = append(s.notices, n)
	return nil
}

func (s *sent) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.notices)
}

// world is a province of two agencies, each with one system, and the
// alert service with the test pack imported.
type world struct {
	db       *store.DB
	svc      *alert.Service
	sent     *sent
	a, b     registry.Agency
	sysA     registry.System
	sysB     registry.System
	officerA access.Actor
	officerB access.Actor
	analyst  access.Actor
}

func newWorld(t *testing.T, db *store.DB, cfg alert.Config) *world {
	t.Helper()
	ctx := context.Background()
	log := audit.New(db)
	reg := registry.New(db, log, nil)
	w := &world{db: db, sent: &sent{}}
	cfg.Notify = w.sent
	w.svc = alert.New(db, log, events.New(db, nil), cfg)
	mkA := func(code, name string) registry.Agency {
		a, err := reg.CreateAgency(ctx, access.System, registry.AgencyInput{Code: &code, Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	mkS := func(a registry.Agency, name string) registry.System {
		s, err := reg.CreateSystem(ctx, access.System, registry.SystemInput{AgencyID: &a.ID, Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	w.a, w.b = mkA("SKHCN", "Sở Khoa học và Công nghệ"), mkA("SYT", "Sở Y tế")
	w.sysA, w.sysB = mkS(w.a, "Máy chủ thư điện tử"), mkS(w.b, "Cổng dịch vụ công")
	w.officerA = access.Actor{UserID: 90, Username: "canbo.a", Role: access.Agency, AgencyID: w.a.ID, AgencyPath: w.a.Path}
	w.officerB = access.Actor{UserID: 91, Username: "canbo.b", Role: access.Agency, AgencyID: w.b.ID, AgencyPath: w.b.Path}
	w.analyst = access.Actor{UserID: 92, Username: "phantich", Role: access.Analyst}
	if _, err := db.Writer().ExecContext(ctx, `INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES ('phantich', 'x', 'analyst', $1, $1)`, store.Now()); err != nil {
		t.Fatal(err)
	}
	w.importPack(t)
	return w
}

func (w *world) importPack(t *testing.T) alert.ImportResult {
	t.Helper()
	files, err := alert.ReadDir("testdata/pack")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(sigmaRule)
	if os.IsNotExist(err) {
		need.Skip(t, "../shared/reference/sigma is absent: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, alert.File{Name: "proc_creation_win_powershell_base64_encoded_cmd.yml", Data: data})
	res, err := w.svc.ImportPack(context.Background(), access.System, "test", "testdata", files)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

var recN int

// sysmon is a Sysmon process creation record of agency/system.
func sysmon(agency, system int64, cmd string) logstream.Record {
	recN++
	return logstream.Record{ID: fmt.Sprintf("sysmon-%d-%d", recN, time.Now().UnixNano()), AgencyID: agency, SystemID: system,
		Receiver: logstream.ReceiverBulk, Received: time.Now().UTC(), Time: time.Now().UTC(), Source: "winlogbeat",
		Product: "windows", Categories: []string{"process_creation"}, Services: []string{"sysmon"},
		Fields: map[string]any{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1,
			"Image": `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, "ParentImage": `C:\Windows\explorer.exe`, "CommandLine": cmd},
		Original: `{"winlog":{"event_id":1}}`}
}

const attackCmd = `powershell.exe -nop -w hidden -enc JABjAGwAaQBlAG4AdAAgAD0AIABOAGUAdwAtAE8AYgBqAGUAYwB0AA==`
const ordinaryCmd = `powershell.exe -NoProfile -File C:\scripts\backup.ps1`

// sshd is an sshd syslog line normalized as a receiver would.
func sshd(t testing.TB, agency, system int64, at time.Time, line string) logstream.Record {
	t.Helper()
	ev := normalize.Normalize(normalize.Input{Kind: normalize.KindLine, Body: line, Received: at})
	r := logstream.FromEvent(ev)
	recN++
	r.ID, r.AgencyID, r.SystemID, r.Receiver, r.Received = fmt.Sprintf("sshd-%d-%d", recN, at.UnixNano()), agency, system, logstream.ReceiverSyslogTCP, at
	r.Time = at
	return r
}

func failedLogin(t testing.TB, agency, system int64, at time.Time, ip string) logstream.Record {
	return sshd(t, agency, system, at, fmt.Sprintf("%s mail sshd[812]: Failed password for root from %s port 50122 ssh2", at.Format(time.Stamp), ip))
}

// eventually waits for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func list(t *testing.T, w *world, actor access.Actor, f alert.Filter) []alert.Detection {
	t.Helper()
	out, _, err := w.svc.Detections(context.Background(), actor, f)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
