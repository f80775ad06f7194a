package detect

import (
	"encoding/json"
	"fmt"
	"strings"
)

// windowsServices maps Windows event log channels (lower-cased) to the
// Sigma logsource service, as SigmaHQ's Windows rules name them.
var windowsServices = map[string]string{
	"security":                             "security",
	"system":                               "system",
	"application":                          "application",
	"microsoft-windows-sysmon/operational": "sysmon",
	"microsoft-windows-powershell/operational":    "powershell",
	"windows powershell":                          "powershell-classic",
	"microsoft-windows-taskscheduler/operational": "taskscheduler",
	"microsoft-windows-wmi-activity/operational":  "wmi",
	"dns server": "dns-server",
	"microsoft-windows-dns-server/analytical":                                  "dns-server-analytic",
	"microsoft-windows-driverframeworks-usermode/operational":                  "driver-framework",
	"microsoft-windows-ntlm/operational":                                       "ntlm",
	"microsoft-windows-dhcp-server/operational":                                "dhcp",
	"microsoft-windows-windows firewall with advanced security/firewall":       "firewall-as",
	"microsoft-windows-bits-client/operational":                                "bits-client",
	"microsoft-windows-codeintegrity/operational":                              "codeintegrity-operational",
	"msexchange management":                                                    "msexchange-management",
	"microsoft-windows-applocker/exe and dll":                                  "applocker",
	"microsoft-windows-applocker/msi and script":                               "applocker",
	"microsoft-windows-applocker/packaged app-deployment":                      "applocker",
	"microsoft-windows-applocker/packaged app-execution":                       "applocker",
	"microsoft-windows-printservice/admin":                                     "printservice-admin",
	"microsoft-windows-printservice/operational":                               "printservice-operational",
	"microsoft-windows-smbclient/security":                                     "smbclient-security",
	"microsoft-windows-smbclient/connectivity":                                 "smbclient-connectivity",
	"microsoft-windows-terminalservices-localsessionmanager/operational":       "terminalservices-localsessionmanager",
	"microsoft-windows-windows defender/operational":                           "windefend",
	"openssh/operational":                                                      "openssh",
	"microsoft-windows-ldap-client/debug":                                      "ldap",
	"microsoft-windows-security-mitigations/kernel mode":                       "security-mitigations",
	"microsoft-windows-security-mitigations/user mode":                         "security-mitigations",
	"microsoft-windows-diagnosis-scripted/operational":                         "diagnosis-scripted",
	"microsoft-windows-shell-core/operational":                                 "shell-core",
	"microsoft-windows-appxdeployment-server/operational":                      "appxdeployment-server",
	"microsoft-windows-appxpackaging/operational":                              "appxpackaging-om",
	"microsoft-windows-capi2/operational":                                      "capi2",
	"microsoft-windows-certificateservicesclient-lifecycle-system/operational": "certificateservicesclient-lifecycle-system",
	"microsoft-windows-lsa/operational":                                        "lsa-server",
	"microsoft-windows-appmodel-runtime/admin":                                 "appmodel-runtime",
	"microsoft-windows-bitlocker/bitlocker management":                         "bitlocker",
	"microsoft-windows-kernel-shimengine/operational":                          "shimengine",
	"microsoft-windows-hyper-v-worker-admin":                                   "hyper-v-worker",
	"microsoft-windows-vhdmp/operational":                                      "vhdmp",
	"microsoft-windows-smbserver/security":                                     "smbserver-security",
	"microsoft-windows-microsoft-windows-smbserver/audit":                      "smbserver-audit",
}

// sysmonCategories maps Sysmon event ids to Sigma categories.
var sysmonCategories = map[string]string{
	"1": "process_creation", "2": "file_change", "3": "network_connection", "4": "sysmon_status",
	"5": "process_termination", "6": "driver_load", "7": "image_load", "8": "create_remote_thread",
	"9": "raw_access_thread", "10": "process_access", "11": "file_event", "12": "registry_add",
	"13": "registry_set", "14": "registry_rename", "15": "create_stream_hash", "16": "sysmon_status",
	"17": "pipe_created", "18": "pipe_created", "19": "wmi_event", "20": "wmi_event", "21": "wmi_event",
	"22": "dns_query", "23": "file_delete", "24": "clipboard_capture", "25": "process_tampering",
	"26": "file_delete_detected", "27": "file_block_executable", "28": "file_block_shredding",
	"29": "file_executable_detected", "255": "sysmon_error",
}

