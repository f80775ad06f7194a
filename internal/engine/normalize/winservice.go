package normalize

import "strings"

// windowsService is the Sigma service of a Windows event log channel, or
// "" for a channel no Sigma rule names. Some services span several
// channels (AppLocker's four, Security-Mitigations' two): those match by
// prefix.
func windowsService(channel, provider string) string {
	c := strings.ToLower(channel)
	if s, ok := windowsServices[c]; ok {
		return s
	}
	for _, p := range windowsServicePrefixes {
		if strings.HasPrefix(c, p[0]) {
			return p[1]
		}
	}
	if strings.EqualFold(provider, "Microsoft-Windows-Sysmon") {
		return "sysmon"
	}
	return ""
}

// windowsServices maps channels (in lower case) to the services Sigma's
// Windows rules name, after SigmaHQ's logsource taxonomy.
var windowsServices = map[string]string{
	"security":                             "security",
	"system":                               "system",
	"application":                          "application",
	"microsoft-windows-sysmon/operational": "sysmon",
	"microsoft-windows-powershell/operational":                           "powershell",
	"windows powershell":                                                 "powershell-classic",
	"microsoft-windows-taskscheduler/operational":                        "taskscheduler",
	"microsoft-windows-wmi-activity/operational":                         "wmi",
	"microsoft-windows-windows defender/operational":                     "windefend",
	"microsoft-windows-codeintegrity/operational":                        "codeintegrity-operational",
	"microsoft-windows-windows firewall with advanced security/firewall": "firewall-as",
	"microsoft-windows-bits-client/operational":                          "bits-client",
	"microsoft-windows-dns client events/operational":                    "dns-client",
	"microsoft-windows-dns-client/operational":                           "dns-client",
	"dns server": "dns-server",
	"microsoft-windows-appxdeploymentserver/operational":                       "appxdeployment-server",
	"microsoft-windows-appxpackaging/operational":                              "appxpackaging-om",
	"microsoft-windows-appmodel-runtime/admin":                                 "appmodel-runtime",
	"msexchange management":                                                    "msexchange-management",
	"microsoft-windows-ntlm/operational":                                       "ntlm",
	"openssh/operational":                                                      "openssh",
	"microsoft-windows-terminalservices-localsessionmanager/operational":       "terminalservices-localsessionmanager",
	"microsoft-windows-smbclient/security":                                     "smbclient-security",
	"microsoft-windows-smbserver/connectivity":                                 "smbserver-connectivity",
	"microsoft-windows-ldap-client/debug":                                      "ldap",
	"microsoft-windows-lsa/operational":                                        "lsa-server",
	"microsoft-windows-shell-core/operational":                                 "shell-core",
	"microsoft-windows-capi2/operational":                                      "capi2",
	"microsoft-windows-driverframeworks-usermode/operational":                  "driver-framework",
	"microsoft-windows-diagnosis-scripted/operational":                         "diagnosis-scripted",
	"microsoft-windows-certificateservicesclient-lifecycle-system/operational": "certificateservicesclient-lifecycle-system",
	"microsoft-iis-configuration/operational":                                  "iis-configuration",
	"microsoft-servicebus-client":                                              "microsoft-servicebus-client",
}

// windowsServicePrefixes are [channel prefix, service] pairs for the
// services spread over several channels.
var windowsServicePrefixes = [][2]string{
	{"microsoft-windows-applocker/", "applocker"},
	{"microsoft-windows-security-mitigations/", "security-mitigations"},
}
