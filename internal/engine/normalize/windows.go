package normalize

import (
	"strconv"
	"strings"
	"time"
)

// Windows event logs' channels, as the System block names them.
const (
	channelSysmon     = "Microsoft-Windows-Sysmon/Operational"
	channelPowerShell = "Microsoft-Windows-PowerShell/Operational"
	channelPSClassic  = "Windows PowerShell"
)

// FromEVTX makes an event of the flat fields evtx.Flatten gives for one
// record (EventID, Channel, Provider_Name, TimeCreated, CommandLine, …;
// the map is taken over, not copied), with its logsource. original is the
// record as text (its XML), if the caller has it.
func FromEVTX(fields map[string]any, original string) Event {
	if fields == nil {
		fields = map[string]any{}
	}
	e := Event{Fields: fields, Original: original, Source: SourceEVTX}
	windowsCommon(&e)
	return e
}

// FromWinlogbeat makes an event of a document Winlogbeat sent (already
// flattened, as ParseJSON gives it): its ECS fields are kept, and the
// event's own fields are added under the names Sigma's Windows rules use:
// winlog.event_data.X (and winlog.user_data.X) as X, winlog.channel as
// Channel, event.code or winlog.event_id as EventID, winlog.computer_name
// as Computer, winlog.provider_name as Provider_Name, and so on.
func FromWinlogbeat(flat map[string]any, original string) Event {
	e := Event{Fields: flat, Original: original, Source: SourceWinlogbeat}
	var data [][2]string // [field, its Sigma name]
	for k := range flat {
		name, ok := strings.CutPrefix(k, "winlog.event_data.")
		if !ok {
			name, ok = strings.CutPrefix(k, "winlog.user_data.")
		}
		if ok && name != "" {
			data = append(data, [2]string{k, name})
		}
	}
	for _, d := range data {
		if _, taken := flat[d[1]]; !taken {
			flat[d[1]] = sigmaValue(flat[d[0]])
		}
	}
	// the System block wins over a same-named data field, as in evtx.Flatten
	for from, to := range winlogbeatSystem {
		if v, ok := flat[from]; ok {
			flat[to] = sigmaValue(v)
		}
	}
	if _, ok := flat["event.code"]; !ok {
		if v, ok := flat["winlog.event_id"]; ok {
			flat["EventID"] = sigmaValue(v)
		}
	}
	e.Timestamp = jsonTimestamp(flat)
	windowsCommon(&e)
	return e
}

// winlogbeatSystem maps Winlogbeat's names of the System block to the
// names evtx.Flatten (and Sigma) use.
var winlogbeatSystem = map[string]string{
	"event.code":               "EventID",
	"winlog.channel":           "Channel",
	"winlog.computer_name":     "Computer",
	"winlog.provider_name":     "Provider_Name",
	"winlog.provider_guid":     "Provider_Guid",
	"winlog.record_id":         "EventRecordID",
	"winlog.process.pid":       "Execution_ProcessID",
	"winlog.process.thread.id": "Execution_ThreadID",
	"winlog.user.identifier":   "Security_UserID",
	"winlog.version":           "Version",
	"winlog.opcode":            "Opcode",
	"winlog.activity_id":       "Correlation_ActivityID",
}

// fromWindowsJSON makes an event of a Windows event exported as JSON
// (Event.System.…, Event.EventData.…, Event.UserData.…, with attributes
// under "#attributes" and text under "#text", as EVTX-to-JSON tools
// write them), flattened by ParseJSON, under the names evtx.Flatten uses.
func fromWindowsJSON(flat map[string]any, original string) Event {
	out := make(map[string]any, len(flat))
	for k, v := range flat {
		out[k] = v
		switch {
		case strings.HasPrefix(k, "Event.EventData."), strings.HasPrefix(k, "Event.UserData."):
			name := k[strings.LastIndexByte(k, '.')+1:]
			if name == "#text" || name == "Data" {
				name = "Data"
			}
			if _, taken := out[name]; !taken {
				out[name] = sigmaValue(v)
			}
		case strings.HasPrefix(k, "Event.System."):
			name := strings.TrimPrefix(k, "Event.System.")
			name = strings.ReplaceAll(strings.ReplaceAll(name, "#attributes.", ""), ".#text", "")
			name = strings.ReplaceAll(strings.TrimPrefix(name, "@"), ".@", "_")
			name = strings.ReplaceAll(name, ".", "_")
			if name == "TimeCreated_SystemTime" {
				name = "TimeCreated"
			}
			out[name] = sigmaValue(v)
		}
	}
	e := Event{Fields: out, Original: original, Source: SourceWindowsJSON}
	windowsCommon(&e)
	return e
}

