package evtx

import (
	"strconv"
	"time"
)

// Event is one event record.
type Event struct {
	RecordID uint64    // the record's identifier
	Written  time.Time // when the record was written (its header's FILETIME)
	System   System    // the System block
	// Data holds the EventData fields (Data elements by their Name, then
	// Binary) or, for events with UserData, the leaf elements under it by
	// their element names, in document order.
	Data []Field
	// Section names where Data came from: "EventData", "UserData" or "".
	Section string
	// Root is the whole document, the Event element.
	Root *Element
}

// Field is one named value of EventData or UserData. Name is "" for a
// Data element without a Name attribute.
type Field struct {
	Name, Value string
}

// System is the System block of an event. Numbers that are absent or not
// numbers are 0; the texts are as the XML shows them.
type System struct {
	ProviderName, ProviderGUID, EventSourceName string
	EventID                                     uint16
	Qualifiers                                  uint16 // with HasQualifiers: the high word of a classic event id
	HasQualifiers                               bool
	Version, Level, Opcode                      uint8
	Task                                        uint16
	Keywords                                    uint64
	TimeCreated                                 time.Time
	TimeCreatedText                             string // the SystemTime attribute as written
	EventRecordID                               uint64
	ActivityID, RelatedActivityID               string
	ProcessID, ThreadID                         uint32
	Channel, Computer                           string
	UserID                                      string // the Security element's UserID (a SID), "" when none
}

// XML renders the event as one line of XML.
func (e *Event) XML() string { return e.Root.XML() }

// fill reads System and the data fields from Root.
func (e *Event) fill() {
	if sys := e.Root.Child("System"); sys != nil {
		e.System = systemOf(sys)
	}
	if ed := e.Root.Child("EventData"); ed != nil {
		e.Section = "EventData"
		e.Data = make([]Field, 0, len(ed.Content))
		for _, c := range ed.Content {
			if c.Elem == nil {
				continue
			}
			switch c.Elem.Name {
			case "Data":
				e.Data = append(e.Data, Field{Name: c.Elem.Attr("Name"), Value: innerText(c.Elem)})
			default: // Binary, and any other element
				e.Data = append(e.Data, Field{Name: c.Elem.Name, Value: innerText(c.Elem)})
			}
		}
	} else if ud := e.Root.Child("UserData"); ud != nil {
		e.Section = "UserData"
		for _, c := range ud.Content {
			if c.Elem != nil {
				e.Data = appendLeaves(e.Data, c.Elem)
			}
		}
	}
}

// appendLeaves adds the elements under e that hold no element, by name.
func appendLeaves(out []Field, e *Element) []Field {
	leaf := true
	for _, c := range e.Content {
		if c.Elem != nil {
			leaf = false
			out = appendLeaves(out, c.Elem)
		}
	}
	if leaf {
		out = append(out, Field{Name: e.Name, Value: e.Text()})
	}
	return out
}

func systemOf(sys *Element) System {
	var s System
	if p := sys.Child("Provider"); p != nil {
		s.ProviderName, s.ProviderGUID, s.EventSourceName = p.Attr("Name"), p.Attr("Guid"), p.Attr("EventSourceName")
	}
	if id := sys.Child("EventID"); id != nil {
		s.EventID = uint16(number(id.Text(), 16))
		for _, a := range id.Attrs {
			if a.Name == "Qualifiers" {
				s.Qualifiers, s.HasQualifiers = uint16(number(a.Value, 16)), true
			}
		}
	}
	s.Version = uint8(number(sys.Child("Version").Text(), 8))
	s.Level = uint8(number(sys.Child("Level").Text(), 8))
	s.Opcode = uint8(number(sys.Child("Opcode").Text(), 8))
	s.Task = uint16(number(sys.Child("Task").Text(), 16))
	s.Keywords = number(sys.Child("Keywords").Text(), 64)
	if tc := sys.Child("TimeCreated"); tc != nil {
		s.TimeCreatedText = tc.Attr("SystemTime")
		s.TimeCreated, _ = time.Parse(time.RFC3339Nano, s.TimeCreatedText)
	}
	s.EventRecordID = number(sys.Child("EventRecordID").Text(), 64)
	if c := sys.Child("Correlation"); c != nil {
		s.ActivityID, s.RelatedActivityID = c.Attr("ActivityID"), c.Attr("RelatedActivityID")
	}
	if x := sys.Child("Execution"); x != nil {
		s.ProcessID = uint32(number(x.Attr("ProcessID"), 32))
		s.ThreadID = uint32(number(x.Attr("ThreadID"), 32))
	}
	s.Channel = sys.Child("Channel").Text()
	s.Computer = sys.Child("Computer").Text()
	if sec := sys.Child("Security"); sec != nil {
		s.UserID = sec.Attr("UserID")
	}
	return s
}

// number parses a decimal or 0x-prefixed hexadecimal number; 0 if it is not one.
func number(s string, bits int) uint64 {
	base := 10
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s, base = s[2:], 16
	}
	v, err := strconv.ParseUint(s, base, bits)
	if err != nil {
		return 0
	}
	return v
}
