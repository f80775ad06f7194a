package evtx

// A test-only EVTX writer: it builds valid files (file header, chunks with
// their checksums, names defined once per chunk and referenced after,
// template definitions inline on first use and by offset after, template
// instances with substitution values of every type, nested BinXml values)
// so that the reader can be checked against files whose every byte we
// know. It follows the same layout notes as the reader, so the hand-made
// byte sequences in tokens_test.go check both against the documentation.

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"time"
	"unicode/utf16"
)

// tnode is an element of a template: attributes, and content that is text,
// a substitution or child elements.
type tnode struct {
	name     string
	attrs    []tattr
	text     string
	sub      *tsub
	children []tnode
}

// tattr is an attribute whose value is text or a substitution.
type tattr struct {
	name string
	text string
	sub  *tsub
}

// tsub is a substitution of value index (optional or normal) of a type.
type tsub struct {
	index    uint16
	typ      byte
	optional bool
}

// ttemplate is a template definition: an id, a GUID and its element.
type ttemplate struct {
	id   uint32
	guid [16]byte
	root tnode
}

// tval is a substitution value: raw data of a type, or (nested) BinXml
// written in place, since its names and templates use chunk offsets.
type tval struct {
	typ    byte
	data   []byte
	nested func(w *chunkWriter)
}

// chunkWriter builds one chunk.
type chunkWriter struct {
	b          []byte
	names      map[string]uint32
	templates  map[*ttemplate]uint32
	firstID    uint64
	lastID     uint64
	lastRecord int
	records    int
	noDep      bool // write open start elements without the dependency identifier
}

func newChunkWriter() *chunkWriter {
	return &chunkWriter{b: make([]byte, chunkHeaderSize), names: map[string]uint32{}, templates: map[*ttemplate]uint32{}}
}

func (w *chunkWriter) u8(v byte)    { w.b = append(w.b, v) }
func (w *chunkWriter) u16(v uint16) { w.b = binary.LittleEndian.AppendUint16(w.b, v) }
func (w *chunkWriter) u32(v uint32) { w.b = binary.LittleEndian.AppendUint32(w.b, v) }
func (w *chunkWriter) u64(v uint64) { w.b = binary.LittleEndian.AppendUint64(w.b, v) }
func (w *chunkWriter) at() uint32   { return uint32(len(w.b)) }

// placeholder reserves 4 bytes to be patched with the size of what follows.
func (w *chunkWriter) placeholder() int { w.u32(0); return len(w.b) }

