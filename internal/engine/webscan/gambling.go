package webscan

import (
	"fmt"
	"net/url"
	"strings"
)

// The weights of content.injected-links' score (docs/scoring.md §4). A
// block of a page is a finding when it scores gamblingThreshold or more
// and has a strong signal: a strong term, a betting address, or two
// medium terms. Weak terms never make a finding on their own.
const (
	weightAdvert      = 6
	weightStrong      = 4
	weightMedium      = 2
	weightWeak        = 1
	maxWeak           = 2 // weak terms add at most this much to a block
	weightLawful      = -4
	weightHostBrand   = 5 // a betting brand in a link's host name
	weightHostTerm    = 4 // a strong betting phrase in a link's host name
	weightHidden      = 2
	weightExternal    = 1 // a hidden block with a link that leaves the site
	gamblingThreshold = 7
)

// gamblingFinding is a block of a page judged to be gambling or scam
// advertising: a hidden block (the element that hides it and all it
// holds) or a visible link.
type gamblingFinding struct {
	hidden bool
	items  []string // evidence: "href — text" and "(hidden text) text"
	why    string   // how the block scored
	// howVI and howEN say how a hidden block is hidden ("ẩn bằng lớp .x
	// trong <style>: display:none").
	howVI, howEN string
}

// scoredUnit is what one link (its text, path and host) or one text
// node says.
type scoredUnit struct {
	hits  []termHit
	hosts []hostHit
}

type hostHit struct {
	term  *vocabTerm
	label string
}

// anchored tells whether the unit has more than weak and lawful words: a
// weak term counts only beside such a signal.
func (u *scoredUnit) anchored() bool {
	if len(u.hosts) > 0 {
		return true
	}
	for _, h := range u.hits {
		if h.class == classAdvert || h.class == classStrong || h.class == classMedium {
			return true
		}
	}
	return false
}

// readUnit reads a text, or a link's text and address; external tells
// whether the link leaves the site (whose host is site).
func readUnit(tok *tokenizer, text, href, site string) (u scoredUnit, external bool) {
	emit := func(h termHit) {
		if h.class != classNeutral && h.class != classNone {
			u.hits = append(u.hits, h)
		}
	}
	vocab.matchText(tok, text, emit)
	if href != "" {
		if p, err := url.Parse(strings.TrimSpace(href)); err == nil {
			vocab.matchText(tok, p.Path, emit)
			if h := p.Hostname(); h != "" {
				external = !sameSite(h, site)
				vocab.hostHits(h, func(t *vocabTerm, label string) { u.hosts = append(u.hosts, hostHit{t, label}) })
			}
		}
	}
	return u, external
}

// blockScore gathers the distinct signals of one block.
type blockScore struct {
	terms            []termHit
	hosts            []hostHit
	termAt           map[*vocabTerm]int // index in terms
	hostSeen         map[string]bool    // labels in hosts
	hidden, external bool
}

func (b *blockScore) add(u scoredUnit, external bool) {
	anchored := u.anchored()
	for _, h := range u.hits {
		if h.class == classWeak && !anchored {
			continue
		}
		b.addTerm(h)
	}
	for _, h := range u.hosts {
		if b.hostSeen == nil {
			b.hostSeen = map[string]bool{}
		}
		if !b.hostSeen[h.label] {
			b.hostSeen[h.label] = true
			b.hosts = append(b.hosts, h)
		}
	}
	// In a hidden block, a link that leaves the site counts even without
	// words of its own: the menus and tabs that sites hide link inside the
	// site, injected blocks link out. (Visible links to the press are
	// ordinary, and are not counted.)
	b.external = b.external || (b.hidden && external)
}

func (b *blockScore) addTerm(h termHit) {
	if b.termAt == nil {
		b.termAt = map[*vocabTerm]int{}
	}
	if i, ok := b.termAt[h.term]; ok {
		b.terms[i].class = max(b.terms[i].class, h.class)
		return
	}
	b.termAt[h.term] = len(b.terms)
	b.terms = append(b.terms, h)
}

