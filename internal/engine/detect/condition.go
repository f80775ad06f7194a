package detect

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxConditionDepth bounds the nesting of a condition (parentheses and
// "not"), so that a hostile rule cannot exhaust the stack.
const MaxConditionDepth = 64

// MaxConditionLen bounds the length of a condition in bytes.
const MaxConditionLen = 16 << 10

// cond is a parsed condition expression.
type cond interface{ isCond() }

type (
	condIdent struct{ name string }
	condAnd   struct{ l, r cond }
	condOr    struct{ l, r cond }
	condNot   struct{ x cond }
	// condOf is "N of pattern", "all of pattern" (all set) or "... them"
	// (pattern empty).
	condOf struct {
		n       int
		all     bool
		pattern string
	}
)

func (condIdent) isCond() {}
func (condAnd) isCond()   {}
func (condOr) isCond()    {}
func (condNot) isCond()   {}
func (condOf) isCond()    {}

// condParser is a recursive-descent parser of the Sigma condition
// grammar; precedence from loosest: or, and, not, "x of", parentheses.
type condParser struct {
	toks  []string
	pos   int
	depth int
}

// parseCondition parses one condition string.
func parseCondition(s string) (cond, error) {
	if len(s) > MaxConditionLen {
		return nil, fmt.Errorf("condition longer than %d bytes", MaxConditionLen)
	}
	toks, err := lexCondition(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty condition")
	}
	p := &condParser{toks: toks}
	c, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("condition: unexpected %q", p.toks[p.pos])
	}
	return c, nil
}

func lexCondition(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, string(c))
			i++
		case c == '|':
			return nil, fmt.Errorf("condition: aggregations after '|' (Sigma 1 count/near) are not supported: write a correlation rule")
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()|", rune(s[j])) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks, nil
}

func (p *condParser) peek() string {
	if p.pos < len(p.toks) {
		return strings.ToLower(p.toks[p.pos])
	}
	return ""
}

func (p *condParser) enter() error {
	p.depth++
	if p.depth > MaxConditionDepth {
		return fmt.Errorf("condition nested deeper than %d", MaxConditionDepth)
	}
	return nil
}

func (p *condParser) or() (cond, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peek() == "or" {
		p.pos++
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = condOr{l, r}
	}
	return l, nil
}

func (p *condParser) and() (cond, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.peek() == "and" {
		p.pos++
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l = condAnd{l, r}
	}
	return l, nil
}

func (p *condParser) not() (cond, error) {
	if p.peek() != "not" {
		return p.of()
	}
	p.pos++
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	x, err := p.not()
	if err != nil {
		return nil, err
	}
	return condNot{x}, nil
}

func (p *condParser) of() (cond, error) {
	t := p.peek()
	if p.pos+1 < len(p.toks) && strings.ToLower(p.toks[p.pos+1]) == "of" {
		o := condOf{}
		switch {
		case t == "all":
			o.all = true
		case t == "any":
			o.n = 1
		default:
			n, err := strconv.Atoi(t)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("condition: %q of: expected 1, a positive number, all or any", p.toks[p.pos])
			}
			o.n = n
		}
		p.pos += 2
		target := p.peek()
		if target == "" || target == "(" || target == ")" || target == "and" || target == "or" || target == "not" {
			return nil, fmt.Errorf("condition: \"of\" needs a search identifier pattern or \"them\"")
		}
		if target != "them" {
			o.pattern = p.toks[p.pos]
		}
		p.pos++
		return o, nil
	}
	return p.primary()
}

func (p *condParser) primary() (cond, error) {
	switch t := p.peek(); t {
	case "":
		return nil, fmt.Errorf("condition ends too early")
	case "(":
		p.pos++
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("condition: missing ')'")
		}
		p.pos++
		return x, nil
	case ")", "and", "or", "of", "them":
		return nil, fmt.Errorf("condition: unexpected %q", p.toks[p.pos])
	}
	name := p.toks[p.pos]
	p.pos++
	return condIdent{name}, nil
}

// identMatch matches a search identifier against an "of" pattern, where
// '*' stands for any run of characters.
func identMatch(pattern, name string) bool {
	return globMatch(parseIdentPattern(pattern), name)
}

func parseIdentPattern(pattern string) []token {
	var toks []token
	for _, part := range strings.SplitAfter(pattern, "*") {
		lit := strings.TrimSuffix(part, "*")
		if lit != "" {
			toks = append(toks, token{kind: tokLit, lit: lit})
		}
		if strings.HasSuffix(part, "*") && (len(toks) == 0 || toks[len(toks)-1].kind != tokStar) {
			toks = append(toks, token{kind: tokStar})
		}
	}
	return toks
}