// windowsCategories maps (service, event id) of other channels to Sigma
// categories, where SigmaHQ's Windows pipelines give one.
var windowsCategories = map[string]string{
	"security/4688":           "process_creation",
	"security/5156":           "network_connection",
	"security/4657":           "registry_set",
	"security/4663":           "file_access",
	"powershell/4103":         "ps_module",
	"powershell/4104":         "ps_script",
	"powershell-classic/400":  "ps_classic_start",
	"powershell-classic/600":  "ps_classic_provider_start",
	"powershell-classic/800":  "ps_classic_script",
	"wmi/5861":                "wmi_event",
	"dns-server-analytic/256": "dns_query",
}

// securityAliases give Security 4688 events the process_creation field
// names that Sigma rules use (as SigmaHQ's windows-audit pipeline does).
var securityAliases = map[string][][2]string{
	"4688": {{"Image", "NewProcessName"}, {"ParentImage", "ParentProcessName"}},
}

// Classify works out where an event came from: a Windows channel and
// event id (Channel/EventID, or a Winlogbeat winlog block), or an ECS
// event block with host.os.type. An event that tells nothing answers the
// zero Logsource (every rule applies).
func Classify(ev *Event) Logsource {
	channel := firstOf(ev, "channel", "winlog.channel", "event.system.channel")
	eid := firstOf(ev, "eventid", "winlog.event_id", "event.system.eventid")
	if channel != "" {
		ls := Logsource{Product: "windows"}
		ch := strings.ToLower(channel)
		ls.Service = windowsServices[ch]
		if ls.Service == "sysmon" {
			ls.Category = sysmonCategories[eid]
			if eid == "12" && strings.Contains(strings.ToLower(ev.String("EventType")), "delete") {
				ls.Category = "registry_delete"
			}
		} else if ls.Service != "" {
			ls.Category = windowsCategories[ls.Service+"/"+eid]
		}
		if ls.Service != "" && ls.Category == "" {
			ls.Category = NoCategory // a known channel and event id: rules of a category do not apply
		}
		if ls.Service == "security" {
			for _, a := range securityAliases[eid] {
				if _, has := ev.Get(a[0]); !has {
					if v, ok := ev.Get(a[1]); ok && len(v) > 0 {
						ev.Add(a[0], v[0].Text)
					}
				}
			}
		}
		return ls
	}
	return classifyECS(ev)
}

// firstOf answers the first non-empty value of the fields named (in
// lower case).
func firstOf(ev *Event, names ...string) string {
	for _, n := range names {
		vals, _ := ev.getLower(n)
		for _, v := range vals {
			if !v.Null && v.Text != "" {
				return v.Text
			}
		}
	}
	return ""
}

// classifyECS reads ECS event.category / event.type and host.os.type.
func classifyECS(ev *Event) Logsource {
	var ls Logsource
	switch os := strings.ToLower(firstOf(ev, "host.os.type", "host.os.family", "host.os.platform")); os {
	case "windows", "linux", "macos":
		ls.Product = os
	case "darwin":
		ls.Product = "macos"
	}
	cats, _ := ev.Get("event.category")
	types, _ := ev.Get("event.type")
	has := func(vals []Value, want string) bool {
		for _, v := range vals {
			if strings.EqualFold(v.Text, want) {
				return true
			}
		}
		return false
	}
	switch {
	case has(cats, "process") && has(types, "start"):
		ls.Category = "process_creation"
	case has(cats, "network") && (has(types, "connection") || has(types, "start")):
		ls.Category = "network_connection"
	case has(cats, "file") && has(types, "creation"):
		ls.Category = "file_event"
	case has(cats, "file") && has(types, "deletion"):
		ls.Category = "file_delete"
	case has(cats, "registry"):
		ls.Category = "registry_set"
	}
	return ls
}

