// Package config is Khiên's one table of options. Each option can be set
// by a command-line flag, an environment variable KHIEN_<NAME> (upper
// case, '-' and '.' as '_') or a key in the YAML file named by --config;
// the flag wins over the variable, the variable over the file, the file
// over the default.
package config

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// Kind is an option's value type.
type Kind int

// Option kinds.
const (
	String Kind = iota
	Bool
	Duration
	Int
)

// Option is one row of the table.
type Option struct {
	Name    string // flag name and YAML key ("log-format", "scan.allow_private")
	Kind    Kind
	Default string
	Help    string
	Check   func(v string) error
}

// Env is the environment variable that sets o.
func (o Option) Env() string {
	r := strings.NewReplacer("-", "_", ".", "_")
	return "KHIEN_" + strings.ToUpper(r.Replace(o.Name))
}

// Options is every option Khiên knows. Commands pick the ones they use.
var Options = []Option{
	{Name: "config", Help: "YAML file with any of these options as keys"},
	{Name: "addr", Default: "127.0.0.1:8080", Help: "address the web UI and API listen on", Check: checkAddr},
	{Name: "health-addr", Help: "address khien worker serves /healthz, /readyz and /metrics on (host:port); empty: none", Check: checkAddr},
	{Name: "data", Default: "./khien-data", Help: "data folder: SQLite database, embedded NATS storage, lock file"},
	{Name: "db", Help: "database: a SQLite file path, or a postgres:// URL (default: khien.db inside --data)"},
	{Name: "nats", Help: "external NATS server or cluster URL (nats://…); default: an embedded server storing in --data"},
	{Name: "tls-cert", Help: "PEM certificate chain: serve HTTPS (with --tls-key)"},
	{Name: "tls-key", Help: "PEM private key for --tls-cert"},
	{Name: "log-format", Default: "text", Help: "log format: text or json", Check: oneOf("text", "json")},
	{Name: "log-level", Default: "info", Help: "log level: debug, info, warn or error", Check: oneOf("debug", "info", "warn", "error")},
	{Name: "log-requests", Kind: Bool, Default: "true", Help: "log one line per HTTP request (request id, user, route, status, bytes, duration)"},
	{Name: "demo", Kind: Bool, Default: "false", Help: "fill an empty data folder with the demo province before serving"},
	{Name: "admin-password", Help: "password of the first admin, created on first start (best set by environment variable)"},
	{Name: "migrate", Kind: Bool, Default: "false", Help: "apply pending database migrations at start (otherwise a database behind this khien is refused; an empty one is always created)"},
	{Name: "shutdown-timeout", Kind: Duration, Default: "30s", Help: "how long shutdown waits for in-flight requests and jobs"},
	{Name: "drain", Kind: Duration, Default: "0s", Help: "after SIGTERM, how long /readyz answers 503 before the listener closes (behind a load balancer: longer than its health-check interval)"},
	{Name: "scan.allow_private", Kind: Bool, Default: "false", Help: "let the web scanner reach private, loopback and link-local addresses"},
	{Name: "workers", Kind: Int, Default: "4", Help: "background jobs run at once by this process", Check: positive},
	{Name: "jobs.retry_horizon", Kind: Duration, Default: "10m", Help: "how long a job failing because the database or the bus is unreachable keeps being retried before it is dead-lettered", Check: positiveDuration},
	{Name: "nats.replicas", Kind: Int, Default: "0", Help: "copies of each JetStream stream: 0 chooses (3 on a NATS cluster, 1 on a single or embedded server), 1 to 5 sets it", Check: replicas},
	{Name: "scan.ca_file", Help: "PEM file of extra certificate authorities the platform's scans and probes trust (an internal CA)"},
	{Name: "scan.timeout", Kind: Duration, Default: "30s", Help: "time limit of one site assessment", Check: positiveDuration},
	{Name: "scan.every", Kind: Duration, Default: "24h", Help: "default time between two scans of a site (a site may override it)", Check: positiveDuration},
	{Name: "scan.concurrency", Kind: Int, Default: "4", Help: "sites this process assesses at once (one at a time per host)", Check: positive},
	{Name: "scan.host_rate", Kind: Int, Default: "120", Help: "requests per minute the platform makes at most to one host, scans and monitoring probes together, across every process sharing the database", Check: positive},
	{Name: "scan.host_spacing", Kind: Duration, Default: "2s", Help: "least time between the starts of two assessments (scans or probes) of one host", Check: positiveDuration},
	{Name: "scan.dns", Help: "DNS server (host:port) for the DNS and mail checks and for domain verification; default: the system's resolver"},
	{Name: "monitor.every", Kind: Duration, Default: "5m", Help: "default time between two monitoring probes of a site", Check: positiveDuration},
	{Name: "monitor.failures", Kind: Int, Default: "3", Help: "failed probes in a row before a site is reported down", Check: positive},
	{Name: "monitor.cert_warn_days", Kind: Int, Default: "14", Help: "alert when a site's certificate has fewer days left", Check: positive},
	{Name: "smtp.addr", Help: "SMTP relay (host:port) for alert e-mail; empty: no e-mail"},
	{Name: "smtp.from", Default: "khien@localhost", Help: "sender address of alert e-mail"},
	{Name: "smtp.username", Help: "SMTP user (PLAIN authentication, over TLS or to localhost only)"},
	{Name: "smtp.password", Help: "SMTP password (best set by environment variable)"},
	{Name: "notify.allow", Help: "intranet webhook receivers allowed at private addresses: CIDRs and host names, comma-separated (10.20.0.0/16,hooks.intranet); loopback, link-local and cloud metadata addresses (169.254.169.254, fd00:ec2::254) are refused even if listed", Check: hostsOrCIDRs},
	{Name: "audit.key_file", Help: "file holding the audit chain's key (created 0600 at first start when the log has no key yet; back it up, and give every khien machine the same one); default: audit.key in --data"},
	{Name: "audit.key", Help: "the audit chain's key itself, in hexadecimal (wins over audit.key_file; best set by environment variable)"},
	{Name: "audit.anchors_file", Help: "file the audit log's anchors are appended to (daily and at start; copy it elsewhere); default: audit-anchors.jsonl in --data"},
	{Name: "logs.retention_days", Kind: Int, Default: "30", Help: "days of stored log events kept (whole UTC days of their received time; older days are dropped hourly)", Check: positive},
	{Name: "vuln.remind_days", Kind: Int, Default: "3", Help: "days before a vulnerability finding's deadline its reminder is sent (the overdue notice follows the deadline)", Check: positive},
	{Name: "vuln.feeds_allow_private", Kind: Bool, Default: "false", Help: "let feed downloads from a URL reach private and loopback addresses (an intranet mirror); link-local, multicast and cloud metadata addresses stay refused"},
	{Name: "vuln.feeds_max_bytes", Kind: Int, Default: "1073741824", Help: "largest feed file downloaded from a URL, in bytes", Check: positive},
	{Name: "vuln.feeds_timeout", Kind: Duration, Default: "10m", Help: "time limit of one feed download and import from a URL", Check: positiveDuration},
	{Name: "public.rate", Kind: Int, Default: "60", Help: "requests per minute one address may make to the public trust-label pages", Check: positive},
	{Name: "ingest.syslog_udp", Help: "address (host:port) the syslog receiver listens on over UDP; empty: off", Check: checkAddr},
	{Name: "ingest.syslog_tcp", Help: "address (host:port) the syslog receiver listens on over TCP (newline or RFC 6587 octet-counted frames); empty: off", Check: checkAddr},
	{Name: "ingest.syslog_tls", Help: "address (host:port) the syslog receiver listens on over TLS (with ingest.tls_cert and ingest.tls_key); empty: off", Check: checkAddr},
	{Name: "ingest.tls_cert", Help: "PEM certificate chain of the syslog TLS receiver"},
	{Name: "ingest.tls_key", Help: "PEM private key of the syslog TLS receiver"},
	{Name: "ingest.tls_client_ca", Help: "PEM file of the CA certificates that sign syslog senders' client certificates; set, the TLS receiver requires and verifies a client certificate (mutual TLS), and one whose subject CN is an agency's code binds its events to that agency; empty: no client certificate asked for"},
	{Name: "ingest.http", Help: "address (host:port) of the log shippers' listener: the Elasticsearch-compatible API at its root (Beats, Fluent Bit) and POST /api/v1/ingest; empty: off (the main address still serves /api/v1/ingest and /api/v1/ingest/es/)", Check: checkAddr},
	{Name: "ingest.max_message", Kind: Int, Default: "65536", Help: "largest syslog message or JSON document accepted, in bytes (longer ones are refused and counted)", Check: positive},
	{Name: "ingest.max_body", Kind: Int, Default: "16777216", Help: "largest HTTP ingest or bulk request body, in bytes (413 past it)", Check: positive},
	{Name: "ingest.queue_bytes", Kind: Int, Default: "1073741824", Help: "disk quota of accepted log events waiting for storage and detection, in bytes; past it HTTP answers 429, TCP stops reading and UDP drops (counted)", Check: positive},
	{Name: "ingest.default_system", Kind: Int, Default: "0", Help: "registry system id that takes syslog senders no system lists by address or CIDR; 0: none (they are unknown senders)"},
	{Name: "ingest.unknown_senders", Default: "keep", Help: "what becomes of events from syslog senders no system lists: keep (unassigned, visible to province-wide roles) or refuse (dropped, counted)", Check: oneOf("keep", "refuse")},
	{Name: "ingest.timezone", Help: "IANA time zone of RFC 3164 syslog times, which carry none (e.g. Asia/Ho_Chi_Minh); default: the machine's", Check: timeZone},
}

