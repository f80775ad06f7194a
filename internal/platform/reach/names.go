// Package reach decides which sites may be reached live, and tells in
// both languages why reaching one failed.
//
// Names under the top-level domains that RFC 2606 and RFC 6761 reserve
// (.example, .invalid, .test) are never delegated in the public DNS: asking
// a resolver for them only leaks the name and ends in "no such host". The
// scan and probe schedules therefore skip such a name, with no error
// record, unless the hosts file lists it (a lab or an intranet that maps
// it there). The demo province lives under .example: its pages show the
// history it recorded, and nothing is sent for its names.
package reach

import (
	"bufio"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// reservedTLDs are the top-level names that are never delegated.
var reservedTLDs = []string{"example", "invalid", "test"}

// Reserved returns the reserved top-level name host is under ("" when
// it is under none, or is an IP address).
func Reserved(host string) string {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "" || net.ParseIP(h) != nil {
		return ""
	}
	for _, tld := range reservedTLDs {
		if h == tld || strings.HasSuffix(h, "."+tld) {
			return tld
		}
	}
	return ""
}

// Reason says, in both languages, why a site gets no live checks.
type Reason struct {
	VI string `json:"vi"`
	EN string `json:"en"`
}

// Names decides which hosts may be checked live. A nil *Names lets every
// host be checked (the features' zero configuration; the platform sets
// one).
type Names struct {
	hostsFile string
	mu        sync.Mutex
	hosts     map[string]bool
	mod       time.Time
	size      int64
	read      bool
}

// DefaultHostsFile is the hosts file the resolver reads.
const DefaultHostsFile = "/etc/hosts"

// NewNames reads hostsFile ("" for DefaultHostsFile) to learn the
// reserved names that do resolve here; it is read again when it changes.
func NewNames(hostsFile string) *Names {
	if hostsFile == "" {
		hostsFile = DefaultHostsFile
	}
	return &Names{hostsFile: hostsFile}
}

// Offline reports whether host must not be checked live, and why: a name
// under a reserved top-level domain that the hosts file does not list
// does not exist, so it is neither looked up nor requested.
func (n *Names) Offline(host string) (Reason, bool) {
	if n == nil {
		return Reason{}, false
	}
	tld := Reserved(host)
	if tld == "" || n.listed(host) {
		return Reason{}, false
	}
	return Reason{
		VI: "Không kiểm tra trực tiếp: tên miền " + host + " thuộc vùng ." + tld + " dành riêng, không tồn tại trên Internet; trang hiển thị dữ liệu đã ghi sẵn.",
		EN: "No live checks: the name " + host + " is under the reserved ." + tld + " domain and does not exist on the Internet; the pages show recorded data.",
	}, true
}

// listed reports whether the hosts file names host.
func (n *Names) listed(host string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.refresh()
	return n.hosts[strings.ToLower(strings.TrimSuffix(host, "."))]
}

// refresh reads the hosts file again when its size or time changed (a
// missing or unreadable file lists nothing).
func (n *Names) refresh() {
	fi, err := os.Stat(n.hostsFile)
	if err != nil {
		n.hosts, n.read = nil, true
		return
	}
	if n.read && fi.ModTime().Equal(n.mod) && fi.Size() == n.size {
		return
	}
	n.mod, n.size, n.read = fi.ModTime(), fi.Size(), true
	n.hosts = map[string]bool{}
	f, err := os.Open(n.hostsFile)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 || net.ParseIP(fields[0]) == nil {
			continue
		}
		for _, name := range fields[1:] {
			n.hosts[strings.ToLower(strings.TrimSuffix(name, "."))] = true
		}
	}
}