// NormalizeWindows flattens a Windows event exported as JSON
// ({"Event": {"System": …, "EventData": …}}, as evtx_dump and XML-to-JSON
// exports write it) into Sigma's field names: System elements by name
// (EventID, Channel, Computer), their attributes as Element_Attribute
// (Provider_Name, TimeCreated_SystemTime), EventData's Data items by their
// Name, and UserData leaves by name. A Winlogbeat event (winlog block)
// gains Channel, EventID, Provider_Name, Computer and its event_data
// fields at the top. Other objects are returned as they are; ok says
// whether the object was recognised as a Windows event.
func NormalizeWindows(m map[string]any) (map[string]any, bool) {
	if ev, ok := m["Event"].(map[string]any); ok {
		if sys, ok := ev["System"].(map[string]any); ok {
			out := map[string]any{}
			flattenSystem(out, sys)
			for _, part := range []string{"EventData", "UserData"} {
				flattenData(out, ev[part])
			}
			return out, true
		}
	}
	if wl, ok := m["winlog"].(map[string]any); ok {
		out := make(map[string]any, len(m)+8)
		for k, v := range m {
			out[k] = v
		}
		setIf(out, "Channel", wl["channel"])
		setIf(out, "EventID", wl["event_id"])
		setIf(out, "Provider_Name", wl["provider_name"])
		setIf(out, "Computer", wl["computer_name"])
		if ed, ok := wl["event_data"].(map[string]any); ok {
			for k, v := range ed {
				setIf(out, k, v)
			}
		}
		return out, true
	}
	return m, false
}

func setIf(out map[string]any, k string, v any) {
	if _, has := out[k]; v != nil && !has {
		out[k] = v
	}
}

func flattenSystem(out map[string]any, sys map[string]any) {
	for k, v := range sys {
		switch x := v.(type) {
		case map[string]any:
			for ak, av := range x {
				switch {
				case ak == "#text" || ak == "Value" || ak == "#value":
					out[k] = av
				case ak == "#attributes":
					if attrs, ok := av.(map[string]any); ok {
						for n, a := range attrs {
							out[k+"_"+n] = a
						}
					}
				default:
					out[k+"_"+strings.TrimPrefix(ak, "@")] = av
				}
			}
		default:
			out[k] = v
		}
	}
}

// flattenData reads EventData or UserData in the shapes exports use.
func flattenData(out map[string]any, v any) {
	switch x := v.(type) {
	case map[string]any:
		if d, ok := x["Data"]; ok {
			flattenDataItems(out, d)
		}
		for k, val := range x {
			if k == "Data" || k == "#attributes" || strings.HasPrefix(k, "@") {
				continue
			}
			if inner, ok := val.(map[string]any); ok { // UserData: <Element><Leaf>…
				for ik, iv := range inner {
					if ik != "#attributes" && !strings.HasPrefix(ik, "@") {
						setIf(out, ik, textOf(iv))
					}
				}
				continue
			}
			setIf(out, k, val)
		}
	case []any:
		flattenDataItems(out, x)
	}
}

func flattenDataItems(out map[string]any, d any) {
	items, ok := d.([]any)
	if !ok {
		items = []any{d}
	}
	for i, it := range items {
		switch x := it.(type) {
		case map[string]any:
			name, _ := x["@Name"].(string)
			if name == "" {
				if attrs, ok := x["#attributes"].(map[string]any); ok {
					name, _ = attrs["Name"].(string)
				}
			}
			if name == "" {
				name = fmt.Sprintf("Data%d", i)
			}
			setIf(out, name, textOf(x))
		default:
			setIf(out, "Data", it)
		}
	}
}

func textOf(v any) any {
	if m, ok := v.(map[string]any); ok {
		for _, k := range []string{"#text", "Value", "#value"} {
			if t, ok := m[k]; ok {
				return t
			}
		}
		attrsOnly := true
		for k := range m {
			if k != "#attributes" && !strings.HasPrefix(k, "@") {
				attrsOnly = false
			}
		}
		if attrsOnly {
			return "" // <Data Name="x" /> holds no text
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	return v
}
