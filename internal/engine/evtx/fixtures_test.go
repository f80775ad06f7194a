package evtx

// Realistic events for the writer: a System block laid out as Windows'
// templates lay it out, Sysmon process creation (event 1) and Security
// logon (4624) and process creation (4688) events with their real field
// names and value types, and a log-cleared (1102) event whose UserData is
// a nested BinXml value.

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"time"
)

// Value constructors, one per value type.
func vNull() tval                       { return tval{typ: typeNull} }
func vStr(s string) tval                { return tval{typ: typeString, data: utf16le(s)} }
func vAnsi(s string) tval               { return tval{typ: typeAnsi, data: []byte(s)} }
func vI8(v int8) tval                   { return tval{typ: typeInt8, data: []byte{byte(v)}} }
func vU8(v uint8) tval                  { return tval{typ: typeUint8, data: []byte{v}} }
func vI16(v int16) tval                 { return tval{typ: typeInt16, data: le16(uint16(v))} }
func vU16(v uint16) tval                { return tval{typ: typeUint16, data: le16(v)} }
func vI32(v int32) tval                 { return tval{typ: typeInt32, data: le32(uint32(v))} }
func vU32(v uint32) tval                { return tval{typ: typeUint32, data: le32(v)} }
func vI64(v int64) tval                 { return tval{typ: typeInt64, data: le64(uint64(v))} }
func vU64(v uint64) tval                { return tval{typ: typeUint64, data: le64(v)} }
func vR32(v float32) tval               { return tval{typ: typeReal32, data: le32(math.Float32bits(v))} }
func vR64(v float64) tval               { return tval{typ: typeReal64, data: le64(math.Float64bits(v))} }
func vHex32(v uint32) tval              { return tval{typ: typeHex32, data: le32(v)} }
func vHex64(v uint64) tval              { return tval{typ: typeHex64, data: le64(v)} }
func vBin(b []byte) tval                { return tval{typ: typeBinary, data: b} }
func vTime(t time.Time) tval            { return tval{typ: typeFileTime, data: le64(toFiletime(t))} }
func vGUID(s string) tval               { return tval{typ: typeGUID, data: guidBytes(s)} }
func vSID(s string) tval                { return tval{typ: typeSID, data: sidBytes(s)} }
func vBinXML(f func(*chunkWriter)) tval { return tval{typ: typeBinXML, nested: f} }
func vBool(b bool) tval {
	if b {
		return tval{typ: typeBool, data: le32(1)}
	}
	return tval{typ: typeBool, data: le32(0)}
}

// vSysTime is a SYSTEMTIME: year, month, weekday, day, hour, minute,
// second, milliseconds.
func vSysTime(t time.Time) tval {
	var b []byte
	for _, v := range []int{t.Year(), int(t.Month()), int(t.Weekday()), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond() / 1e6} {
		b = append(b, le16(uint16(v))...)
	}
	return tval{typ: typeSysTime, data: b}
}

func le16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// guidBytes encodes {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}: the first three
// groups little-endian, the rest as written.
func guidBytes(s string) []byte {
	h := strings.ReplaceAll(strings.Trim(s, "{}"), "-", "")
	raw := make([]byte, 16)
	for i := range raw {
		v, _ := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		raw[i] = byte(v)
	}
	out := append([]byte{}, raw[3], raw[2], raw[1], raw[0], raw[5], raw[4], raw[7], raw[6])
	return append(out, raw[8:]...)
}

// sidBytes encodes S-R-A-S1-…: revision, count, 48-bit big-endian
// authority, 32-bit little-endian sub-authorities.
func sidBytes(s string) []byte {
	parts := strings.Split(s, "-")[1:]
	rev, _ := strconv.Atoi(parts[0])
	auth, _ := strconv.ParseUint(parts[1], 10, 48)
	b := []byte{byte(rev), byte(len(parts) - 2)}
	for i := 5; i >= 0; i-- {
		b = append(b, byte(auth>>(8*i)))
	}
	for _, p := range parts[2:] {
		v, _ := strconv.ParseUint(p, 10, 32)
		b = append(b, le32(uint32(v))...)
	}
	return b
}

