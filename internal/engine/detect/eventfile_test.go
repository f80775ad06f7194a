package detect

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func readAll(t *testing.T, in string) ([]*Event, []error) {
	t.Helper()
	r, err := OpenEvents(strings.NewReader(in), DefaultFormats())
	if err != nil {
		t.Fatal(err)
	}
	var evs []*Event
	var errs []error
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return evs, errs
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		evs = append(evs, ev)
	}
}

// TestEventFormats: NDJSON, a JSON array and pretty-printed objects read
// alike; Windows exports and Winlogbeat events gain Sigma's names and a
// logsource.
func TestEventFormats(t *testing.T) {
	win := `{"Event": {"System": {"Provider": {"@Name": "Microsoft-Windows-Sysmon"}, "EventID": {"#text": "1"}, "Channel": "Microsoft-Windows-Sysmon/Operational", "TimeCreated": {"@SystemTime": "2026-03-01T08:00:00Z"}}, "EventData": {"Data": [{"@Name": "Image", "#text": "C:\\x\\a.exe"}, {"@Name": "Empty"}]}}}`
	beat := `{"winlog": {"channel": "Security", "event_id": 4624, "event_data": {"TargetUserName": "lan"}}, "@timestamp": "2026-03-01T08:00:01Z"}`
	for name, in := range map[string]string{
		"ndjson": win + "\n\n" + beat + "\n",
		"array":  "[" + win + ",\n" + beat + "]",
		"pretty": strings.ReplaceAll(win, ", ", ",\n  ") + "\n" + strings.ReplaceAll(beat, ", ", ",\n  ") + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			evs, errs := readAll(t, in)
			if len(errs) > 0 || len(evs) != 2 {
				t.Fatalf("%d events, errors %v", len(evs), errs)
			}
			w, b := evs[0], evs[1]
			if w.String("Image") != `C:\x\a.exe` || w.String("EventID") != "1" || w.String("Provider_Name") != "Microsoft-Windows-Sysmon" {
				t.Errorf("Windows export fields: %v", w.Names())
			}
			if v, ok := w.Get("Empty"); !ok || v[0].Text != "" {
				t.Errorf("an empty Data item: %v %v", v, ok)
			}
			if w.Logsource != (Logsource{Product: "windows", Service: "sysmon", Category: "process_creation"}) {
				t.Errorf("Sysmon 1 routed as %+v", w.Logsource)
			}
			if b.String("TargetUserName") != "lan" || b.Logsource != (Logsource{Product: "windows", Service: "security", Category: NoCategory}) {
				t.Errorf("Winlogbeat logon: %+v %v", b.Logsource, b.Names())
			}
			if EventTime(w).IsZero() || EventTime(b).IsZero() {
				t.Error("event times not read")
			}
		})
	}
}

// TestClassify: the Sysmon and Security tables, and what an event that
// tells less gets.
func TestClassify(t *testing.T) {
	for _, c := range []struct {
		fields map[string]any
		want   Logsource
	}{
		{map[string]any{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 3}, Logsource{"windows", "network_connection", "sysmon"}},
		{map[string]any{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 12, "EventType": "DeleteKey"}, Logsource{"windows", "registry_delete", "sysmon"}},
		{map[string]any{"Channel": "Security", "EventID": "4688", "NewProcessName": `C:\a.exe`}, Logsource{"windows", "process_creation", "security"}},
		{map[string]any{"Channel": "Some-Vendor/Operational", "EventID": 7}, Logsource{Product: "windows"}},
		{map[string]any{"event": map[string]any{"category": []any{"process"}, "type": []any{"start"}}, "host": map[string]any{"os": map[string]any{"type": "linux"}}}, Logsource{Product: "linux", Category: "process_creation"}},
		{map[string]any{"message": "hello"}, Logsource{}},
	} {
		ev := NewEvent(c.fields)
		if got := Classify(ev); got != c.want {
			t.Errorf("%v: %+v, want %+v", c.fields, got, c.want)
		}
	}
	ev := NewEvent(map[string]any{"Channel": "Security", "EventID": "4688", "NewProcessName": `C:\a.exe`})
	Classify(ev)
	if ev.String("Image") != `C:\a.exe` {
		t.Errorf("4688 without Image: %v", ev.Names())
	}
	// routing: a process creation rule does not see a logon, sees an event of unknown source
	e := mustEngine(t, "title: p\nlogsource: {product: windows, category: process_creation}\ndetection: {s: {Image|endswith: a.exe}, condition: s}\n")
	for _, c := range []struct {
		ls   Logsource
		want int
	}{{Logsource{"windows", "process_creation", "sysmon"}, 1}, {Logsource{"windows", NoCategory, "security"}, 0}, {Logsource{}, 1}, {Logsource{Product: "linux"}, 0}} {
		ev := NewEvent(map[string]any{"Image": `C:\a.exe`})
		ev.Logsource = c.ls
		if got := len(e.Match(ev)); got != c.want {
			t.Errorf("logsource %+v: %d matches, want %d", c.ls, got, c.want)
		}
	}
}

// TestEventReset: a reused event holds only its new fields.
func TestEventReset(t *testing.T) {
	ev := NewEvent(map[string]any{"A": "1", "B": []any{"x", "y"}})
	ev.lowerText()
	ev.Reset()
	ev.Fill(map[string]any{"a": "2"})
	if ev.String("A") != "2" || len(ev.Names()) != 1 || strings.Contains(ev.lowerText(), "x") {
		t.Fatalf("after Reset: %v %q", ev.Names(), ev.lowerText())
	}
}

// TestEventErrors: a bad NDJSON line is an error at its position and the
// reader goes on; EVTX is refused.
func TestEventErrors(t *testing.T) {
	evs, errs := readAll(t, "{\"a\":1}\n{oops\n[1]\n{\"b\":2}\n")
	if len(evs) != 2 || len(errs) != 2 {
		t.Fatalf("%d events, %v", len(evs), errs)
	}
	var ee *EventError
	if !errors.As(errs[0], &ee) || ee.Index != 1 {
		t.Errorf("first error %v", errs[0])
	}
	if _, err := OpenEvents(strings.NewReader("ElfFile\x00rest"), DefaultFormats()); !errors.Is(err, ErrEVTXUnsupported) {
		t.Errorf("EVTX: %v", err)
	}
}