// sigmaValue is a value as evtx.Flatten would give it: numbers as
// decimal text, so that EventID is "4688" from every source.
func sigmaValue(v any) any {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return v
}

// windowsCommon sets the time (when not known yet) and the logsource of a
// Windows event from its flat System fields.
func windowsCommon(e *Event) {
	f := e.Fields
	if e.Timestamp.IsZero() {
		if s, ok := f["TimeCreated"].(string); ok {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				e.Timestamp = t
			}
		}
	}
	channel, _ := sigmaValue(f["Channel"]).(string)
	id, _ := sigmaValue(f["EventID"]).(string)
	provider, _ := sigmaValue(f["Provider_Name"]).(string)
	eventType, _ := sigmaValue(f["EventType"]).(string)
	e.Logsource = WindowsLogsource(channel, provider, id, eventType)
	if id == "4688" && strings.EqualFold(channel, "Security") {
		securityProcessAliases(f)
	}
}

// securityProcessAliases gives a Security 4688 event (a process created)
// the names Sigma's process_creation rules use, which are Sysmon's:
// Image for NewProcessName, ParentImage for ParentProcessName.
func securityProcessAliases(f map[string]any) {
	for from, to := range map[string]string{"NewProcessName": "Image", "ParentProcessName": "ParentImage"} {
		if v, ok := f[from]; ok {
			if _, taken := f[to]; !taken {
				f[to] = v
			}
		}
	}
}

// WindowsLogsource is the Sigma logsource of a Windows event: product
// windows, the service of its channel (Security is security, the Sysmon
// channel sysmon, …) and the categories its channel and event id stand for
// (Sysmon 1 process_creation, Security 4688 process_creation, PowerShell
// 4104 ps_script, …). eventType is Sysmon's EventType field, which tells
// registry_add from registry_delete for event 12.
func WindowsLogsource(channel, provider, eventID, eventType string) Logsource {
	ls := Logsource{Product: "windows"}
	if svc := windowsService(channel, provider); svc != "" {
		ls.Services = []string{svc}
	}
	switch {
	case strings.EqualFold(channel, channelSysmon) || strings.EqualFold(provider, "Microsoft-Windows-Sysmon"):
		ls.Categories = sysmonCategories(eventID, eventType)
	case strings.EqualFold(channel, "Security"):
		if eventID == "4688" {
			ls.Categories = []string{"process_creation"}
		}
	case strings.EqualFold(channel, channelPowerShell):
		switch eventID {
		case "4104":
			ls.Categories = []string{"ps_script"}
		case "4103":
			ls.Categories = []string{"ps_module"}
		}
	case strings.EqualFold(channel, channelPSClassic):
		switch eventID {
		case "400":
			ls.Categories = []string{"ps_classic_start"}
		case "600":
			ls.Categories = []string{"ps_classic_provider_start"}
		case "800":
			ls.Categories = []string{"ps_classic_script"}
		}
	}
	return ls
}

// sysmonCategories are the Sigma categories of a Sysmon event id.
func sysmonCategories(id, eventType string) []string {
	switch id {
	case "12":
		switch eventType {
		case "CreateKey":
			return []string{"registry_add", "registry_event"}
		case "DeleteKey", "DeleteValue":
			return []string{"registry_delete", "registry_event"}
		}
		return []string{"registry_event"}
	case "13":
		return []string{"registry_set", "registry_event"}
	case "14":
		return []string{"registry_rename", "registry_event"}
	case "26":
		return []string{"file_delete", "file_delete_detected"}
	}
	if c, ok := sysmonCategory[id]; ok {
		return []string{c}
	}
	return nil
}

var sysmonCategory = map[string]string{
	"1": "process_creation", "2": "file_change", "3": "network_connection",
	"4": "sysmon_status", "5": "process_termination", "6": "driver_load",
	"7": "image_load", "8": "create_remote_thread", "9": "raw_access_thread",
	"10": "process_access", "11": "file_event", "15": "create_stream_hash",
	"16": "sysmon_status", "17": "pipe_created", "18": "pipe_created",
	"19": "wmi_event", "20": "wmi_event", "21": "wmi_event", "22": "dns_query",
	"23": "file_delete", "24": "clipboard_capture", "25": "process_tampering",
	"27": "file_block_executable", "28": "file_block_shredding",
	"29": "file_executable_detected", "255": "sysmon_error",
}
