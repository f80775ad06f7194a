package detect

import (
	"fmt"
	"regexp/syntax"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// countNode is "N of pattern" for N > 1: at least n children hold.
type countNode struct {
	n    int
	kids []node
}

func (c countNode) eval(ev *Event) bool {
	k := 0
	for _, x := range c.kids {
		if x.eval(ev) {
			k++
			if k >= c.n {
				return true
			}
		}
	}
	return false
}

// detection compiles a detection section into one node.
func (c *compiler) detection(d *Detection) (node, error) {
	items := make(map[string]node, len(d.Items))
	for _, name := range d.Names {
		it := d.Items[name]
		var alts []node
		for _, alt := range it.Alts {
			var conj []node
			for _, ft := range alt {
				n, err := c.fieldTest(ft)
				if err != nil {
					return nil, &LoadError{Line: ft.Line, Msg: fmt.Sprintf("%s: %v", fieldLabel(name, ft), err)}
				}
				conj = append(conj, n)
			}
			alts = append(alts, andOf(conj))
		}
		items[name] = orOf(alts)
	}
	var conds []node
	for _, s := range d.Conditions {
		ast, err := parseCondition(s)
		if err != nil {
			return nil, &LoadError{Line: d.CondLine, Msg: err.Error()}
		}
		n, err := resolveCond(ast, d.Names, items)
		if err != nil {
			return nil, &LoadError{Line: d.CondLine, Msg: err.Error()}
		}
		conds = append(conds, n)
	}
	return orOf(conds), nil
}

func fieldLabel(item string, ft FieldTest) string {
	key := ft.Field
	if len(ft.Modifiers) > 0 {
		key += "|" + strings.Join(ft.Modifiers, "|")
	}
	if key == "" {
		return item
	}
	return item + "." + key
}

func andOf(n []node) node {
	if len(n) == 1 {
		return n[0]
	}
	return andNode(n)
}

func orOf(n []node) node {
	if len(n) == 1 {
		return n[0]
	}
	return orNode(n)
}

// resolveCond turns a parsed condition into nodes over the compiled
// search identifiers.
func resolveCond(c cond, names []string, items map[string]node) (node, error) {
	switch x := c.(type) {
	case condIdent:
		n, ok := items[x.name]
		if !ok {
			return nil, fmt.Errorf("condition names %q, which is not a search identifier", x.name)
		}
		return n, nil
	case condNot:
		n, err := resolveCond(x.x, names, items)
		if err != nil {
			return nil, err
		}
		return notNode{n}, nil
	case condAnd, condOr:
		var l, r cond
		if a, ok := x.(condAnd); ok {
			l, r = a.l, a.r
		} else {
			o := x.(condOr)
			l, r = o.l, o.r
		}
		ln, err := resolveCond(l, names, items)
		if err != nil {
			return nil, err
		}
		rn, err := resolveCond(r, names, items)
		if err != nil {
			return nil, err
		}
		if _, ok := x.(condAnd); ok {
			return andNode{ln, rn}, nil
		}
		return orNode{ln, rn}, nil
	case condOf:
		var kids []node
		for _, name := range names {
			if x.pattern == "" && strings.HasPrefix(name, "_") {
				continue // "them" leaves out identifiers starting with '_'
			}
			if x.pattern == "" || identMatch(x.pattern, name) {
				kids = append(kids, items[name])
			}
		}
		what := x.pattern
		if what == "" {
			what = "them"
		}
		switch {
		case len(kids) == 0:
			return nil, fmt.Errorf("condition: no search identifier matches %q", what)
		case x.all:
			return andNode(kids), nil
		case x.n == 1:
			return orNode(kids), nil
		case x.n > len(kids):
			return constNode(false), nil
		}
		return countNode{n: x.n, kids: kids}, nil
	}
	return nil, fmt.Errorf("condition: unknown expression")
}

// needleRef is a literal (lower-cased) that a test needs, and the field
// whose values must hold it ("" for a keyword search: any field).
type needleRef struct{ field, text string }

// needles answers literals at least one of which appears in the
// lower-cased values of its field in any event the node matches; ok is
// false when there is no such set (the rule is always a candidate).
func needles(n node) ([]needleRef, bool) {
	switch x := n.(type) {
	case andNode:
		var best []needleRef
		found := false
		for _, k := range x {
			if s, ok := needles(k); ok && (!found || better(s, best)) {
				best, found = s, true
			}
		}
		return best, found
	case orNode:
		var all []needleRef
		for _, k := range x {
			s, ok := needles(k)
			if !ok {
				return nil, false
			}
			all = append(all, s...)
		}
		return all, len(all) > 0
	case *fieldNode:
		if x.nullMissing {
			return nil, false
		}
		return testsNeedles(x.key, x.tests, x.all)
	case *keywordNode:
		return testsNeedles("", x.tests, x.all)
	}
	return nil, false
}

// better prefers the set whose shortest needle is longest, then the
// smaller set.
func better(a, b []needleRef) bool { return betterTexts(refTexts(a), refTexts(b)) }

func betterTexts(a, b []string) bool {
	if ua, ub := allUseful(a), allUseful(b); ua != ub {
		return ua
	}
	ma, mb := minLen(a), minLen(b)
	if ma != mb {
		return ma > mb
	}
	return len(a) < len(b)
}

func refTexts(refs []needleRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.text
	}
	return out
}