func sub(i uint16, typ byte) *tsub    { return &tsub{index: i, typ: typ} }
func optSub(i uint16, typ byte) *tsub { return &tsub{index: i, typ: typ, optional: true} }

// systemNode is the System block with substitutions 0 to 17.
func systemNode() tnode {
	return tnode{name: "System", children: []tnode{
		{name: "Provider", attrs: []tattr{{name: "Name", sub: optSub(0, typeString)}, {name: "Guid", sub: optSub(1, typeGUID)}}},
		{name: "EventID", attrs: []tattr{{name: "Qualifiers", sub: optSub(3, typeUint16)}}, sub: sub(2, typeUint16)},
		{name: "Version", sub: optSub(4, typeUint8)},
		{name: "Level", sub: optSub(5, typeUint8)},
		{name: "Task", sub: optSub(6, typeUint16)},
		{name: "Opcode", sub: optSub(7, typeUint8)},
		{name: "Keywords", sub: optSub(8, typeHex64)},
		{name: "TimeCreated", attrs: []tattr{{name: "SystemTime", sub: optSub(9, typeFileTime)}}},
		{name: "EventRecordID", sub: optSub(10, typeUint64)},
		{name: "Correlation", attrs: []tattr{{name: "ActivityID", sub: optSub(11, typeGUID)}, {name: "RelatedActivityID", sub: optSub(12, typeGUID)}}},
		{name: "Execution", attrs: []tattr{{name: "ProcessID", sub: optSub(13, typeUint32)}, {name: "ThreadID", sub: optSub(14, typeUint32)}}},
		{name: "Channel", sub: optSub(15, typeString)},
		{name: "Computer", sub: optSub(16, typeString)},
		{name: "Security", attrs: []tattr{{name: "UserID", sub: optSub(17, typeSID)}}},
	}}
}

const eventNS = "http://schemas.microsoft.com/win/2004/08/events/event"

// dataField is one EventData field of a template.
type dataField struct {
	name string
	typ  byte
}

// eventTemplate is an Event with the System block and EventData whose
// Data elements take substitutions 18 onwards.
func eventTemplate(id uint32, fields []dataField) *ttemplate {
	ed := tnode{name: "EventData"}
	for i, f := range fields {
		ed.children = append(ed.children, tnode{name: "Data", attrs: []tattr{{name: "Name", text: f.name}}, sub: sub(uint16(18+i), f.typ)})
	}
	t := &ttemplate{id: id, root: tnode{name: "Event", attrs: []tattr{{name: "xmlns", text: eventNS}}, children: []tnode{systemNode(), ed}}}
	binary.LittleEndian.PutUint32(t.guid[:], id)
	return t
}

// sysSpec is the values of a System block.
type sysSpec struct {
	provider, guid    string
	eventID           uint16
	qualifiers        *uint16
	version, level    uint8
	task              uint16
	opcode            uint8
	keywords          uint64
	time              time.Time
	recordID          uint64
	activity          string
	pid, tid          uint32
	channel, computer string
	userSID           string
}

// values returns substitutions 0 to 17; absent optional ones are null.
func (s sysSpec) values() []tval {
	opt := func(s string, v func(string) tval) tval {
		if s == "" {
			return vNull()
		}
		return v(s)
	}
	q := vNull()
	if s.qualifiers != nil {
		q = vU16(*s.qualifiers)
	}
	return []tval{
		vStr(s.provider), opt(s.guid, vGUID), vU16(s.eventID), q,
		vU8(s.version), vU8(s.level), vU16(s.task), vU8(s.opcode), vHex64(s.keywords),
		vTime(s.time), vU64(s.recordID), opt(s.activity, vGUID), vNull(),
		vU32(s.pid), vU32(s.tid), vStr(s.channel), vStr(s.computer), opt(s.userSID, vSID),
	}
}

var when = time.Date(2024, 3, 5, 12, 34, 56, 789012300, time.UTC)

