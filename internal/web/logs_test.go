package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// logTime is when the test's log event was received: a minute before the
// tests started, so that the default search (the last 24 hours) finds it.
var logTime = time.Now().UTC().Add(-time.Minute).Truncate(time.Millisecond)

// logEvent stores A1's event (once: storing is idempotent by id) and
// returns its path under prefix ("/logs/events/" or the API's).
func logEvent(prefix string) func(*world, string) string {
	return func(w *world, _ string) string {
		w.storeLogs()
		return prefix + logTime.Format("2006-01-02") + "/evt-a1"
	}
}

// storeLogs stores one event of A1 and one of B, idempotently.
func (w *world) storeLogs() {
	w.t.Helper()
	recs := []logstream.Record{
		{ID: "evt-a1", AgencyID: w.a1.ID, SystemID: w.sysA.ID, Receiver: logstream.ReceiverSyslogTCP, Sender: "10.1.0.5", Received: logTime, Source: "sshd",
			Fields: map[string]any{"host.name": "web-alpha", "user.name": "root"}, Original: "Failed password for root from 203.0.113.9 secretalpha"},
		{ID: "evt-b", AgencyID: w.b.ID, SystemID: w.sysB.ID, Receiver: logstream.ReceiverHTTP, Received: logTime, Source: "json",
			Fields: map[string]any{"host.name": "web-beta"}, Original: `{"msg":"secretbeta login"}`},
	}
	if _, err := w.svc.Logs.Store(context.Background(), recs); err != nil {
		w.t.Fatal(err)
	}
}

// The log search holds the agency scope through the API and the pages,
// and bad input is a 400 that names the parameter.
func TestLogSearchScopeAndBadInput(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			w := newWorld(t, engine)
			w.storeLogs()
			for _, c := range []struct{ role, own, other string }{
				{"agencyA", "secretalpha", "secretbeta"},
				{"agencyB", "secretbeta", "secretalpha"},
			} {
				for _, path := range []string{"/api/v1/logs/events", "/api/v1/logs/events?q=" + c.other, "/api/v1/logs/events?field.host.name=web*", "/api/v1/logs/storage"} {
					code, body := w.api(c.role, "GET", path, nil)
					if code != 200 {
						t.Fatalf("%s GET %s: %d %s", c.role, path, code, body)
					}
					if strings.Contains(string(body), c.other) || strings.Contains(string(body), "evt-"+map[string]string{"agencyA": "b", "agencyB": "a1"}[c.role]) {
						t.Errorf("%s GET %s leaks the other agency: %s", c.role, path, body)
					}
				}
				code, body := w.api(c.role, "GET", "/api/v1/logs/events", nil)
				var res struct {
					Events []struct{ ID, Original string }
				}
				if err := json.Unmarshal(body, &res); code != 200 || err != nil || len(res.Events) != 1 || !strings.Contains(res.Events[0].Original, c.own) {
					t.Errorf("%s does not find its own event: %d %s", c.role, code, body)
				}
			}
			day := logTime.Format("2006-01-02")
			// The pages: the search lists only the officer's own events, a
			// row opens the event, and the other agency's event is a 404.
			ba, bb := w.browser("agencyA"), w.browser("agencyB")
			if code, body := ba.get("/logs?fields=user.name%3Droot"); code != 200 || !strings.Contains(string(body), "secretalpha") || strings.Contains(string(body), "secretbeta") ||
				!strings.Contains(string(body), "/logs/events/"+day+"/evt-a1") || !strings.Contains(string(body), "Trung tâm Alpha Một") {
				t.Errorf("agency A's search page: %d %s", code, body)
			}
			if code, body := ba.get("/logs/events/" + day + "/evt-a1"); code != 200 || !strings.Contains(string(body), "web-alpha") || !strings.Contains(string(body), "Failed password") {
				t.Errorf("agency A's event page: %d %s", code, body)
			}
			if code, _ := bb.get("/logs/events/" + day + "/evt-a1"); code != 404 {
				t.Errorf("agency B reading A1's event page: %d, want 404", code)
			}
			if code, body := bb.get("/logs/storage"); code != 200 || strings.Contains(string(body), "Sở Alpha") {
				t.Errorf("agency B's storage page: %d %s", code, body)
			}
			if code, body := ba.get("/logs?from=nonsense"); code != 400 {
				t.Errorf("bad date on the page: %d %s", code, body)
			}
			for _, c := range []struct{ query, field string }{
				{"from=yesterday", "from"},
				{"from=2026-01-01&to=2026-06-01", "from"},
				{"from=2026-06-02&to=2026-06-01", "to"},
				{"hosts=web", "hosts"},
				{"field.bad%20name=x", "field.bad name"},
				{"page=100000", "page"},
				{"limit=0", "limit"},
			} {
				code, body := w.api("admin", "GET", "/api/v1/logs/events?"+c.query, nil)
				if code != 400 || !strings.Contains(string(body), url.QueryEscape(c.field)) && !strings.Contains(string(body), c.field) {
					t.Errorf("GET ?%s: %d %s, want 400 naming %s", c.query, code, body, c.field)
				}
			}
			if code, body := w.api("admin", "GET", "/api/v1/logs/events/2026-02-30/evt-a1", nil); code != 400 {
				t.Errorf("bad day: %d %s", code, body)
			}
			if code, body := w.api("admin", "GET", "/api/v1/logs/events/"+day+"/nope", nil); code != 404 {
				t.Errorf("unknown event: %d %s", code, body)
			}
			if code, body := w.api("admin", "GET", "/api/v1/logs/events/"+day+"/evt-a1", nil); code != 200 || !strings.Contains(string(body), `"user.name":"root"`) {
				t.Errorf("event: %d %s", code, body)
			}
		})
	}
}