// score adds up the block's signals: whether it is a finding, its score
// and the reasons ("nhà cái +4, hidden +2").
func (b *blockScore) score() (found bool, score int, why []string) {
	text, weak, strong, medium := 0, 0, 0, 0
	for _, t := range b.terms {
		w := 0
		switch t.class {
		case classAdvert:
			w, strong = weightAdvert, strong+1
		case classStrong:
			w, strong = weightStrong, strong+1
		case classMedium:
			w, medium = weightMedium, medium+1
		case classWeak:
			if weak >= maxWeak {
				continue
			}
			w, weak = weightWeak, weak+1
		case classLawful:
			w = weightLawful
		}
		text += w
		why = append(why, fmt.Sprintf("%s %+d", t.term.phrase, w))
	}
	score = max(text, 0) // lawful words lower the words' score, not the addresses'
	for _, h := range b.hosts {
		w := weightHostTerm
		if h.term.brand {
			w = weightHostBrand
		}
		score += w
		why = append(why, fmt.Sprintf("address %q %+d", h.label, w))
	}
	if b.hidden {
		score += weightHidden
		why = append(why, fmt.Sprintf("hidden %+d", weightHidden))
	}
	if b.external {
		score += weightExternal
		why = append(why, fmt.Sprintf("external link %+d", weightExternal))
	}
	found = (strong > 0 || len(b.hosts) > 0 || medium >= 2) && score >= gamblingThreshold
	return found, score, why
}

// gamblingFindings judges a page's blocks: each visible link on its own,
// and each hidden block (the element that hides it, with its links and
// text) as a whole.
// pageURL is the page's own address ("" when unknown).
func gamblingFindings(f pageFacts, pageURL string) []gamblingFinding {
	tok := &tokenizer{}
	site := ""
	if u, err := url.Parse(pageURL); err == nil {
		site = u.Hostname()
	}
	type hiddenBlock struct {
		score blockScore
		items []string
	}
	blocks := map[int]*hiddenBlock{}
	var order []int
	get := func(id int) *hiddenBlock {
		b := blocks[id]
		if b == nil {
			b = &hiddenBlock{score: blockScore{hidden: true}}
			blocks[id] = b
			order = append(order, id)
		}
		return b
	}
	var out []gamblingFinding
	for _, l := range f.links {
		u, ext := readUnit(tok, l.text, l.href, site)
		if !l.hidden {
			b := blockScore{}
			b.add(u, ext)
			if found, sc, why := b.score(); found {
				out = append(out, gamblingFinding{items: []string{l.href + " — " + l.text}, why: whyLine(false, sc, why)})
			}
			continue
		}
		b := get(l.block)
		b.score.add(u, ext)
		if u.anchored() {
			b.items = append(b.items, l.href+" — "+l.text)
		}
	}
	textBlocks := map[int][]string{}
	for _, t := range f.hiddenText {
		if t.inLink {
			continue
		}
		u, _ := readUnit(tok, t.text, "", site)
		b := get(t.block)
		b.score.add(u, false)
		if u.anchored() {
			textBlocks[t.block] = append(textBlocks[t.block], "(hidden text) "+t.text)
		}
	}
	for _, id := range order {
		b := blocks[id]
		if found, sc, why := b.score.score(); found {
			items := append(b.items, textBlocks[id]...)
			g := gamblingFinding{hidden: true, items: items, why: whyLine(true, sc, why)}
			if id >= 1 && id <= len(f.hides) && f.hides[id-1] != nil {
				g.howVI, g.howEN = f.hides[id-1].texts()
			}
			out = append(out, g)
		}
	}
	return out
}

// sameSite tells whether host is the site's own (with or without "www.").
func sameSite(host, site string) bool {
	trim := func(h string) string { return strings.TrimPrefix(strings.ToLower(h), "www.") }
	return site != "" && trim(host) == trim(site)
}

func whyLine(hidden bool, score int, why []string) string {
	what := "link"
	if hidden {
		what = "hidden block"
	}
	return fmt.Sprintf("  (%s scored %d, threshold %d: %s)", what, score, gamblingThreshold, strings.Join(why, ", "))
}

// splitFindings lists the evidence of hidden and visible findings.
func splitFindings(fs []gamblingFinding) (hidden, visible []string) {
	for _, f := range fs {
		if f.hidden {
			hidden = append(hidden, f.items...)
		} else {
			visible = append(visible, f.items...)
		}
	}
	return hidden, visible
}

// findingReasons lists the reason lines of the hidden or visible findings;
// a hidden one also says how it is hidden, in both languages.
func findingReasons(fs []gamblingFinding, hidden bool) []string {
	var out []string
	for _, f := range fs {
		if f.hidden == hidden {
			out = append(out, f.why)
			if f.howVI != "" {
				out = append(out, "  ("+f.howVI+" / "+f.howEN+")")
			}
		}
	}
	return out
}

// hidingTexts lists, once each, how the hidden findings are hidden, in
// Vietnamese and in English.
func hidingTexts(fs []gamblingFinding) (vi, en []string) {
	seen := map[string]bool{}
	for _, f := range fs {
		if f.hidden && f.howVI != "" && !seen[f.howEN] {
			seen[f.howEN] = true
			vi, en = append(vi, f.howVI), append(en, f.howEN)
		}
	}
	return vi, en
}
