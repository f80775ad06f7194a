package evtx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

const recordHeaderSize = 24 // signature, size, record id, written time

var recordMagic = []byte{0x2a, 0x2a, 0x00, 0x00}

// chunkReader walks the records of one loaded chunk.
type chunkReader struct {
	d       *decoder
	pos     int // offset of the next record
	limit   int // end of the records
	reader  *Reader
	index   int
	fileOff int64
}

// checkChunk checks a chunk's header and checksums. With a problem it
// returns the error, and a reader only when recover asks for one; the
// records then end at the free space offset when it is sane, else at the
// end of the data.
func checkChunk(c []byte, recover bool) (*chunkReader, error) {
	if len(c) < chunkHeaderSize {
		return nil, fmt.Errorf("chunk truncated to %d bytes", len(c))
	}
	le := binary.LittleEndian
	h := crc32.NewIEEE()
	h.Write(c[:120])
	h.Write(c[128:chunkHeaderSize])
	free := int(le.Uint32(c[48:]))
	var err error
	switch {
	case h.Sum32() != le.Uint32(c[124:]):
		err = errors.New("chunk header checksum does not match")
	case free < chunkHeaderSize || free > len(c):
		err = fmt.Errorf("free space offset %d outside the chunk's %d bytes", free, len(c))
	case crc32.ChecksumIEEE(c[chunkHeaderSize:free]) != le.Uint32(c[52:]):
		err = errors.New("event records checksum does not match")
	}
	if err != nil {
		if !recover {
			return nil, err
		}
		if free < chunkHeaderSize || free > len(c) {
			free = len(c)
		}
	}
	return &chunkReader{d: newDecoder(c), pos: chunkHeaderSize, limit: free}, err
}

// next returns the chunk's next event; false when it has no more. Records
// that cannot be read are reported and skipped: the walk goes on at the
// next record signature.
func (ch *chunkReader) next() (*Event, bool) {
	c := ch.d.c
	le := binary.LittleEndian
	for ch.pos+recordHeaderSize <= ch.limit {
		p := ch.pos
		if !bytes.Equal(c[p:p+4], recordMagic) {
			if allZero(c[p:ch.limit]) {
				break // the rest is unused space
			}
			ch.bad(p, 0, errors.New("no record signature"))
			continue
		}
		size, id := int(le.Uint32(c[p+4:])), le.Uint64(c[p+8:])
		if size < recordHeaderSize+4 || size > ch.limit-p || int(le.Uint32(c[p+size-4:])) != size {
			ch.bad(p, id, fmt.Errorf("record size %d does not fit", size))
			continue
		}
		ch.pos = p + size
		ev, err := ch.decode(p, size)
		if err != nil {
			ch.reader.stats.BadRecords++
			ch.reader.problem(Problem{Chunk: ch.index, Offset: ch.fileOff + int64(p), RecordID: id, Err: err})
			continue
		}
		return ev, true
	}
	ch.pos = ch.limit
	return nil, false
}

// bad reports the record at p and moves to the next record signature.
func (ch *chunkReader) bad(p int, id uint64, err error) {
	ch.reader.stats.BadRecords++
	ch.reader.problem(Problem{Chunk: ch.index, Offset: ch.fileOff + int64(p), RecordID: id, Err: err})
	i := bytes.Index(ch.d.c[p+1:ch.limit], recordMagic)
	if i < 0 {
		ch.pos = ch.limit
		return
	}
	ch.pos = p + 1 + i
}

// decode decodes the record of that size at p.
func (ch *chunkReader) decode(p, size int) (*Event, error) {
	le := binary.LittleEndian
	c := ch.d.c
	ev := &Event{RecordID: le.Uint64(c[p+8:]), Written: filetime(le.Uint64(c[p+16:]))}
	root, err := ch.d.document(p+recordHeaderSize, p+size-4)
	if err != nil {
		return nil, err
	}
	ev.Root = root
	ev.fill()
	return ev, nil
}

// document decodes the BinXml document between p and end to its root
// element, with fresh limits.
func (d *decoder) document(p, end int) (*Element, error) {
	d.nodes, d.textBytes = 0, 0
	nodes, _, err := d.parseStream(p, end, 0, false)
	if err != nil {
		return nil, err
	}
	var content []Content
	if err := d.resolve(nodes, nil, 0, &content); err != nil {
		return nil, err
	}
	for _, c := range content {
		if c.Elem != nil {
			return c.Elem, nil
		}
	}
	return nil, errors.New("binxml: record holds no element")
}
