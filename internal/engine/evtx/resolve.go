package evtx

import "strings"

// Element is one element of an event's XML document, substitutions done.
type Element struct {
	Name    string
	Attrs   []Attr
	Content []Content
}

// Attr is an attribute of an element.
type Attr struct {
	Name, Value string
}

// Content is one piece of an element's content: a child element, text
// (entity and character references already replaced), a CDATA section or
// a processing instruction.
type Content struct {
	Elem  *Element
	Text  string
	CDATA bool   // Text is a CDATA section
	PI    string // the target of a processing instruction whose data is Text
}

// Attr returns the value of the named attribute, "" when there is none.
func (e *Element) Attr(name string) string {
	for _, a := range e.Attrs {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

// Child returns the first child element of that name, nil when there is
// none (or e is nil).
func (e *Element) Child(name string) *Element {
	if e == nil {
		return nil
	}
	for _, c := range e.Content {
		if c.Elem != nil && c.Elem.Name == name {
			return c.Elem
		}
	}
	return nil
}

// Text returns the element's own text and CDATA, child elements left out.
func (e *Element) Text() string {
	if e == nil {
		return ""
	}
	switch {
	case len(e.Content) == 0:
		return ""
	case len(e.Content) == 1 && e.Content[0].Elem == nil && e.Content[0].PI == "":
		return e.Content[0].Text
	}
	var sb strings.Builder
	for _, c := range e.Content {
		if c.Elem == nil && c.PI == "" {
			sb.WriteString(c.Text)
		}
	}
	return sb.String()
}

// Elements, attributes and content are carved out of blocks shared by the
// events of a chunk: one allocation for many, which halves the cost of
// reading. A carved slice's capacity is its length, so that appending to
// it moves it out of the block instead of over its neighbour.
const arenaBlock = 256

func (d *decoder) newElement(name string) *Element {
	if len(d.elemBuf) == 0 {
		d.elemBuf = make([]Element, arenaBlock)
	}
	e := &d.elemBuf[0]
	d.elemBuf = d.elemBuf[1:]
	e.Name = name
	return e
}

func (d *decoder) attrSlice(n int) []Attr {
	if n > arenaBlock/4 {
		return make([]Attr, 0, n)
	}
	if len(d.attrBuf) < n {
		d.attrBuf = make([]Attr, arenaBlock)
	}
	s := d.attrBuf[:0:n]
	d.attrBuf = d.attrBuf[n:]
	return s
}

func (d *decoder) contentSlice(n int) []Content {
	if n > arenaBlock/4 {
		return make([]Content, 0, n)
	}
	if len(d.contentBuf) < n {
		d.contentBuf = make([]Content, arenaBlock)
	}
	s := d.contentBuf[:0:n]
	d.contentBuf = d.contentBuf[n:]
	return s
}

// entities are the XML entities a BinXml entity reference may name.
var entities = map[string]string{"lt": "<", "gt": ">", "amp": "&", "quot": `"`, "apos": "'"}

// resolve turns parsed nodes into elements and text, substituting vals
// (the values of the template instance the nodes belong to).
func (d *decoder) resolve(ns []node, vals []value, depth int, out *[]Content) error {
	if depth >= maxDepth {
		return errDepth
	}
	for i := range ns {
		n := &ns[i]
		if err := d.spend(); err != nil {
			return err
		}
		if d.textBytes += len(n.text); d.textBytes > maxTextBytes {
			return errBudget
		}
		var err error
		switch n.kind {
		case nElement:
			err = d.resolveElement(n, vals, depth, out)
		case nText, nCharRef:
			appendText(out, n.text)
		case nEntity:
			appendText(out, entityText(n.name))
		case nCDATA:
			*out = append(*out, Content{Text: n.text, CDATA: true})
		case nPI:
			*out = append(*out, Content{PI: n.name, Text: n.text})
		case nSubst:
			err = d.resolveSubst(n, vals, depth, out)
		case nInstance:
			err = d.resolve(n.inst.tmpl.nodes, n.inst.values, depth+1, out)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func entityText(name string) string {
	if s, ok := entities[name]; ok {
		return s
	}
	return "&" + name + ";"
}

// appendText adds text; runs of text are joined by mergeText once the
// content is complete (joining on each append would cost the square of
// the text's length).
func appendText(out *[]Content, s string) {
	if s != "" {
		*out = append(*out, Content{Text: s})
	}
}

// isText tells whether a piece of content is plain text.
func (c *Content) isText() bool { return c.Elem == nil && !c.CDATA && c.PI == "" }

// mergeText joins each run of text pieces into one.
func mergeText(cs []Content) []Content {
	out := cs[:0]
	for i := 0; i < len(cs); {
		j := i + 1
		for cs[i].isText() && j < len(cs) && cs[j].isText() {
			j++
		}
		if j == i+1 {
			out = append(out, cs[i])
		} else {
			var sb strings.Builder
			for _, c := range cs[i:j] {
				sb.WriteString(c.Text)
			}
			out = append(out, Content{Text: sb.String()})
		}
		i = j
	}
	return out
}

// lookup returns the substitution value of an index; a missing one is null.
func lookup(vals []value, i uint16) value {
	if int(i) < len(vals) {
		return vals[i]
	}
	return value{typ: typeNull}
}

// resolveSubst substitutes a value into content: nothing for null, the
// document for binary XML, else its text (an array's items joined by ", ").
func (d *decoder) resolveSubst(n *node, vals []value, depth int, out *[]Content) error {
	v := lookup(vals, n.index)
	switch v.typ {
	case typeNull:
		return nil
	case typeBinXML:
		nodes, _, err := d.parseStream(v.off, v.end, depth+1, true)
		if err != nil {
			return err
		}
		return d.resolve(nodes, nil, depth+1, out)
	}
	s := d.valueText(v)
	if d.textBytes += len(s); d.textBytes > maxTextBytes {
		return errBudget
	}
	appendText(out, s)
	return nil
}

// valueText renders a value that is not binary XML; an array's items are
// joined by ", " and a misfit value shows as hex.
func (d *decoder) valueText(v value) string {
	if v.typ&typeArray == 0 {
		s, _ := scalarText(v.typ, d.c[v.off:v.end])
		return s
	}
	items, _ := valueItems(v.typ, d.c[v.off:v.end])
	return strings.Join(items, ", ")
}

// resolveElement builds an element. An element whose only content is a
// substitution of an array is repeated once per item.
func (d *decoder) resolveElement(n *node, vals []value, depth int, out *[]Content) error {
	if len(n.children) == 1 && n.children[0].kind == nSubst {
		if v := lookup(vals, n.children[0].index); v.typ&typeArray != 0 {
			items, _ := valueItems(v.typ, d.c[v.off:v.end])
			for _, it := range items {
				if err := d.spend(); err != nil {
					return err
				}
				if d.textBytes += len(it); d.textBytes > maxTextBytes {
					return errBudget
				}
				e, err := d.startElement(n, vals, depth)
				if err != nil {
					return err
				}
				e.Content = append(d.contentSlice(1), Content{Text: it})
				*out = append(*out, Content{Elem: e})
			}
			return nil
		}
	}
	e, err := d.startElement(n, vals, depth)
	if err != nil {
		return err
	}
	if len(n.children) > 0 {
		e.Content = d.contentSlice(len(n.children))
	}
	if err := d.resolve(n.children, vals, depth+1, &e.Content); err != nil {
		return err
	}
	e.Content = mergeText(e.Content)
	*out = append(*out, Content{Elem: e})
	return nil
}

// startElement builds an element's name and attributes. An attribute whose
// value is only optional substitutions of null values is left out.
func (d *decoder) startElement(n *node, vals []value, depth int) (*Element, error) {
	e := d.newElement(n.name)
	if len(n.attrs) > 0 {
		e.Attrs = d.attrSlice(len(n.attrs))
	}
	for _, a := range n.attrs {
		if omitted(a.value, vals) {
			continue
		}
		if s, ok := d.simpleAttr(a.value, vals); ok {
			e.Attrs = append(e.Attrs, Attr{Name: a.name, Value: s})
			continue
		}
		var parts []Content
		if err := d.resolve(a.value, vals, depth+1, &parts); err != nil {
			return nil, err
		}
		tmp := Element{Content: parts}
		e.Attrs = append(e.Attrs, Attr{Name: a.name, Value: innerText(&tmp)})
	}
	return e, nil
}

// simpleAttr renders the usual attribute value, one text or one
// substitution of a value that is not binary XML, without building content.
func (d *decoder) simpleAttr(parts []node, vals []value) (string, bool) {
	if len(parts) != 1 {
		return "", false
	}
	switch p := &parts[0]; p.kind {
	case nText:
		return p.text, true
	case nSubst:
		if v := lookup(vals, p.index); v.typ != typeBinXML {
			return d.valueText(v), true
		}
	}
	return "", false
}

// omitted tells whether an attribute's value is only null optional substitutions.
func omitted(parts []node, vals []value) bool {
	if len(parts) == 0 {
		return false
	}
	for _, p := range parts {
		if p.kind != nSubst || !p.optional || lookup(vals, p.index).typ != typeNull {
			return false
		}
	}
	return true
}

// innerText is all the text inside an element, its descendants' included.
func innerText(e *Element) string {
	if len(e.Content) == 1 && e.Content[0].Elem == nil && e.Content[0].PI == "" {
		return e.Content[0].Text
	}
	var sb strings.Builder
	var walk func(*Element)
	walk = func(e *Element) {
		for _, c := range e.Content {
			switch {
			case c.Elem != nil:
				walk(c.Elem)
			case c.PI == "":
				sb.WriteString(c.Text)
			}
		}
	}
	walk(e)
	return sb.String()
}