func minLen(s []string) int {
	m := -1
	for _, x := range s {
		if m < 0 || len(x) < m {
			m = len(x)
		}
	}
	return m
}

// testsNeedles is needles for the value tests of one field (or of a
// keyword search, field "").
func testsNeedles(field string, tests []valueTest, all bool) ([]needleRef, bool) {
	var out []needleRef
	found := false
	for _, t := range tests {
		texts, ok := testNeedles(t)
		s := make([]needleRef, len(texts))
		for i, x := range texts {
			s[i] = needleRef{field, x}
		}
		switch {
		case all && ok && (!found || better(s, out)):
			out, found = s, true
		case !all && !ok:
			return nil, false
		case !all:
			out, found = append(out, s...), true
		}
	}
	return out, found
}

// minNeedle is the shortest useful needle: shorter ones occur in nearly
// every event and would only cost scanning time, unless they hold a
// character that is rare in logs (a backtick, a caret, a brace…).
const minNeedle = 3

// commonBytes are the characters of ordinary log text.
const commonBytes = "abcdefghijklmnopqrstuvwxyz0123456789 \\/.:-_,=\"'()\x00\t\n\r"

// commonCorpus is text found in most Windows events (paths, channels,
// accounts, dates): a needle inside it would be present nearly always, so
// it is not used.
const commonCorpus = "c:\\windows\\system32\\ c:\\windows\\syswow64\\ c:\\program files\\ c:\\program files (x86)\\ c:\\programdata\\ " +
	"c:\\users\\ \\appdata\\local\\temp\\ \\appdata\\roaming\\microsoft\\windows\\ \\device\\harddiskvolume " +
	"microsoft-windows-sysmon/operational microsoft-windows-security-auditing microsoft-windows-powershell/operational " +
	"nt authority\\system nt authority\\local service nt authority\\network service microsoft corporation " +
	"hklm\\software\\microsoft\\windows\\currentversion\\ hkcu\\software\\microsoft\\windows\\currentversion\\ " +
	"hku\\ \\software\\classes\\ 2024- 2025- 2026- 2027- .exe .dll true false medium high system file"

func usefulNeedle(n string) bool {
	if strings.Contains(commonCorpus, n) {
		return false
	}
	if len(n) >= minNeedle {
		for _, c := range commonMask(n) {
			if !c {
				return true
			}
		}
		return false // nothing but common text: found in most events
	}
	for i := 0; i < len(n); i++ {
		if strings.IndexByte(commonBytes, n[i]) < 0 {
			return true
		}
	}
	return false
}

