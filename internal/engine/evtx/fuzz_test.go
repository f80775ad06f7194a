package evtx

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"
)

// The fuzz targets check that no input panics, hangs or grows memory
// without bound, and that every event read renders and flattens.

// use renders and flattens an event, as a caller would.
func use(ev *Event) {
	_ = ev.XML()
	_ = Flatten(ev)
}

// FuzzFile reads a whole file, in recovery mode so that damaged chunks
// are parsed too.
func FuzzFile(f *testing.F) {
	full := mixedFile(6, false)
	free := binary.LittleEndian.Uint32(chunkAt(full, 0)[48:])
	f.Add(full[:fileHeaderSize+int(free)]) // the header and the used part of one chunk
	f.Add(full[:200])
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, opts := range []Options{{}, {Recover: true}} {
			r, err := OpenWith(bytes.NewReader(data), int64(len(data)), opts)
			if err != nil {
				return
			}
			for {
				ev, err := r.Next()
				if err != nil {
					break
				}
				use(ev)
			}
		}
	})
}

// FuzzChunk reads a chunk whose checksums the harness makes right, so
// that the fuzzer's changes reach the records.
func FuzzChunk(f *testing.F) {
	for _, noDep := range []bool{false, true} {
		c := chunkAt(mixedFile(6, noDep), 0)
		free := binary.LittleEndian.Uint32(c[48:])
		f.Add(c[:free])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		data = append([]byte{}, data...)
		if len(data) >= chunkHeaderSize {
			free := binary.LittleEndian.Uint32(data[48:])
			if int(free) < chunkHeaderSize || int(free) > len(data) {
				free = uint32(len(data))
				binary.LittleEndian.PutUint32(data[48:], free)
			}
			binary.LittleEndian.PutUint32(data[52:], crc32.ChecksumIEEE(data[chunkHeaderSize:free]))
			fixChunkCRC(data)
		}
		ch, err := checkChunk(data, false)
		if err != nil {
			return
		}
		ch.reader = &Reader{}
		for {
			ev, ok := ch.next()
			if !ok {
				break
			}
			use(ev)
		}
	})
}

// FuzzRecord decodes one record's BinXml placed after the records of a
// real chunk, so that it can refer to that chunk's names and templates.
func FuzzRecord(f *testing.F) {
	base := chunkAt(mixedFile(6, false), 0)
	free := int(binary.LittleEndian.Uint32(base[48:]))
	// Seeds: the BinXml of each record of the chunk.
	for p := chunkHeaderSize; p < free; {
		size := int(binary.LittleEndian.Uint32(base[p+4:]))
		f.Add(append([]byte{}, base[p+recordHeaderSize:p+size-4]...))
		p += size
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > chunkSize-free {
			return
		}
		c := append([]byte{}, base...)
		copy(c[free:], data)
		d := newDecoder(c)
		root, err := d.document(free, free+len(data))
		if err != nil {
			return
		}
		ev := &Event{Root: root}
		ev.fill()
		use(ev)
	})
}
