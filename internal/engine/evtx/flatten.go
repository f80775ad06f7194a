package evtx

import "strconv"

// Flatten returns the event as the flat field map Sigma's Windows rules
// are written against (see the package documentation for the names).
// Every value is the text the event's XML shows, a string, except where
// a name occurs more than once (unnamed Data elements, repeated names):
// then it is a []string in document order.
func Flatten(ev *Event) map[string]any {
	m := make(map[string]any, len(ev.Data)+20)
	for _, f := range ev.Data {
		name := f.Name
		if name == "" {
			name = "Data"
		}
		switch old := m[name].(type) {
		case nil:
			m[name] = f.Value
		case string:
			m[name] = []string{old, f.Value}
		case []string:
			m[name] = append(old, f.Value)
		}
	}
	s := ev.System
	put := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	if sys := ev.Root.Child("System"); sys.Child("EventID") != nil {
		m["EventID"] = strconv.Itoa(int(s.EventID))
	}
	if s.HasQualifiers {
		m["Qualifiers"] = strconv.Itoa(int(s.Qualifiers))
	}
	put("Provider_Name", s.ProviderName)
	put("Provider_Guid", s.ProviderGUID)
	put("Provider_EventSourceName", s.EventSourceName)
	sys := ev.Root.Child("System")
	for _, k := range []string{"Version", "Level", "Task", "Opcode", "Keywords", "EventRecordID", "Channel", "Computer"} {
		if e := sys.Child(k); e != nil {
			m[k] = e.Text()
		}
	}
	put("TimeCreated", s.TimeCreatedText)
	put("Correlation_ActivityID", s.ActivityID)
	put("Correlation_RelatedActivityID", s.RelatedActivityID)
	if x := sys.Child("Execution"); x != nil {
		put("Execution_ProcessID", x.Attr("ProcessID"))
		put("Execution_ThreadID", x.Attr("ThreadID"))
	}
	put("Security_UserID", s.UserID)
	return m
}
