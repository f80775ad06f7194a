-- compat: expand
-- Vulnerabilities, follow-up (issue 13), owned by internal/feature/vuln.
-- vuln_reminders: each reminder before a finding's deadline and each
-- overdue notice, claimed once per (finding, kind, deadline) so that
-- several processes and restarts never send one twice.
CREATE TABLE vuln_reminders (
	finding_id INTEGER NOT NULL REFERENCES vuln_findings(id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('reminder', 'overdue')),
	due_at TEXT NOT NULL,
	sent_at TEXT NOT NULL,
	error TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (finding_id, kind, due_at)
);

-- vuln_aliases: the alias table (data, edited by admins): a component
-- without a CPE or purl is matched as each part:vendor:product its name
-- (lower-cased, trimmed) lists. Starts as the engine's default table.
CREATE TABLE vuln_aliases (
	name TEXT NOT NULL,
	cpe TEXT NOT NULL,
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	PRIMARY KEY (name, cpe)
);
INSERT INTO vuln_aliases (name, cpe, created_by, created_at) VALUES
	('nginx', 'a:f5:nginx', 'khien', '2026-12-01T00:00:00.000000Z'),
	('nginx', 'a:nginx:nginx', 'khien', '2026-12-01T00:00:00.000000Z'),
	('apache-httpd', 'a:apache:http_server', 'khien', '2026-12-01T00:00:00.000000Z'),
	('httpd', 'a:apache:http_server', 'khien', '2026-12-01T00:00:00.000000Z'),
	('apache', 'a:apache:http_server', 'khien', '2026-12-01T00:00:00.000000Z'),
	('tomcat', 'a:apache:tomcat', 'khien', '2026-12-01T00:00:00.000000Z'),
	('apache-tomcat', 'a:apache:tomcat', 'khien', '2026-12-01T00:00:00.000000Z'),
	('php', 'a:php:php', 'khien', '2026-12-01T00:00:00.000000Z'),
	('openssl', 'a:openssl:openssl', 'khien', '2026-12-01T00:00:00.000000Z'),
	('wordpress', 'a:wordpress:wordpress', 'khien', '2026-12-01T00:00:00.000000Z'),
	('joomla', 'a:joomla:joomla!', 'khien', '2026-12-01T00:00:00.000000Z'),
	('drupal', 'a:drupal:drupal', 'khien', '2026-12-01T00:00:00.000000Z'),
	('liferay-portal', 'a:liferay:liferay_portal', 'khien', '2026-12-01T00:00:00.000000Z'),
	('iis', 'a:microsoft:internet_information_services', 'khien', '2026-12-01T00:00:00.000000Z'),
	('exchange-server', 'a:microsoft:exchange_server', 'khien', '2026-12-01T00:00:00.000000Z'),
	('sharepoint-server', 'a:microsoft:sharepoint_server', 'khien', '2026-12-01T00:00:00.000000Z'),
	('weblogic', 'a:oracle:weblogic_server', 'khien', '2026-12-01T00:00:00.000000Z'),
	('zimbra', 'a:synacor:zimbra_collaboration_suite', 'khien', '2026-12-01T00:00:00.000000Z'),
	('zimbra', 'a:zimbra:collaboration', 'khien', '2026-12-01T00:00:00.000000Z'),
	('roundcube', 'a:roundcube:webmail', 'khien', '2026-12-01T00:00:00.000000Z'),
	('jquery', 'a:jquery:jquery', 'khien', '2026-12-01T00:00:00.000000Z'),
	('log4j-core', 'a:apache:log4j', 'khien', '2026-12-01T00:00:00.000000Z'),
	('struts', 'a:apache:struts', 'khien', '2026-12-01T00:00:00.000000Z'),
	('struts2-core', 'a:apache:struts', 'khien', '2026-12-01T00:00:00.000000Z'),
	('fortios', 'o:fortinet:fortios', 'khien', '2026-12-01T00:00:00.000000Z'),
	('netscaler-adc', 'a:citrix:netscaler_application_delivery_controller', 'khien', '2026-12-01T00:00:00.000000Z'),
	('netscaler-gateway', 'a:citrix:netscaler_gateway', 'khien', '2026-12-01T00:00:00.000000Z'),
	('vcenter-server', 'a:vmware:vcenter_server', 'khien', '2026-12-01T00:00:00.000000Z'),
	('ivanti-connect-secure', 'a:ivanti:connect_secure', 'khien', '2026-12-01T00:00:00.000000Z'),
	('confluence', 'a:atlassian:confluence_server', 'khien', '2026-12-01T00:00:00.000000Z'),
	('confluence', 'a:atlassian:confluence_data_center', 'khien', '2026-12-01T00:00:00.000000Z'),
	('moveit-transfer', 'a:progress:moveit_transfer', 'khien', '2026-12-01T00:00:00.000000Z'),
	('windows-server-2003', 'o:microsoft:windows_server_2003', 'khien', '2026-12-01T00:00:00.000000Z');

-- vuln_settings: the feature's rules kept as data. level_raise: a system
-- whose security level is at least this raises its findings' priority one
-- step (0: never); alias_rev counts alias changes (the matcher's cache
-- follows it).
CREATE TABLE vuln_settings (
	name TEXT PRIMARY KEY,
	value INTEGER NOT NULL
);
INSERT INTO vuln_settings (name, value) VALUES ('level_raise', 3), ('alias_rev', 0);