func positiveDuration(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return fmt.Errorf("%q is not a positive duration (e.g. 30s, 5m, 24h)", v)
	}
	return nil
}

func lookup(name string) (Option, bool) {
	for _, o := range Options {
		if o.Name == name {
			return o, true
		}
	}
	return Option{}, false
}

func checkAddr(v string) error {
	_, port, err := splitHostPort(v)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("invalid port %q", port)
	}
	return nil
}

func splitHostPort(v string) (string, string, error) {
	i := strings.LastIndex(v, ":")
	if i < 0 {
		return "", "", fmt.Errorf("%q has no port (host:port)", v)
	}
	return v[:i], v[i+1:], nil
}

func oneOf(allowed ...string) func(string) error {
	return func(v string) error {
		for _, a := range allowed {
			if v == a {
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %s", v, strings.Join(allowed, ", "))
	}
}

func replicas(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 5 {
		return fmt.Errorf("must be 0 (automatic) or 1 to 5")
	}
	return nil
}

// hostsOrCIDRs checks a comma-separated list of CIDR ranges, addresses
// and host names.
func hostsOrCIDRs(v string) error {
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if _, err := netip.ParsePrefix(item); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(item); err == nil {
			continue
		}
		if strings.Contains(item, "/") || strings.Trim(item, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") != "" {
			return fmt.Errorf("%q is neither a CIDR range, an address nor a host name", item)
		}
	}
	return nil
}

func timeZone(v string) error {
	if _, err := time.LoadLocation(v); err != nil {
		return fmt.Errorf("%q is not a known time zone (e.g. Asia/Ho_Chi_Minh)", v)
	}
	return nil
}

func positive(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return fmt.Errorf("%q is not a positive whole number", v)
	}
	return nil
}