func (w *chunkWriter) patch(after int) {
	binary.LittleEndian.PutUint32(w.b[after-4:], uint32(len(w.b)-after))
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// nameHash is the hash Windows stores with a name (the reader ignores it).
func nameHash(s string) uint16 {
	var h uint32
	for _, u := range utf16.Encode([]rune(s)) {
		h = h*65599 + uint32(u)
	}
	return uint16(h)
}

// name writes a name reference: the offset of the name, followed by the
// name itself the first time the chunk uses it.
func (w *chunkWriter) name(s string) {
	if off, ok := w.names[s]; ok {
		w.u32(off)
		return
	}
	off := w.at() + 4
	w.names[s] = off
	w.u32(off)
	w.u32(0) // next name in the same hash bucket
	w.u16(nameHash(s))
	w.u16(uint16(len(utf16.Encode([]rune(s)))))
	w.b = append(w.b, utf16le(s)...)
	w.u16(0)
}

// valueText writes a value text token of a UTF-16 string.
func (w *chunkWriter) valueText(s string) {
	w.u8(tokValue)
	w.u8(typeString)
	w.u16(uint16(len(utf16.Encode([]rune(s)))))
	w.b = append(w.b, utf16le(s)...)
}

func (w *chunkWriter) subst(s *tsub) {
	if s.optional {
		w.u8(tokOptSubst)
	} else {
		w.u8(tokSubst)
	}
	w.u16(s.index)
	w.u8(s.typ)
}

// element writes an element with its attributes and content.
func (w *chunkWriter) element(n tnode) {
	tok := byte(tokOpenStart)
	if len(n.attrs) > 0 {
		tok |= flagMore
	}
	w.u8(tok)
	if !w.noDep {
		w.u16(0xffff) // dependency identifier: none
	}
	size := w.placeholder()
	w.name(n.name)
	if len(n.attrs) > 0 {
		list := w.placeholder()
		for i, a := range n.attrs {
			t := byte(tokAttr)
			if i < len(n.attrs)-1 {
				t |= flagMore
			}
			w.u8(t)
			w.name(a.name)
			if a.sub != nil {
				w.subst(a.sub)
			} else {
				w.valueText(a.text)
			}
		}
		w.patch(list)
	}
	switch {
	case n.sub == nil && n.text == "" && len(n.children) == 0:
		w.u8(tokCloseEmpty)
	default:
		w.u8(tokCloseStart)
		if n.text != "" {
			w.valueText(n.text)
		}
		if n.sub != nil {
			w.subst(n.sub)
		}
		for _, c := range n.children {
			w.element(c)
		}
		w.u8(tokEnd)
	}
	w.patch(size)
}

// instance writes a template instance: the definition inline the first
// time the chunk uses the template, its offset after; then the values.
func (w *chunkWriter) instance(t *ttemplate, vals []tval) {
	w.u8(tokTemplate)
	w.u8(1)
	w.u32(t.id)
	if off, ok := w.templates[t]; ok {
		w.u32(off)
	} else {
		off := w.at() + 4
		w.templates[t] = off
		w.u32(off)
		w.u32(0) // next template definition
		w.b = append(w.b, t.guid[:]...)
		size := w.placeholder()
		w.fragment()
		w.element(t.root)
		w.u8(tokEOF)
		w.patch(size)
	}
	w.u32(uint32(len(vals)))
	desc := len(w.b)
	w.b = append(w.b, make([]byte, 4*len(vals))...)
	for i, v := range vals {
		start := len(w.b)
		if v.nested != nil {
			v.nested(w)
		} else {
			w.b = append(w.b, v.data...)
		}
		binary.LittleEndian.PutUint16(w.b[desc+4*i:], uint16(len(w.b)-start))
		w.b[desc+4*i+2] = v.typ
	}
}

func (w *chunkWriter) fragment() { w.b = append(w.b, tokFragment, 1, 1, 0) }

// document writes a fragment holding one template instance, then EOF:
// what an event record holds.
func (w *chunkWriter) document(t *ttemplate, vals []tval) {
	w.fragment()
	w.instance(t, vals)
	w.u8(tokEOF)
}

// record writes an event record whose body writes its BinXml; false (and
// nothing written) when it does not fit in the chunk.
func (w *chunkWriter) record(id uint64, written time.Time, body func(*chunkWriter)) bool {
	start := len(w.b)
	names, templates := clone(w.names), clone(w.templates)
	w.b = append(w.b, recordMagic...)
	size := w.placeholder()
	w.u64(id)
	w.u64(toFiletime(written))
	body(w)
	w.u32(uint32(len(w.b) - start + 4))
	binary.LittleEndian.PutUint32(w.b[size-4:], uint32(len(w.b)-start))
	if len(w.b) > chunkSize {
		w.b, w.names, w.templates = w.b[:start], names, templates
		return false
	}
	if w.records == 0 {
		w.firstID = id
	}
	w.records++
	w.lastID, w.lastRecord = id, start
	return true
}

func clone[K comparable, V any](m map[K]V) map[K]V {
	c := make(map[K]V, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// finish fills the chunk header, its checksums, and pads it to 64 KiB.
func (w *chunkWriter) finish() []byte {
	b := make([]byte, chunkSize)
	copy(b, w.b)
	le := binary.LittleEndian
	copy(b, chunkMagic)
	le.PutUint64(b[8:], w.firstID) // first and last record numbers
	le.PutUint64(b[16:], w.lastID)
	le.PutUint64(b[24:], w.firstID) // first and last record identifiers
	le.PutUint64(b[32:], w.lastID)
	le.PutUint32(b[40:], 128)
	le.PutUint32(b[44:], uint32(w.lastRecord))
	le.PutUint32(b[48:], uint32(len(w.b)))
	le.PutUint32(b[52:], crc32.ChecksumIEEE(b[chunkHeaderSize:len(w.b)]))
	fixChunkCRC(b)
	return b
}

// fixChunkCRC sets a chunk header's checksum: bytes 0-120 and 128-512.
func fixChunkCRC(b []byte) {
	h := crc32.NewIEEE()
	h.Write(b[:120])
	h.Write(b[128:chunkHeaderSize])
	binary.LittleEndian.PutUint32(b[124:], h.Sum32())
}

// fileWriter builds a whole file, starting chunks as records fill them.
type fileWriter struct {
	chunks [][]byte
	cur    *chunkWriter
	nextID uint64
	flags  uint32
	noDep  bool
}

func newFileWriter() *fileWriter { return &fileWriter{nextID: 1} }

// add writes a record with the next record id.
func (f *fileWriter) add(written time.Time, body func(*chunkWriter)) uint64 {
	id := f.nextID
	f.nextID++
	if f.cur == nil {
		f.cur = newChunkWriter()
		f.cur.noDep = f.noDep
	}
	if !f.cur.record(id, written, body) {
		f.chunks = append(f.chunks, f.cur.finish())
		f.cur = newChunkWriter()
		f.cur.noDep = f.noDep
		if !f.cur.record(id, written, body) {
			panic(fmt.Sprintf("record %d does not fit in an empty chunk", id))
		}
	}
	return id
}

// bytes returns the file: header block, then the chunks.
func (f *fileWriter) bytes() []byte {
	chunks := f.chunks
	if f.cur != nil && f.cur.records > 0 {
		chunks = append(chunks, f.cur.finish())
	}
	b := make([]byte, fileHeaderSize, fileHeaderSize+len(chunks)*chunkSize)
	le := binary.LittleEndian
	copy(b, fileMagic)
	le.PutUint64(b[8:], 0)
	le.PutUint64(b[16:], uint64(max(len(chunks)-1, 0)))
	le.PutUint64(b[24:], f.nextID)
	le.PutUint32(b[32:], 128)
	le.PutUint16(b[36:], 1)
	le.PutUint16(b[38:], 3)
	le.PutUint16(b[40:], fileHeaderSize)
	le.PutUint16(b[42:], uint16(len(chunks)))
	le.PutUint32(b[120:], f.flags)
	fixFileCRC(b)
	for _, c := range chunks {
		b = append(b, c...)
	}
	return b
}

// fixFileCRC sets the file header's checksum: its first 120 bytes.
func fixFileCRC(b []byte) {
	binary.LittleEndian.PutUint32(b[124:], crc32.ChecksumIEEE(b[:120]))
}

func toFiletime(t time.Time) uint64 {
	return uint64(t.UnixNano()/100) + 116444736000000000
}
