package vuln

import (
	"fmt"
	"net/url"
	"strings"
)

// purlEcosystems maps a package URL type to its OSV ecosystem.
var purlEcosystems = map[string]string{
	"npm": "npm", "composer": "Packagist", "maven": "Maven", "golang": "Go", "pypi": "PyPI",
	"nuget": "NuGet", "gem": "RubyGems", "cargo": "crates.io", "hex": "Hex", "pub": "Pub",
}

// osvPackage is a component's package as OSV names it.
type osvPackage struct {
	ecosystem, name, version string
}

// parsePURL reads pkg:type/namespace/name@version into an OSV package;
// ok is false for a type OSV matching does not cover.
func parsePURL(s string) (osvPackage, bool, error) {
	rest, found := strings.CutPrefix(strings.TrimSpace(s), "pkg:")
	if !found {
		return osvPackage{}, false, fmt.Errorf("package URL %q does not start with pkg:", s)
	}
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest = rest[:i]
	}
	typ, path, ok := strings.Cut(strings.TrimLeft(rest, "/"), "/")
	if !ok || path == "" {
		return osvPackage{}, false, fmt.Errorf("package URL %q has no name", s)
	}
	var p osvPackage
	if i := strings.LastIndexByte(path, '@'); i > 0 {
		v, err := url.PathUnescape(path[i+1:])
		if err != nil {
			return osvPackage{}, false, fmt.Errorf("package URL %q: bad escape in the version", s)
		}
		p.version, path = v, path[:i]
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, seg := range segs {
		v, err := url.PathUnescape(seg)
		if err != nil {
			return osvPackage{}, false, fmt.Errorf("package URL %q: bad escape", s)
		}
		segs[i] = v
	}
	typ = strings.ToLower(typ)
	eco, known := purlEcosystems[typ]
	if !known {
		return osvPackage{}, false, nil
	}
	p.ecosystem = eco
	if typ == "maven" && len(segs) >= 2 {
		p.name = strings.Join(segs[:len(segs)-1], ".") + ":" + segs[len(segs)-1]
	} else {
		p.name = strings.Join(segs, "/")
	}
	return p, true, nil
}

// packageKey is how OSV packages are indexed: ecosystem and name, case
// folded (PyPI also folds "_" and "." to "-").
func packageKey(ecosystem, name string) string {
	eco := strings.ToLower(ecosystem)
	if i := strings.IndexByte(eco, ':'); i >= 0 {
		eco = eco[:i]
	}
	n := strings.ToLower(strings.TrimSpace(name))
	if eco == "pypi" {
		n = strings.NewReplacer("_", "-", ".", "-").Replace(n)
	}
	return eco + "\x00" + n
}

// osvAffects reports whether version v of a package is affected by af.
func osvAffects(af Affected, v string) bool {
	pv := parseVersion(v)
	for _, x := range af.Versions {
		if compareParsed(parseVersion(x), pv) == 0 {
			return true
		}
	}
	for _, rg := range af.Ranges {
		t := strings.ToUpper(rg.Type)
		if (t == "SEMVER" || t == "ECOSYSTEM") && inRange(rg.Events, pv) {
			return true
		}
	}
	return false
}

// inRange walks the events in version order: affected from an introduced
// <= v, not from a fixed or limit <= v, nor after a last_affected < v.
func inRange(events []Event, v parsedVersion) bool {
	type ev struct {
		kind string
		ver  parsedVersion
		zero bool
	}
	evs := make([]ev, 0, len(events))
	for _, e := range events {
		switch {
		case e.Introduced != "":
			evs = append(evs, ev{"introduced", parseVersion(e.Introduced), e.Introduced == "0"})
		case e.Fixed != "":
			evs = append(evs, ev{"fixed", parseVersion(e.Fixed), false})
		case e.Limit != "":
			evs = append(evs, ev{"fixed", parseVersion(e.Limit), false})
		case e.LastAffected != "":
			evs = append(evs, ev{"last", parseVersion(e.LastAffected), false})
		}
	}
	sortEvents := func(i, j int) int {
		if evs[i].zero != evs[j].zero {
			if evs[i].zero {
				return -1
			}
			return 1
		}
		return compareParsed(evs[i].ver, evs[j].ver)
	}
	insertionSort(len(evs), sortEvents, func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
	affected := false
	for _, e := range evs {
		c := compareParsed(v, e.ver)
		switch e.kind {
		case "introduced":
			if e.zero || c >= 0 {
				affected = true
			}
		case "fixed":
			if c >= 0 {
				affected = false
			}
		case "last":
			if c > 0 {
				affected = false
			}
		}
	}
	return affected
}

// insertionSort is a stable sort for the few events of a range.
func insertionSort(n int, cmp func(i, j int) int, swap func(i, j int)) {
	for i := 1; i < n; i++ {
		for j := i; j > 0 && cmp(j-1, j) > 0; j-- {
			swap(j-1, j)
		}
	}
}
