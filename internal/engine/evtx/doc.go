// Package evtx reads Windows XML Event Log files (.evtx), the logs a
// Windows machine keeps under System32\winevt\Logs, so that a responder's
// copy of a suspect machine's logs can be checked against Sigma rules. It
// is a pure library: bytes in, events out.
//
// # Use
//
//	r, err := evtx.Open(f, size) // f is an io.ReaderAt, e.g. an *os.File
//	for {
//		ev, err := r.Next() // io.EOF after the last event
//		…
//		ev.RecordID, ev.Written  // the record's header
//		ev.System, ev.Data       // the structured event
//		ev.XML()                 // the event as XML text
//		evtx.Flatten(ev)         // the flat fields Sigma rules name
//	}
//	r.Stats(), r.Problems()      // what was skipped, and why
//
// r.Events() gives the same as a range-over-func iterator, and
// HasSignature tells an EVTX file by its first bytes.
//
// # The format
//
// Written from the public description of the format (Joachim Metz's
// "Windows XML Event Log (EVTX)" notes for libevtx, and Microsoft's
// [MS-EVEN6] for binary XML). A file is a 4 KiB header ("ElfFile\0",
// a CRC32 of its first 120 bytes, a dirty flag) followed by 64 KiB
// chunks. A chunk ("ElfChnk\0") has a 512-byte header with two CRC32s, one
// of the header and one of the records, then event records: signature
// 0x2a2a0000, size, record id, FILETIME, the event as binary XML (BinXml),
// and the size again. BinXml is a token stream: fragment headers, elements
// with attributes, text, CDATA, character and entity references,
// processing instructions, and template instances. Names and template
// definitions are written once per chunk and referred to afterwards by
// their offset in the chunk; a template instance carries the substitution
// values (every type: strings, integers, reals, booleans, binary, GUIDs,
// size_t, FILETIME, SYSTEMTIME, SIDs, hexadecimal integers, arrays of
// them, and nested BinXml, which is how UserData and some EventData come).
//
// Rendering follows Windows: an attribute whose value is an optional
// substitution of a null value is left out; an element whose only content
// is an array substitution is repeated once per item; integers are
// decimal, hexadecimal types are 0x…, GUIDs {…} in capitals, times
// ISO 8601 in UTC to 100 ns, SIDs S-1-…; ANSI strings are read as Latin-1
// (the writer's code page is not in the file). Elements of a BinXml value
// may come without the dependency identifier; the reader takes the layout
// whose sizes and name offset make sense.
//
// # Damaged and hostile files
//
// Reading never panics and never fails as a whole for a bad part: a
// chunk with a bad signature or checksum, a free space offset outside it
// or cut short is reported (Problems) and counted (Stats) and the next
// chunk is read; Options.Recover reads the records of such a chunk anyway,
// each still checked. A record whose size, signature or BinXml is wrong
// is reported and skipped, and the walk goes on at the next record
// signature. Every chunk slot in the file is read, including chunks past
// the header's count (a dirty file's header lags behind); all-zero slots
// are counted as empty. Memory is one chunk plus the event being built:
// nesting of elements, template instances and BinXml values together is
// limited to 64, one record may build at most 200,000 nodes and 8 MiB of
// text, and one chunk's records at most about a million nodes, so a
// template that refers to itself or a small record that expands a big
// template many times costs no more than a real chunk.
//
// # Field names of Flatten
//
// Flatten gives the names Sigma's Windows rules use (as the SigmaHQ rules
// and the Sysmon and Security event schemas spell them):
//
//   - every EventData field under its Name attribute: CommandLine, Image,
//     ParentImage, TargetUserName, LogonType, …; the Binary element as
//     Binary; Data elements without a Name as Data;
//   - for UserData, every leaf element under it by its element name
//     (SubjectUserName of a log-cleared event, for example);
//   - from System: EventID, Qualifiers (when present), Provider_Name,
//     Provider_Guid, Provider_EventSourceName, Version, Level, Task,
//     Opcode, Keywords, TimeCreated (the SystemTime attribute),
//     EventRecordID, Correlation_ActivityID, Correlation_RelatedActivityID,
//     Execution_ProcessID, Execution_ThreadID, Channel, Computer and
//     Security_UserID (the Execution and Security ones are prefixed so that
//     they do not collide with EventData's ProcessId or UserID).
//
// Values are strings, the text the event's XML shows (EventID "4688",
// Keywords "0x8020000000000000", LogonType "3"), as Winlogbeat ships
// event data; a name that occurs more than once (unnamed Data elements,
// array values) gives a []string in document order. Absent System values
// are left out. A System field wins over an EventData field of the same
// name.
package evtx
