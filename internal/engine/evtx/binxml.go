package evtx

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// BinXml tokens; flagMore (0x40) on a token says more of the same kind
// follows (attributes, value parts) or, on an open start element, that it
// has an attribute list.
const (
	tokEOF        = 0x00
	tokOpenStart  = 0x01
	tokCloseStart = 0x02
	tokCloseEmpty = 0x03
	tokEnd        = 0x04
	tokValue      = 0x05
	tokAttr       = 0x06
	tokCDATA      = 0x07
	tokCharRef    = 0x08
	tokEntityRef  = 0x09
	tokPITarget   = 0x0a
	tokPIData     = 0x0b
	tokTemplate   = 0x0c
	tokSubst      = 0x0d
	tokOptSubst   = 0x0e
	tokFragment   = 0x0f
	flagMore      = 0x40
)

// Limits that keep a hostile chunk from costing more than a real one.
const (
	maxDepth     = 64      // elements, template instances and nested BinXml, together
	maxNodes     = 200_000 // nodes parsed and built for one record
	maxChunkWork = 1 << 20 // nodes for all the records of one chunk (a real one needs a few 10,000)
	maxTextBytes = 8 << 20 // text built for one record
	maxValues    = 4096    // substitution values of one template instance
)

var (
	errTruncated = errors.New("binxml: data ends inside a token")
	errDepth     = errors.New("binxml: nesting too deep")
	errBudget    = errors.New("binxml: record expands beyond the size limit")
	errCycle     = errors.New("binxml: template refers to itself")
)

// nodeKind is the kind of one parsed BinXml node.
type nodeKind uint8

const (
	nElement  nodeKind = iota
	nText              // value text (text)
	nCDATA             // CDATA section (text)
	nCharRef           // character reference (text holds the character)
	nEntity            // entity reference (name)
	nPI                // processing instruction (name = target, text = data)
	nSubst             // substitution (index, optional)
	nInstance          // template instance (inst)
)

// node is one parsed BinXml token tree node, before substitution.
type node struct {
	kind     nodeKind
	optional bool
	index    uint16
	name     string
	text     string
	attrs    []attrNode
	children []node
	inst     *instance
}

// attrNode is a parsed attribute: its name and value parts.
type attrNode struct {
	name  string
	value []node
}

// instance is a template instance: the template and its values.
type instance struct {
	tmpl   *template
	values []value
}

// value is one substitution value: its type and where its data is in the chunk.
type value struct {
	typ      byte
	off, end int
}

// template is a template definition parsed once per chunk.
type template struct {
	nodes []node
	err   error
}

// decoder parses BinXml within one chunk: offsets of names and templates
// are relative to the chunk's start. It caches both per chunk.
type decoder struct {
	c         []byte
	names     map[uint32]string
	templates map[uint32]*template
	nodes     int // nodes used by the record being decoded
	work      int // nodes used by the chunk's records so far
	textBytes int // text bytes built for the record being decoded

	elemBuf    []Element // blocks the events' trees are carved from (resolve.go)
	attrBuf    []Attr
	contentBuf []Content
}

func newDecoder(c []byte) *decoder {
	return &decoder{c: c, names: map[uint32]string{}, templates: map[uint32]*template{}}
}

func (d *decoder) u16(p int) uint16 { return binary.LittleEndian.Uint16(d.c[p:]) }
func (d *decoder) u32(p int) uint32 { return binary.LittleEndian.Uint32(d.c[p:]) }

// need fails when n bytes from p pass end.
func need(p, n, end int) error {
	if p < 0 || n < 0 || p > end-n {
		return errTruncated
	}
	return nil
}

// spend counts one node against the record's budget.
func (d *decoder) spend() error {
	d.nodes++
	d.work++
	if d.nodes > maxNodes || d.work > maxChunkWork {
		return errBudget
	}
	return nil
}

