package webscan

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// A Fingerprint summarises what a page says, so that a later fetch can be
// compared with a stored baseline: an exact hash of the normalised text and
// a bottom-k sketch of its word 4-grams, whose overlap estimates how much
// of the text two versions share (Broder's resemblance).
type Fingerprint struct {
	Hash   string   // SHA-256 of the normalised text, hex
	Sketch []uint64 // the sketchSize smallest 4-gram hashes, ascending
	Words  int      // words of text seen
}

const sketchSize = 128

// IgnoreRule names the dynamic parts of a page left out of its
// fingerprint (a clock, a visitor counter, the news ticker): one entry per
// line, "#id", ".class", a tag name, or "re:EXPR" for text to drop.
type IgnoreRule struct {
	ids, classes, tags []string
	patterns           []*regexp.Regexp
	source             string
}

// ParseIgnoreRule reads an ignore rule; blank lines and lines starting
// with "//" are skipped.
func ParseIgnoreRule(s string) (IgnoreRule, error) {
	r := IgnoreRule{source: s}
	if len(s) > 8<<10 {
		return r, errors.New("ignore rule longer than 8 KiB")
	}
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "//"):
		case strings.HasPrefix(line, "re:"):
			re, err := regexp.Compile(strings.TrimSpace(line[3:]))
			if err != nil {
				return r, fmt.Errorf("line %d: %v", i+1, err)
			}
			r.patterns = append(r.patterns, re)
		case strings.HasPrefix(line, "#") && len(line) > 1:
			r.ids = append(r.ids, line[1:])
		case strings.HasPrefix(line, ".") && len(line) > 1:
			r.classes = append(r.classes, line[1:])
		case regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]*$`).MatchString(line):
			r.tags = append(r.tags, strings.ToLower(line))
		default:
			return r, fmt.Errorf("line %d: %q is not #id, .class, a tag name or re:EXPR", i+1, line)
		}
	}
	return r, nil
}

// String gives the rule back as written.
func (r IgnoreRule) String() string { return r.source }

func (r IgnoreRule) skips(n *html.Node) bool {
	if slices.Contains(r.tags, n.Data) {
		return true
	}
	if id := attr(n, "id"); id != "" && slices.Contains(r.ids, id) {
		return true
	}
	if len(r.classes) > 0 {
		for _, c := range strings.Fields(attr(n, "class")) {
			if slices.Contains(r.classes, c) {
				return true
			}
		}
	}
	return false
}

// PageFingerprint reads an HTML page's title and visible text (scripts,
// styles and the rule's parts left out), folded to lower case without
// diacritics, and fingerprints it.
func PageFingerprint(body string, rule IgnoreRule) Fingerprint {
	doc, err := html.Parse(strings.NewReader(body))
	var text strings.Builder
	if err == nil {
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				switch n.Data {
				case "script", "style", "noscript", "template":
					return
				}
				if rule.skips(n) {
					return
				}
			}
			if n.Type == html.TextNode {
				text.WriteString(n.Data)
				text.WriteByte(' ')
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
	}
	s := text.String()
	for _, re := range rule.patterns {
		s = re.ReplaceAllString(s, " ")
	}
	words := strings.Fields(fold(s))
	sum := sha256.Sum256([]byte(strings.Join(words, " ")))
	fp := Fingerprint{Hash: hex.EncodeToString(sum[:]), Words: len(words)}
	seen := map[uint64]bool{}
	const n = 4
	for i := 0; i == 0 || i+n <= len(words); i++ {
		end := min(i+n, len(words))
		h := fnv.New64a()
		h.Write([]byte(strings.Join(words[i:end], " ")))
		seen[h.Sum64()] = true
		if end == len(words) {
			break
		}
	}
	for h := range seen {
		fp.Sketch = append(fp.Sketch, h)
	}
	slices.Sort(fp.Sketch)
	if len(fp.Sketch) > sketchSize {
		fp.Sketch = fp.Sketch[:sketchSize]
	}
	return fp
}

// String encodes the fingerprint for storage: "v1:words:hash:h1,h2,…".
func (f Fingerprint) String() string {
	var b strings.Builder
	b.WriteString("v1:" + strconv.Itoa(f.Words) + ":" + f.Hash + ":")
	for i, h := range f.Sketch {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(h, 16))
	}
	return b.String()
}

// ParseFingerprint reads what String wrote.
func ParseFingerprint(s string) (Fingerprint, error) {
	parts := strings.SplitN(s, ":", 4)
	if len(parts) != 4 || parts[0] != "v1" {
		return Fingerprint{}, errors.New("not a v1 page fingerprint")
	}
	words, err := strconv.Atoi(parts[1])
	if err != nil || words < 0 {
		return Fingerprint{}, errors.New("fingerprint: bad word count")
	}
	if len(parts[2]) != 64 {
		return Fingerprint{}, errors.New("fingerprint: bad hash")
	}
	if _, err := hex.DecodeString(parts[2]); err != nil {
		return Fingerprint{}, errors.New("fingerprint: bad hash")
	}
	f := Fingerprint{Hash: parts[2], Words: words}
	if parts[3] != "" {
		for _, x := range strings.Split(parts[3], ",") {
			h, err := strconv.ParseUint(x, 16, 64)
			if err != nil {
				return Fingerprint{}, errors.New("fingerprint: bad sketch")
			}
			f.Sketch = append(f.Sketch, h)
		}
	}
	if len(f.Sketch) > sketchSize || !slices.IsSorted(f.Sketch) {
		return Fingerprint{}, errors.New("fingerprint: bad sketch")
	}
	return f, nil
}

// Change estimates the share of text that differs between two versions of
// a page: 0 for the same text, 1 for nothing in common.
func Change(a, b Fingerprint) float64 {
	if a.Hash == b.Hash {
		return 0
	}
	if len(a.Sketch) == 0 || len(b.Sketch) == 0 {
		return 1
	}
	// The k smallest hashes of the union, and how many of them both share.
	union := append(slices.Clone(a.Sketch), b.Sketch...)
	slices.Sort(union)
	union = slices.Compact(union)
	if len(union) > sketchSize {
		union = union[:sketchSize]
	}
	both := 0
	for _, h := range union {
		_, inA := slices.BinarySearch(a.Sketch, h)
		_, inB := slices.BinarySearch(b.Sketch, h)
		if inA && inB {
			both++
		}
	}
	return 1 - float64(both)/float64(len(union))
}

// Baseline is a page's approved state, to compare a new fetch with.
type Baseline struct {
	Fingerprint Fingerprint
	Ignore      IgnoreRule
	// Threshold is the share of changed text above which the change is
	// reported (default 0.5).
	Threshold float64
}

// compare measures how far body has moved from the baseline.
func (b *Baseline) compare(body string) (change, threshold float64, fp Fingerprint) {
	fp = PageFingerprint(body, b.Ignore)
	threshold = b.Threshold
	if threshold <= 0 || threshold > 1 {
		threshold = 0.5
	}
	return Change(b.Fingerprint, fp), threshold, fp
}