// Register adds the named options to flags, with help naming their
// environment variables.
func Register(flags *pflag.FlagSet, names ...string) {
	for _, n := range names {
		o, ok := lookup(n)
		if !ok {
			panic("config: unknown option " + n) // programming error, caught by tests
		}
		help := fmt.Sprintf("%s (env %s)", o.Help, o.Env())
		switch o.Kind {
		case Bool:
			flags.Bool(o.Name, o.Default == "true", help)
		default:
			flags.String(o.Name, o.Default, help)
		}
	}
}

// Values are resolved options.
type Values map[string]string

// String returns an option's value.
func (v Values) String(name string) string { return v[name] }

// Bool returns a boolean option.
func (v Values) Bool(name string) bool { b, _ := strconv.ParseBool(v[name]); return b }

// Duration returns a duration option.
func (v Values) Duration(name string) time.Duration { d, _ := time.ParseDuration(v[name]); return d }

// Int returns a whole-number option.
func (v Values) Int(name string) int { n, _ := strconv.Atoi(v[name]); return n }

// Resolve reads the named options from flags, the environment and the YAML
// file, in that order of precedence, and checks them.
func Resolve(flags *pflag.FlagSet, getenv func(string) string, names ...string) (Values, error) {
	vals := Values{}
	file := map[string]string{}
	cfgPath := ""
	if f := flags.Lookup("config"); f != nil && f.Changed {
		cfgPath = f.Value.String()
	} else if e := getenv("KHIEN_CONFIG"); e != "" {
		cfgPath = e
	}
	if cfgPath != "" {
		var err error
		if file, err = readFile(cfgPath); err != nil {
			return nil, err
		}
	}
	var errs []error
	for _, n := range names {
		o, _ := lookup(n)
		v := o.Default
		if fv, ok := file[n]; ok {
			v = fv
		}
		if ev := getenv(o.Env()); ev != "" {
			v = ev
		}
		if f := flags.Lookup(n); f != nil && f.Changed {
			v = f.Value.String()
		}
		if err := check(o, v); err != nil {
			errs = append(errs, fmt.Errorf("option %s: %w", n, err))
		}
		vals[n] = v
	}
	if db, asked := vals["db"]; asked && db == "" {
		vals["db"] = filepath.Join(vals["data"], "khien.db")
	}
	if f, asked := vals["audit.key_file"]; asked && f == "" {
		vals["audit.key_file"] = filepath.Join(vals["data"], "audit.key")
	}
	if f, asked := vals["audit.anchors_file"]; asked && f == "" {
		vals["audit.anchors_file"] = filepath.Join(vals["data"], "audit-anchors.jsonl")
	}
	return vals, errors.Join(errs...)
}