// parseStream parses a document or fragment: fragment headers, elements and
// template instances, up to an end-of-file token or end. bare says the
// stream is a BinXml substitution value, whose elements may lack the
// dependency identifier.
func (d *decoder) parseStream(p, end, depth int, bare bool) ([]node, int, error) {
	var out []node
	for p < end {
		switch t := d.c[p]; t &^ flagMore {
		case tokEOF:
			return out, p + 1, nil
		case tokFragment:
			if err := need(p, 4, end); err != nil {
				return nil, p, err
			}
			p += 4 // token, major and minor version, flags
		case tokOpenStart:
			n, q, err := d.parseElement(p, end, depth, bare)
			if err != nil {
				return nil, p, err
			}
			out, p = append(out, n), q
		case tokTemplate:
			n, q, err := d.parseInstance(p, end, depth)
			if err != nil {
				return nil, p, err
			}
			out, p = append(out, n), q
		default:
			return nil, p, fmt.Errorf("binxml: token 0x%02x at offset %d outside an element", t, p)
		}
	}
	return out, p, nil
}

// parseName reads a name reference at p: a chunk offset of the name, with
// the name itself following when it is defined here for the first time.
func (d *decoder) parseName(p, end int) (string, int, error) {
	if err := need(p, 4, end); err != nil {
		return "", p, err
	}
	off := d.u32(p)
	p += 4
	name, size, err := d.name(off)
	if err != nil {
		return "", p, err
	}
	if int(off) == p { // defined inline: skip over it
		if err := need(p, size, end); err != nil {
			return "", p, err
		}
		p += size
	}
	return name, p, nil
}

// name reads the name at a chunk offset (next offset, hash, length, UTF-16
// characters and a NUL) and returns it with its size.
func (d *decoder) name(off uint32) (string, int, error) {
	o := int(off)
	if err := need(o, 8, len(d.c)); err != nil {
		return "", 0, fmt.Errorf("binxml: name offset %d outside the chunk", off)
	}
	n := int(d.u16(o + 6))
	size := 8 + 2*n + 2
	if s, ok := d.names[off]; ok {
		return s, size, nil
	}
	if err := need(o, size, len(d.c)); err != nil {
		return "", 0, fmt.Errorf("binxml: name at offset %d passes the chunk's end", off)
	}
	s := utf16Text(d.c[o+8:o+8+2*n], true)
	d.names[off] = s
	return s, size, nil
}

// elementHeader finds the layout of an open start element at p: whether a
// 2-byte dependency identifier follows the token. It is there in records
// and templates but not in an element that starts a BinXml value, and
// some writers leave it out; the layout whose size and name offset make
// sense wins.
func (d *decoder) elementHeader(p, end int, bare bool) (nameAt int, err error) {
	try := []int{3, 1}
	if bare {
		try = []int{1, 3}
	}
	for _, sizeAt := range try {
		at := p + sizeAt
		if need(at, 8, end) != nil {
			continue
		}
		size, off := int(d.u32(at)), int(d.u32(at+4))
		namePos := at + 8
		if size <= end-(at+4) && (off == namePos || (off >= chunkHeaderSize && off < namePos)) {
			return at + 4, nil
		}
	}
	return 0, fmt.Errorf("binxml: malformed open start element at offset %d", p)
}

// parseElement parses an element: its start, attributes, content, end.
func (d *decoder) parseElement(p, end, depth int, bare bool) (node, int, error) {
	if depth >= maxDepth {
		return node{}, p, errDepth
	}
	if err := d.spend(); err != nil {
		return node{}, p, err
	}
	hasAttrs := d.c[p]&flagMore != 0
	nameAt, err := d.elementHeader(p, end, bare)
	if err != nil {
		return node{}, p, err
	}
	n := node{kind: nElement}
	if n.name, p, err = d.parseName(nameAt, end); err != nil {
		return node{}, p, err
	}
	if hasAttrs {
		if err := need(p, 4, end); err != nil {
			return node{}, p, err
		}
		p += 4 // size of the attribute list
		for p < end && d.c[p]&^flagMore == tokAttr {
			var a attrNode
			if a, p, err = d.parseAttr(p, end, depth); err != nil {
				return node{}, p, err
			}
			n.attrs = append(n.attrs, a)
		}
	}
	if err := need(p, 1, end); err != nil {
		return node{}, p, err
	}
	switch d.c[p] {
	case tokCloseEmpty:
		return n, p + 1, nil
	case tokCloseStart:
		n.children, p, err = d.parseContent(p+1, end, depth+1)
		return n, p, err
	}
	return node{}, p, fmt.Errorf("binxml: token 0x%02x at offset %d where an element's start should close", d.c[p], p)
}