func testNeedles(t valueTest) ([]string, bool) {
	ns, ok := testNeedlesAny(t)
	for _, n := range ns {
		if !usefulNeedle(n) {
			return nil, false
		}
	}
	return ns, ok
}

func testNeedlesAny(t valueTest) ([]string, bool) {
	switch x := t.(type) {
	case *patTest:
		var out []string
		for i := range x.pats {
			n := x.pats[i].needle()
			if n == "" || !utf8.ValidString(n) {
				return nil, false
			}
			out = append(out, foldLower(n))
		}
		return out, len(out) > 0
	case reTest:
		return x.need, x.need != nil
	}
	return nil, false
}

// reNeedles answers literals (lower-cased) one of which appears in any
// text the regular expression matches.
func reNeedles(re *syntax.Regexp, depth int) ([]string, bool) {
	if depth > 50 {
		return nil, false
	}
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 && !foldSafe(re.Rune) {
			return nil, false
		}
		s := foldLower(string(re.Rune))
		return []string{s}, s != "" && utf8.ValidString(s)
	case syntax.OpCapture, syntax.OpPlus:
		return reNeedles(re.Sub[0], depth+1)
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return reNeedles(re.Sub[0], depth+1)
		}
	case syntax.OpConcat:
		best, found := concatNeedles(re.Sub)
		for _, sub := range re.Sub {
			if s, ok := reNeedles(sub, depth+1); ok && (!found || betterTexts(s, best)) {
				best, found = s, true
			}
		}
		return best, found
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			s, ok := reNeedles(sub, depth+1)
			if !ok {
				return nil, false
			}
			all = append(all, s...)
		}
		return all, len(all) > 0
	}
	return nil, false
}

// foldSafe says whether every rune a case-insensitive literal matches
// folds (foldLower) to the same text as the literal's own rune.
func foldSafe(runes []rune) bool {
	for _, r := range runes {
		want := foldLower(string(r))
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if foldLower(string(f)) != want {
				return false
			}
		}
	}
	return true
}

func allUseful(ns []string) bool {
	for _, n := range ns {
		if !usefulNeedle(n) {
			return false
		}
	}
	return true
}

// cost ranks a node for evaluation order: cheap tests first, so that an
// AND stops before the regular expressions and keyword searches.
func cost(n node) int {
	switch x := n.(type) {
	case existsNode, constNode:
		return 0
	case *fieldNode:
		c := 1
		for _, t := range x.tests {
			switch t.(type) {
			case reTest, neqTest:
				c += 20
			case *patTest:
				c++
			default:
				c += 2
			}
		}
		return c
	case *keywordNode:
		return 50 + 10*len(x.tests)
	case notNode:
		return cost(x.x)
	case andNode:
		return sumCost(x)
	case orNode:
		return sumCost(x)
	case countNode:
		return sumCost(x.kids)
	}
	return 10
}

func sumCost(ns []node) int {
	c := 0
	for _, n := range ns {
		c += cost(n)
	}
	return c
}

// orderByCost sorts the children of every AND and OR, cheapest first
// (both are commutative: the result does not change).
func orderByCost(n node) node {
	switch x := n.(type) {
	case andNode:
		for i := range x {
			x[i] = orderByCost(x[i])
		}
		sort.SliceStable(x, func(i, j int) bool { return cost(x[i]) < cost(x[j]) })
		return x
	case orNode:
		for i := range x {
			x[i] = orderByCost(x[i])
		}
		sort.SliceStable(x, func(i, j int) bool { return cost(x[i]) < cost(x[j]) })
		return x
	case notNode:
		return notNode{orderByCost(x.x)}
	case countNode:
		for i := range x.kids {
			x.kids[i] = orderByCost(x.kids[i])
		}
		return x
	}
	return n
}
