package detect

import (
	"fmt"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// MaxRegexLen bounds a re value; Go's RE2 engine matches in linear time,
// and this bounds its compiled size as well.
const MaxRegexLen = 8 << 10

// maxPlaceholderValues bounds what one value expands to.
const maxPlaceholderValues = 4096

// mods is a parsed modifier chain.
type mods struct {
	all, contains, startswith, endswith, cased bool
	re, reI, reM, reS, cidr, exists, fieldref  bool
	expand, neq                                bool
	cmp                                        *cmpOp
	timeUnit                                   string
	transforms                                 []string // windash, base64, base64offset, utf16*, in order
}

var cmpMods = map[string]cmpOp{"gt": opGt, "gte": opGte, "lt": opLt, "lte": opLte}

func parseMods(list []string) (mods, error) {
	var m mods
	for _, s := range list {
		switch s {
		case "all":
			m.all = true
		case "contains":
			m.contains = true
		case "startswith":
			m.startswith = true
		case "endswith":
			m.endswith = true
		case "cased":
			m.cased = true
		case "re":
			m.re = true
		case "i":
			m.reI = true
		case "m":
			m.reM = true
		case "s":
			m.reS = true
		case "cidr":
			m.cidr = true
		case "exists":
			m.exists = true
		case "fieldref":
			m.fieldref = true
		case "expand":
			m.expand = true
		case "neq":
			m.neq = true
		case "gt", "gte", "lt", "lte":
			if m.cmp != nil {
				return m, fmt.Errorf("more than one of gt, gte, lt, lte")
			}
			op := cmpMods[s]
			m.cmp = &op
		case "minute", "hour", "day", "week", "month", "year":
			m.timeUnit = s
		case "windash", "base64", "base64offset", "utf16le", "utf16be", "utf16", "wide":
			m.transforms = append(m.transforms, s)
		default:
			return m, fmt.Errorf("unknown modifier %q", s)
		}
	}
	return m, m.check()
}

// check refuses combinations that have no meaning.
func (m mods) check() error {
	shapes := 0
	for _, b := range []bool{m.contains, m.startswith, m.endswith} {
		if b {
			shapes++
		}
	}
	switch {
	case shapes > 1:
		return fmt.Errorf("only one of contains, startswith, endswith")
	case (m.reI || m.reM || m.reS) && !m.re:
		return fmt.Errorf("modifiers i, m, s go with re")
	case m.re && (shapes > 0 || len(m.transforms) > 0 || m.cidr || m.cmp != nil || m.fieldref):
		return fmt.Errorf("re takes no other value modifier than i, m, s and all")
	case m.exists && (shapes > 0 || m.re || m.cidr || m.cmp != nil || m.fieldref || len(m.transforms) > 0 || m.neq):
		return fmt.Errorf("exists takes no other modifier")
	case m.cidr && (shapes > 0 || m.cmp != nil || m.fieldref || len(m.transforms) > 0):
		return fmt.Errorf("cidr takes no other value modifier")
	case m.cmp != nil && (shapes > 0 || m.fieldref || len(m.transforms) > 0 || m.neq):
		return fmt.Errorf("gt, gte, lt, lte take no string modifier")
	case m.fieldref && (len(m.transforms) > 0 || m.expand):
		return fmt.Errorf("fieldref takes no encoding or expand modifier")
	case m.timeUnit != "" && (shapes > 0 || m.fieldref || len(m.transforms) > 0 || m.re || m.cidr):
		return fmt.Errorf("%s compares a number and takes no string modifier", m.timeUnit)
	}
	return nil
}

// compiler turns rules into nodes; it holds the configuration.
type compiler struct {
	placeholders map[string][]string
}

// fieldTest compiles one "field|modifiers: values" entry.
func (c *compiler) fieldTest(ft FieldTest) (node, error) {
	m, err := parseMods(ft.Modifiers)
	if err != nil {
		return nil, err
	}
	key := strings.ToLower(ft.Field)
	if m.exists {
		if ft.Field == "" {
			return nil, fmt.Errorf("exists needs a field name")
		}
		if len(ft.Values) != 1 || ft.Values[0].Kind != ValBool {
			return nil, fmt.Errorf("%s|exists takes true or false", ft.Field)
		}
		return existsNode{key: key, kid: fieldKeyID(key), want: ft.Values[0].Text == "true"}, nil
	}
	if ft.Field == "" && !m.startswith && !m.endswith && !m.re && !m.cidr && m.cmp == nil && !m.fieldref && m.timeUnit == "" {
		m.contains = true // a keyword is searched anywhere in a value
	}
	if m.all && len(ft.Values) < 2 && !m.expand {
		// the specification forbids it, yet it means the same as without
		m.all = false
	}
	var tests []valueTest
	nulls := 0
	for _, v := range ft.Values {
		t, err := c.valueTest(m, v)
		if err != nil {
			return nil, err
		}
		if _, ok := t.(nullTest); ok {
			nulls++
		}
		tests = append(tests, t)
	}
	if ft.Field == "" {
		if nulls > 0 || m.fieldref || m.neq {
			return nil, fmt.Errorf("a keyword search takes no null, fieldref or neq")
		}
		return &keywordNode{tests: tests, all: m.all}, nil
	}
	return &fieldNode{key: key, kid: fieldKeyID(key), tests: tests, all: m.all, nullMissing: nulls > 0, allNull: nulls == len(tests)}, nil
}

// valueTest compiles one value under the modifiers.
func (c *compiler) valueTest(m mods, v RawValue) (valueTest, error) {
	if v.Kind == ValNull {
		if m.re || m.cidr || m.cmp != nil || m.fieldref || len(m.transforms) > 0 || m.timeUnit != "" {
			return nil, fmt.Errorf("null takes no value modifier")
		}
		if m.neq {
			return neqTest{nullTest{}}, nil
		}
		return nullTest{}, nil
	}
	switch {
	case m.re:
		return regexTest(m, v.Text)
	case m.cidr:
		p, err := netip.ParsePrefix(strings.TrimSpace(v.Text))
		if err != nil {
			return nil, fmt.Errorf("cidr %q is not an IPv4 or IPv6 network", v.Text)
		}
		var t valueTest = cidrTest{prefixes: []netip.Prefix{p.Masked()}}
		if m.neq {
			t = neqTest{t}
		}
		return t, nil
	case m.timeUnit != "":
		op := opEq
		if m.cmp != nil {
			op = *m.cmp
		} else if m.neq {
			op = opNeq
		}
		x, ok := parseNumber(v.Text)
		if !ok {
			return nil, fmt.Errorf("%s takes a number, not %q", m.timeUnit, v.Text)
		}
		return timeTest{unit: m.timeUnit, cmp: numTest{op: op, x: x}}, nil
	case m.cmp != nil:
		x, ok := parseNumber(v.Text)
		if !ok {
			return nil, fmt.Errorf("gt, gte, lt, lte take a number, not %q", v.Text)
		}
		return numTest{op: *m.cmp, x: x}, nil
	case m.fieldref:
		sh := shapeEqual
		switch {
		case m.contains:
			sh = shapeContains
		case m.startswith:
			sh = shapePrefix
		case m.endswith:
			sh = shapeSuffix
		}
		return fieldrefTest{other: strings.ToLower(v.Text), sh: sh, fold: !m.cased, neg: m.neq}, nil
	}
	t, err := c.stringTest(m, v)
	if err != nil {
		return nil, err
	}
	if m.neq {
		if x, ok := parseNumber(v.Text); ok && v.Kind != ValString {
			return neqTest{anyTest{t, numTest{op: opEq, x: x}}}, nil // 5 also equals "5.0"
		}
		return neqTest{t}, nil
	}
	return t, nil
}

// regexTest compiles a re value with its flags.
func regexTest(m mods, s string) (valueTest, error) {
	if len(s) > MaxRegexLen {
		return nil, fmt.Errorf("regular expression longer than %d bytes", MaxRegexLen)
	}
	flags := ""
	if m.reI {
		flags += "i"
	}
	if m.reM {
		flags += "m"
	}
	if m.reS {
		flags += "s"
	}
	expr := s
	if flags != "" {
		expr = "(?" + flags + ")" + s
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		var se *syntax.Error
		if ok := asSyntax(err, &se); ok {
			return nil, fmt.Errorf("regular expression not supported (RE2 syntax): %s", se.Code)
		}
		return nil, fmt.Errorf("regular expression not supported: %v", err)
	}
	rt := reTest{re: re}
	if p, err := syntax.Parse(re.String(), syntax.Perl); err == nil {
		if ns, ok := reNeedles(p.Simplify(), 0); ok {
			rt.need = ns
		}
		rt.minLen = reMinLen(p.Simplify(), 0)
		rt.run = reByteRun(p) // before Simplify, which spells x{64} as 64 copies
	}
	var t valueTest = rt
	if m.neq {
		t = neqTest{t}
	}
	return t, nil
}

func asSyntax(err error, target **syntax.Error) bool {
	se, ok := err.(*syntax.Error)
	if ok {
		*target = se
	}
	return ok
}

// stringTest builds the pattern(s) of a string value: expand, wildcards,
// windash and encodings in the order written, then the shape.
func (c *compiler) stringTest(m mods, v RawValue) (valueTest, error) {
	texts := []string{v.Text}
	if m.expand {
		var err error
		if texts, err = c.expand(v.Text); err != nil {
			return nil, err
		}
	}
	var alts [][]token
	for _, s := range texts {
		if v.Kind == ValString {
			alts = append(alts, parseWildcards(s))
		} else {
			alts = append(alts, literalTokens(s))
		}
	}
	for _, tr := range m.transforms {
		var err error
		if alts, err = transform(tr, alts); err != nil {
			return nil, err
		}
	}
	fold := !m.cased
	pats := make([]pattern, 0, len(alts))
	for _, toks := range alts {
		toks = shapeTokens(m, toks)
		for _, t := range toks {
			if t.kind == tokLit && !utf8.ValidString(t.lit) {
				fold = false // bytes of an encoding: compared as they are
			}
		}
		pats = append(pats, pattern{toks: toks})
	}
	for i := range pats {
		pats[i] = newPattern(pats[i].toks, fold)
	}
	return &patTest{pats: pats, fold: fold}, nil
}

// shapeTokens applies contains, startswith and endswith.
func shapeTokens(m mods, toks []token) []token {
	star := token{kind: tokStar}
	lead := len(toks) > 0 && toks[0].kind == tokStar
	trail := len(toks) > 0 && toks[len(toks)-1].kind == tokStar
	out := toks
	if (m.contains || m.endswith) && !lead {
		out = append([]token{star}, out...)
	}
	if (m.contains || m.startswith) && !trail {
		out = append(append([]token(nil), out...), star)
	}
	if len(out) == 0 && (m.contains || m.startswith || m.endswith) {
		out = []token{star}
	}
	return out
}