// parseAttr parses one attribute: its name and value parts.
func (d *decoder) parseAttr(p, end, depth int) (attrNode, int, error) {
	if err := d.spend(); err != nil {
		return attrNode{}, p, err
	}
	var a attrNode
	var err error
	if a.name, p, err = d.parseName(p+1, end); err != nil {
		return a, p, err
	}
	for p < end {
		switch d.c[p] &^ flagMore {
		case tokValue, tokSubst, tokOptSubst, tokCharRef, tokEntityRef:
			var n node
			if n, p, err = d.parseItem(p, end, depth); err != nil {
				return a, p, err
			}
			a.value = append(a.value, n)
		default:
			return a, p, nil
		}
	}
	return a, p, nil
}

// parseContent parses an element's content up to its end element token.
func (d *decoder) parseContent(p, end, depth int) ([]node, int, error) {
	var out []node
	for p < end {
		var n node
		var err error
		switch d.c[p] &^ flagMore {
		case tokEnd:
			return out, p + 1, nil
		case tokFragment:
			if err := need(p, 4, end); err != nil {
				return nil, p, err
			}
			p += 4
			continue
		case tokOpenStart:
			n, p, err = d.parseElement(p, end, depth, false)
		case tokTemplate:
			n, p, err = d.parseInstance(p, end, depth)
		default:
			n, p, err = d.parseItem(p, end, depth)
		}
		if err != nil {
			return nil, p, err
		}
		out = append(out, n)
	}
	return nil, p, errTruncated
}

// parseItem parses a character-data token: value text, CDATA, character
// or entity reference, processing instruction or substitution.
func (d *decoder) parseItem(p, end, depth int) (node, int, error) {
	if err := d.spend(); err != nil {
		return node{}, p, err
	}
	t := d.c[p] &^ flagMore
	switch t {
	case tokValue:
		if err := need(p, 2, end); err != nil {
			return node{}, p, err
		}
		if d.c[p+1] != typeString {
			return node{}, p, fmt.Errorf("binxml: value text of type 0x%02x at offset %d", d.c[p+1], p)
		}
		s, q, err := d.text(p+2, end)
		return node{kind: nText, text: s}, q, err
	case tokCDATA:
		s, q, err := d.text(p+1, end)
		return node{kind: nCDATA, text: s}, q, err
	case tokCharRef:
		if err := need(p, 3, end); err != nil {
			return node{}, p, err
		}
		return node{kind: nCharRef, text: string(rune(d.u16(p + 1)))}, p + 3, nil
	case tokEntityRef:
		name, q, err := d.parseName(p+1, end)
		return node{kind: nEntity, name: name}, q, err
	case tokPITarget:
		name, q, err := d.parseName(p+1, end)
		if err != nil {
			return node{}, q, err
		}
		if err := need(q, 1, end); err != nil || d.c[q] != tokPIData {
			return node{}, q, fmt.Errorf("binxml: processing instruction without data at offset %d", q)
		}
		s, q, err := d.text(q+1, end)
		return node{kind: nPI, name: name, text: s}, q, err
	case tokSubst, tokOptSubst:
		if err := need(p, 4, end); err != nil {
			return node{}, p, err
		}
		return node{kind: nSubst, optional: t == tokOptSubst, index: d.u16(p + 1)}, p + 4, nil
	}
	return node{}, p, fmt.Errorf("binxml: unexpected token 0x%02x at offset %d", d.c[p], p)
}

// text reads a length-prefixed UTF-16 string (no NUL) at p.
func (d *decoder) text(p, end int) (string, int, error) {
	if err := need(p, 2, end); err != nil {
		return "", p, err
	}
	n := 2 * int(d.u16(p))
	if err := need(p+2, n, end); err != nil {
		return "", p, err
	}
	d.textBytes += n
	if d.textBytes > maxTextBytes {
		return "", p, errBudget
	}
	return utf16Text(d.c[p+2:p+2+n], false), p + 2 + n, nil
}