// sysmon1Template is Sysmon's process creation event (schema 4.90).
var sysmon1Template = eventTemplate(1, []dataField{
	{"RuleName", typeString}, {"UtcTime", typeString}, {"ProcessGuid", typeGUID}, {"ProcessId", typeUint32},
	{"Image", typeString}, {"FileVersion", typeString}, {"Description", typeString}, {"Product", typeString},
	{"Company", typeString}, {"OriginalFileName", typeString}, {"CommandLine", typeString}, {"CurrentDirectory", typeString},
	{"User", typeString}, {"LogonGuid", typeGUID}, {"LogonId", typeHex64}, {"TerminalSessionId", typeUint32},
	{"IntegrityLevel", typeString}, {"Hashes", typeString}, {"ParentProcessGuid", typeGUID}, {"ParentProcessId", typeUint32},
	{"ParentImage", typeString}, {"ParentCommandLine", typeString}, {"ParentUser", typeString},
})

// sysmon1 is a process creation: certutil downloading a file, started by cmd.
func sysmon1(recordID uint64, cmdline string) (*ttemplate, []tval) {
	sys := sysSpec{provider: "Microsoft-Windows-Sysmon", guid: "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}", eventID: 1,
		version: 5, level: 4, task: 1, keywords: 0x8000000000000000, time: when, recordID: recordID,
		pid: 3140, tid: 4188, channel: "Microsoft-Windows-Sysmon/Operational", computer: "PC-01.so-tc.gov.vn", userSID: "S-1-5-18"}
	vals := append(sys.values(),
		vStr("-"), vStr("2024-03-05 12:34:56.789"), vGUID("{9D1C5F2E-1234-65E7-0B05-000000001B00}"), vU32(6012),
		vStr(`C:\Windows\System32\certutil.exe`), vStr("10.0.19041.1 (WinBuild.160101.0800)"), vStr("CertUtil.exe"),
		vStr("Microsoft® Windows® Operating System"), vStr("Microsoft Corporation"), vStr("CertUtil.exe"),
		vStr(cmdline), vStr(`C:\Users\nam\`), vStr(`SO-TC\nam`), vGUID("{9D1C5F2E-0000-65E7-8C3D-0C0000000000}"),
		vHex64(0xc3d8c), vU32(1), vStr("Medium"), vStr("SHA256=0F3E7A9B1C2D4E5F60718293A4B5C6D7E8F90123456789ABCDEF0123456789AB"),
		vGUID("{9D1C5F2E-1200-65E7-0A05-000000001B00}"), vU32(4300), vStr(`C:\Windows\System32\cmd.exe`),
		vStr(`"C:\Windows\system32\cmd.exe"`), vStr(`SO-TC\nam`))
	return sysmon1Template, vals
}

// security4624Template is a successful logon (version 2).
var security4624Template = eventTemplate(2, []dataField{
	{"SubjectUserSid", typeSID}, {"SubjectUserName", typeString}, {"SubjectDomainName", typeString}, {"SubjectLogonId", typeHex64},
	{"TargetUserSid", typeSID}, {"TargetUserName", typeString}, {"TargetDomainName", typeString}, {"TargetLogonId", typeHex64},
	{"LogonType", typeUint32}, {"LogonProcessName", typeString}, {"AuthenticationPackageName", typeString}, {"WorkstationName", typeString},
	{"LogonGuid", typeGUID}, {"TransmittedServices", typeString}, {"LmPackageName", typeString}, {"KeyLength", typeUint32},
	{"ProcessId", typeHex64}, {"ProcessName", typeString}, {"IpAddress", typeString}, {"IpPort", typeString},
	{"ImpersonationLevel", typeString}, {"RestrictedAdminMode", typeString}, {"TargetOutboundUserName", typeString},
	{"TargetOutboundDomainName", typeString}, {"VirtualAccount", typeString}, {"TargetLinkedLogonId", typeHex64}, {"ElevatedToken", typeString},
})

func securitySys(eventID uint16, recordID uint64, task uint16) sysSpec {
	return sysSpec{provider: "Microsoft-Windows-Security-Auditing", guid: "{54849625-5478-4994-A5BA-3E3B0328C30D}", eventID: eventID,
		version: 2, task: task, keywords: 0x8020000000000000, time: when, recordID: recordID,
		activity: "{0F8A2E7C-6E1B-0001-A52E-8A0F1B6EDA01}", pid: 812, tid: 7260, channel: "Security", computer: "DC01.so-tc.gov.vn"}
}

// security4624 is a network logon (type 3) over NTLM from 10.20.30.40.
func security4624(recordID uint64) (*ttemplate, []tval) {
	vals := append(securitySys(4624, recordID, 12544).values(),
		vSID("S-1-0-0"), vStr("-"), vStr("-"), vHex64(0),
		vSID("S-1-5-21-3623811015-3361044348-30300820-1013"), vStr("nam"), vStr("SO-TC"), vHex64(0x8d3b1f),
		vU32(3), vStr("NtLmSsp "), vStr("NTLM"), vStr("WS-17"),
		vGUID("{00000000-0000-0000-0000-000000000000}"), vStr("-"), vStr("NTLM V2"), vU32(128),
		vHex64(0), vStr("-"), vStr("10.20.30.40"), vStr("49832"),
		vStr("%%1833"), vStr("-"), vStr("-"), vStr("-"), vStr("%%1843"), vHex64(0), vStr("%%1842"))
	return security4624Template, vals
}

// security4688Template is a process creation (version 2).
var security4688Template = eventTemplate(3, []dataField{
	{"SubjectUserSid", typeSID}, {"SubjectUserName", typeString}, {"SubjectDomainName", typeString}, {"SubjectLogonId", typeHex64},
	{"NewProcessId", typeHex64}, {"NewProcessName", typeString}, {"TokenElevationType", typeString}, {"ProcessId", typeHex64},
	{"CommandLine", typeString}, {"TargetUserSid", typeSID}, {"TargetUserName", typeString}, {"TargetDomainName", typeString},
	{"TargetLogonId", typeHex64}, {"ParentProcessName", typeString}, {"MandatoryLabel", typeSID},
})

// security4688 is whoami started from PowerShell.
func security4688(recordID uint64) (*ttemplate, []tval) {
	vals := append(securitySys(4688, recordID, 13312).values(),
		vSID("S-1-5-21-3623811015-3361044348-30300820-1013"), vStr("nam"), vStr("SO-TC"), vHex64(0x8d3b1f),
		vHex64(0x1a2c), vStr(`C:\Windows\System32\whoami.exe`), vStr("%%1938"), vHex64(0x2f4),
		vStr("whoami /all"), vSID("S-1-0-0"), vStr("-"), vStr("-"),
		vHex64(0), vStr(`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`), vSID("S-1-16-8192"))
	return security4688Template, vals
}

// systemOnlyTemplate is an Event whose second part is substitution 18, a
// BinXml value: how Windows stores UserData and classic EventData.
var systemOnlyTemplate = &ttemplate{id: 4, root: tnode{name: "Event", attrs: []tattr{{name: "xmlns", text: eventNS}},
	children: []tnode{systemNode(), {name: "UserData", sub: sub(18, typeBinXML)}}}}

// logClearedTemplate is the content of event 1102's UserData.
var logClearedTemplate = &ttemplate{id: 5, root: tnode{name: "LogFileCleared",
	attrs: []tattr{{name: "xmlns", text: "http://manifests.microsoft.com/win/2004/08/windows/eventlog"}},
	children: []tnode{
		{name: "SubjectUserSid", sub: sub(0, typeSID)},
		{name: "SubjectUserName", sub: sub(1, typeString)},
		{name: "SubjectDomainName", sub: sub(2, typeString)},
		{name: "SubjectLogonId", sub: sub(3, typeHex64)},
	}}}

// security1102 is "the audit log was cleared", UserData as nested BinXml.
func security1102(recordID uint64) (*ttemplate, []tval) {
	sys := securitySys(1102, recordID, 104)
	sys.provider, sys.guid, sys.version, sys.keywords = "Microsoft-Windows-Eventlog", "{FC65DDD8-D6EF-4962-83D5-6E5CFE9CE148}", 0, 0x4020000000000000
	vals := append(sys.values(), vBinXML(func(w *chunkWriter) {
		w.fragment()
		w.instance(logClearedTemplate, []tval{vSID("S-1-5-21-3623811015-3361044348-30300820-500"), vStr("Administrator"), vStr("SO-TC"), vHex64(0x3e7)})
		w.u8(tokEOF)
	}))
	return systemOnlyTemplate, vals
}
