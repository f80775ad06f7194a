package vuln

import "strings"

// Aliases maps an inventory component name (lower-case) to the CPE
// part:vendor:product triples it is matched as when it has no CPE. It is
// the default table; the vulnerability feature keeps its own copy as data.
var Aliases = map[string][]string{
	"nginx":                 {"a:f5:nginx", "a:nginx:nginx"},
	"apache-httpd":          {"a:apache:http_server"},
	"httpd":                 {"a:apache:http_server"},
	"apache":                {"a:apache:http_server"},
	"tomcat":                {"a:apache:tomcat"},
	"apache-tomcat":         {"a:apache:tomcat"},
	"php":                   {"a:php:php"},
	"openssl":               {"a:openssl:openssl"},
	"wordpress":             {"a:wordpress:wordpress"},
	"joomla":                {"a:joomla:joomla!"},
	"drupal":                {"a:drupal:drupal"},
	"liferay-portal":        {"a:liferay:liferay_portal"},
	"iis":                   {"a:microsoft:internet_information_services"},
	"exchange-server":       {"a:microsoft:exchange_server"},
	"sharepoint-server":     {"a:microsoft:sharepoint_server"},
	"weblogic":              {"a:oracle:weblogic_server"},
	"zimbra":                {"a:synacor:zimbra_collaboration_suite", "a:zimbra:collaboration"},
	"roundcube":             {"a:roundcube:webmail"},
	"jquery":                {"a:jquery:jquery"},
	"log4j-core":            {"a:apache:log4j"},
	"struts":                {"a:apache:struts"},
	"struts2-core":          {"a:apache:struts"},
	"fortios":               {"o:fortinet:fortios"},
	"netscaler-adc":         {"a:citrix:netscaler_application_delivery_controller"},
	"netscaler-gateway":     {"a:citrix:netscaler_gateway"},
	"vcenter-server":        {"a:vmware:vcenter_server"},
	"ivanti-connect-secure": {"a:ivanti:connect_secure"},
	"confluence":            {"a:atlassian:confluence_server", "a:atlassian:confluence_data_center"},
	"moveit-transfer":       {"a:progress:moveit_transfer"},
	"windows-server-2003":   {"o:microsoft:windows_server_2003"},
}

// aliasCPEs returns the CPE names a component without a CPE is matched
// as: every attribute but part, vendor and product is ANY.
func aliasCPEs(table map[string][]string, name string) []CPE {
	var out []CPE
	for _, t := range table[strings.ToLower(strings.TrimSpace(name))] {
		p := strings.SplitN(strings.ToLower(t), ":", 3)
		if len(p) != 3 {
			continue
		}
		var c CPE
		for i := range c {
			c[i] = "*"
		}
		c[cpePart], c[cpeVendor], c[cpeProduct] = p[0], p[1], p[2]
		out = append(out, c)
	}
	return out
}