func check(o Option, v string) error {
	switch o.Kind {
	case Bool:
		if _, err := strconv.ParseBool(v); err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
	case Duration:
		if d, err := time.ParseDuration(v); err != nil || d < 0 {
			return fmt.Errorf("%q is not a duration such as 30s or 5m", v)
		}
	case Int:
		if _, err := strconv.Atoi(v); err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
	}
	if o.Check != nil && v != "" {
		return o.Check(v)
	}
	return nil
}

// readFile reads a YAML file of options; nested maps become dotted names
// ("scan: {allow_private: true}" is "scan.allow_private"). Unknown keys
// are refused, so that typing mistakes do not pass silently.
func readFile(path string) (map[string]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	out := map[string]string{}
	var walk func(prefix string, m map[string]any) error
	walk = func(prefix string, m map[string]any) error {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			name := prefix + k
			if sub, ok := m[k].(map[string]any); ok {
				if err := walk(name+".", sub); err != nil {
					return err
				}
				continue
			}
			if _, ok := lookup(name); !ok || name == "config" {
				return fmt.Errorf("config: %s: unknown option %q", path, name)
			}
			out[name] = fmt.Sprint(m[k])
		}
		return nil
	}
	return out, walk("", doc)
}

// Table renders the options as a Markdown table (for the README and help).
func Table() string {
	var b strings.Builder
	b.WriteString("| option | environment | default | meaning |\n|---|---|---|---|\n")
	for _, o := range Options {
		fmt.Fprintf(&b, "| `--%s` | `%s` | %s | %s |\n", o.Name, o.Env(), defaultText(o), o.Help)
	}
	return b.String()
}

func defaultText(o Option) string {
	if o.Default == "" {
		return "—"
	}
	return "`" + o.Default + "`"
}
