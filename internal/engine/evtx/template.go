package evtx

import (
	"errors"
	"fmt"
)

// Sizes of the fixed parts of a template instance and of a template
// definition's header.
const (
	instanceHeaderSize = 10 // token, unknown byte, template id, definition offset
	templateHeaderSize = 24 // next definition offset, GUID, data size
)

// parseInstance parses a template instance at p: the reference to its
// definition (which follows inline the first time the chunk uses it),
// then its substitution values: a count, a descriptor (size and type) per
// value, then the values' data one after the other.
func (d *decoder) parseInstance(p, end, depth int) (node, int, error) {
	if depth >= maxDepth {
		return node{}, p, errDepth
	}
	if err := d.spend(); err != nil {
		return node{}, p, err
	}
	if err := need(p, instanceHeaderSize, end); err != nil {
		return node{}, p, err
	}
	defOff := d.u32(p + 6)
	p += instanceHeaderSize
	tmpl, size, err := d.template(defOff, depth+1)
	if err != nil {
		return node{}, p, err
	}
	if int(defOff) == p { // defined here: the values follow the definition
		if err := need(p, size, end); err != nil {
			return node{}, p, err
		}
		p += size
	}
	values, p, err := d.values(p, end)
	if err != nil {
		return node{}, p, err
	}
	return node{kind: nInstance, inst: &instance{tmpl: tmpl, values: values}}, p, nil
}

// values reads a template instance's substitution values at p.
func (d *decoder) values(p, end int) ([]value, int, error) {
	if err := need(p, 4, end); err != nil {
		return nil, p, err
	}
	count := int(d.u32(p))
	p += 4
	if count > maxValues || need(p, 4*count, end) != nil {
		return nil, p, fmt.Errorf("binxml: %d substitution values at offset %d do not fit", count, p)
	}
	values := make([]value, count)
	data := p + 4*count
	for i := range values {
		size := int(d.u16(p + 4*i))
		if err := need(data, size, end); err != nil {
			return nil, p, fmt.Errorf("binxml: substitution value %d passes the end of its record", i)
		}
		values[i] = value{typ: d.c[p+4*i+2], off: data, end: data + size}
		data += size
	}
	return values, data, nil
}

// template returns the definition at a chunk offset, parsed once per
// chunk, with its size in the chunk (header and data).
func (d *decoder) template(off uint32, depth int) (*template, int, error) {
	o := int(off)
	if err := need(o, templateHeaderSize, len(d.c)); err != nil || o < chunkHeaderSize {
		return nil, 0, fmt.Errorf("binxml: template offset %d outside the chunk's records", off)
	}
	size := templateHeaderSize + int(d.u32(o+20))
	if err := need(o, size, len(d.c)); err != nil {
		return nil, 0, fmt.Errorf("binxml: template at offset %d passes the chunk's end", off)
	}
	if t, ok := d.templates[off]; ok {
		if t.err != nil {
			return nil, 0, t.err
		}
		return t, size, nil
	}
	t := &template{err: errCycle} // seen while it is parsed: a cycle
	d.templates[off] = t
	nodes, _, err := d.parseStream(o+templateHeaderSize, o+size, depth, false)
	t.nodes, t.err = nodes, err
	if err != nil {
		if errors.Is(err, errDepth) || errors.Is(err, errBudget) {
			delete(d.templates, off) // a limit of this use, not a fault of the template
		}
		return nil, 0, fmt.Errorf("binxml: template at offset %d: %w", off, err)
	}
	return t, size, nil
}
