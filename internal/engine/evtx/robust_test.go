package evtx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"
)

// mixedFile writes n events cycling through the realistic fixtures; with
// noDep its elements leave out the dependency identifier.
func mixedFile(n int, noDep bool) []byte {
	f := newFileWriter()
	f.noDep = noDep
	for i := 0; i < n; i++ {
		var tm *ttemplate
		var vals []tval
		switch id := uint64(i + 1); i % 4 {
		case 0:
			tm, vals = sysmon1(id, "powershell.exe -nop -w hidden -enc SQBFAFgA")
		case 1:
			tm, vals = security4624(id)
		case 2:
			tm, vals = security4688(id)
		default:
			tm, vals = security1102(id)
		}
		f.add(when, func(w *chunkWriter) { w.document(tm, vals) })
	}
	return f.bytes()
}

func chunkCount(b []byte) int { return (len(b) - fileHeaderSize) / chunkSize }

// chunkAt returns chunk i of a file.
func chunkAt(b []byte, i int) []byte {
	return b[fileHeaderSize+i*chunkSize : fileHeaderSize+(i+1)*chunkSize]
}

// fixDataCRC recomputes a chunk's records checksum and header checksum
// after a test changed its records.
func fixDataCRC(c []byte) {
	free := binary.LittleEndian.Uint32(c[48:])
	binary.LittleEndian.PutUint32(c[52:], crc32.ChecksumIEEE(c[chunkHeaderSize:free]))
	fixChunkCRC(c)
}

func TestManyChunks(t *testing.T) {
	for _, noDep := range []bool{false, true} {
		b := mixedFile(2000, noDep)
		if chunkCount(b) < 3 {
			t.Fatalf("want several chunks, got %d", chunkCount(b))
		}
		r, evs := readAll(t, b, Options{})
		if len(evs) != 2000 || len(r.Problems()) != 0 {
			t.Fatalf("noDep=%v: %d events, problems %v", noDep, len(evs), r.Problems())
		}
		for i, ev := range evs {
			if ev.RecordID != uint64(i+1) || ev.System.EventRecordID != uint64(i+1) {
				t.Fatalf("event %d has record id %d / %d", i, ev.RecordID, ev.System.EventRecordID)
			}
		}
		st := r.Stats()
		if st.Chunks != chunkCount(b) || st.Records != 2000 || st.BadChunks+st.BadRecords+st.ChunksBeyondHeader != 0 {
			t.Errorf("stats %+v", st)
		}
	}
}

func TestDamagedFiles(t *testing.T) {
	base := mixedFile(600, false)
	n := chunkCount(base)
	perChunk := func(b []byte, i int) int { // records in chunk i
		_, evs := readAll(t, append(append([]byte{}, b[:fileHeaderSize]...), chunkAt(b, i)...), Options{})
		return len(evs)
	}
	first := perChunk(base, 0)
	cases := []struct {
		name        string
		damage      func(b []byte) []byte
		opts        Options
		events      int
		badChunks   int
		badRecords  int
		problemText string
	}{
		{"file header checksum", func(b []byte) []byte { b[124] ^= 1; return b }, Options{}, 600, 0, 0, "file header checksum"},
		{"chunk header checksum", func(b []byte) []byte { chunkAt(b, 0)[124] ^= 1; return b }, Options{}, 600 - first, 1, 0, "chunk header checksum"},
		{"records checksum", func(b []byte) []byte { chunkAt(b, 0)[600] ^= 1; return b }, Options{}, 600 - first, 1, 0, "records checksum"},
		{"records checksum, recover", func(b []byte) []byte { chunkAt(b, 0)[52] ^= 1; fixChunkCRC(chunkAt(b, 0)); return b }, Options{Recover: true}, 600, 1, 0, "records checksum"},
		{"chunk signature", func(b []byte) []byte { chunkAt(b, 0)[0] = 'X'; return b }, Options{}, 600 - first, 1, 0, "no chunk signature"},
		{"record size", func(b []byte) []byte {
			c := chunkAt(b, 0)
			binary.LittleEndian.PutUint32(c[chunkHeaderSize+4:], 7) // the first record's size
			fixDataCRC(c)
			return b
		}, Options{}, 599, 0, 1, "record size 7"},
		{"record body", func(b []byte) []byte {
			c := chunkAt(b, 0)
			c[chunkHeaderSize+recordHeaderSize] = 0x7f // not a BinXml token
			fixDataCRC(c)
			return b
		}, Options{}, 599, 0, 1, "token 0x7f"},
		{"truncated file", func(b []byte) []byte { return b[:len(b)-chunkSize/2] }, Options{}, 600 - perChunk(base, n-1), 1, 0, "free space offset"},
		{"empty slot after the chunks", func(b []byte) []byte { return append(b, make([]byte, chunkSize)...) }, Options{}, 600, 0, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.damage(append([]byte{}, base...))
			r, evs := readAll(t, b, c.opts)
			st := r.Stats()
			if len(evs) != c.events || st.BadChunks != c.badChunks || st.BadRecords != c.badRecords {
				t.Errorf("%d events (want %d), stats %+v, problems %v", len(evs), c.events, st, r.Problems())
			}
			if c.problemText == "" {
				if len(r.Problems()) != 0 {
					t.Errorf("problems %v", r.Problems())
				}
				return
			}
			if len(r.Problems()) == 0 || !strings.Contains(r.Problems()[0].Error(), c.problemText) {
				t.Errorf("problems %v, want one with %q", r.Problems(), c.problemText)
			}
		})
	}
}

// TestTruncatedRecover reads the whole records of a chunk cut short.
func TestTruncatedRecover(t *testing.T) {
	b := mixedFile(600, false)
	n := chunkCount(b)
	_, last := readAll(t, append(append([]byte{}, b[:fileHeaderSize]...), chunkAt(b, n-1)...), Options{})
	cut := b[:len(b)-chunkSize+chunkHeaderSize+12000] // the last chunk keeps 12000 bytes of records
	r, evs := readAll(t, cut, Options{Recover: true})
	got := len(evs) - (600 - len(last))
	if got <= 0 || got >= len(last) || r.Stats().BadChunks != 1 {
		t.Errorf("read %d of the last chunk's %d records, stats %+v %v", got, len(last), r.Stats(), r.Problems())
	}
}

func TestDirtyFileChunksBeyondHeader(t *testing.T) {
	b := mixedFile(600, false)
	binary.LittleEndian.PutUint16(b[42:], 1)     // the header counts one chunk
	binary.LittleEndian.PutUint32(b[120:], 0x01) // dirty
	fixFileCRC(b)
	r, evs := readAll(t, b, Options{})
	if !r.Header.Dirty() || r.Header.Full() || len(evs) != 600 || r.Stats().ChunksBeyondHeader != chunkCount(b)-1 {
		t.Errorf("header %+v, %d events, stats %+v", r.Header, len(evs), r.Stats())
	}
}

func TestNotEVTX(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("short"), bytes.Repeat([]byte("MZ"), 100)} {
		if _, err := Open(bytes.NewReader(b), int64(len(b))); !errors.Is(err, ErrNotEVTX) {
			t.Errorf("% x...: %v", b[:min(len(b), 4)], err)
		}
	}
	if HasSignature([]byte("ElfChnk\x00")) || !HasSignature(mixedFile(1, false)) {
		t.Error("HasSignature")
	}
	// A header alone is a log without events.
	r, evs := readAll(t, mixedFile(1, false)[:fileHeaderSize], Options{})
	if len(evs) != 0 || r.Header.MajorVersion != 3 || !r.Header.ChecksumOK {
		t.Errorf("header only: %d events, %+v", len(evs), r.Header)
	}
}

// hostile writes a one-record file whose body comes from f and returns
// what reading it reported.
func hostile(t *testing.T, body func(w *chunkWriter)) []Problem {
	t.Helper()
	f := newFileWriter()
	f.add(when, body)
	r, evs := readAll(t, f.bytes(), Options{})
	if len(evs) != 0 {
		t.Fatalf("read %d events from a hostile record: %s", len(evs), evs[0].XML())
	}
	return r.Problems()
}

// templateDef writes a template definition whose data is body's, and
// returns its offset.
func templateDef(w *chunkWriter, body func()) uint32 {
	off := w.at()
	w.u32(0)
	w.b = append(w.b, make([]byte, 16)...)
	size := w.placeholder()
	w.fragment()
	body()
	w.u8(tokEOF)
	w.patch(size)
	return off
}

// instanceOf writes a template instance of the definition at off with no values.
func instanceOf(w *chunkWriter, off uint32) {
	w.u8(tokTemplate)
	w.u8(1)
	w.u32(0)
	w.u32(off)
	w.u32(0)
}

func TestTemplateReferringToItself(t *testing.T) {
	ps := hostile(t, func(w *chunkWriter) {
		w.fragment()
		w.u8(tokTemplate)
		w.u8(1)
		w.u32(1)
		self := w.at() + 4
		w.u32(self) // inline definition, whose element holds an instance of itself
		templateDef(w, func() {
			w.u8(tokOpenStart)
			w.u16(0xffff)
			size := w.placeholder()
			w.name("Loop")
			w.u8(tokCloseStart)
			instanceOf(w, self)
			w.u8(tokEnd)
			w.patch(size)
		})
		w.u32(0)
		w.u8(tokEOF)
	})
	if len(ps) != 1 || !errors.Is(ps[0].Err, errCycle) {
		t.Errorf("problems %v", ps)
	}
}

func TestDeepNesting(t *testing.T) {
	ps := hostile(t, func(w *chunkWriter) {
		w.fragment()
		var nest func(int)
		nest = func(d int) {
			w.u8(tokOpenStart)
			w.u16(0xffff)
			size := w.placeholder()
			w.name("D")
			if d == 0 {
				w.u8(tokCloseEmpty)
			} else {
				w.u8(tokCloseStart)
				nest(d - 1)
				w.u8(tokEnd)
			}
			w.patch(size)
		}
		nest(200)
		w.u8(tokEOF)
	})
	if len(ps) != 1 || !errors.Is(ps[0].Err, errDepth) {
		t.Errorf("problems %v", ps)
	}
}

// bombTemplates writes, inside an element, templates of levels 0 to
// levels-1, each holding fan instances of the one before, and returns
// the offset of the last.
func bombTemplates(w *chunkWriter, levels, fan int) uint32 {
	w.u8(tokOpenStart)
	w.u16(0xffff)
	size := w.placeholder()
	w.name("Bomb")
	w.u8(tokCloseStart)
	prev := uint32(0)
	for level := 0; level < levels; level++ {
		w.u8(tokTemplate)
		w.u8(1)
		w.u32(uint32(level))
		off := w.at() + 4
		w.u32(off)
		p := prev
		templateDef(w, func() {
			w.u8(tokOpenStart)
			w.u16(0xffff)
			s := w.placeholder()
			w.name("L")
			if p == 0 {
				w.u8(tokCloseEmpty)
			} else {
				w.u8(tokCloseStart)
				for i := 0; i < fan; i++ {
					instanceOf(w, p)
				}
				w.u8(tokEnd)
			}
			w.patch(s)
		})
		w.u32(0)
		prev = off
	}
	w.u8(tokEnd)
	w.patch(size)
	return prev
}

// TestExpansionBomb checks a record of a few kilobytes whose templates,
// each holding 40 instances of the one before, would expand to 40⁵
// elements.
func TestExpansionBomb(t *testing.T) {
	ps := hostile(t, func(w *chunkWriter) {
		w.fragment()
		bombTemplates(w, 5, 40)
		w.u8(tokEOF)
	})
	if len(ps) != 1 || !errors.Is(ps[0].Err, errBudget) {
		t.Errorf("problems %v", ps)
	}
}

// TestChunkWorkLimit checks a chunk of small records that each stay within
// a record's limit but, 60,000 elements apiece, would together cost a
// hundred million: the chunk's limit stops them.
func TestChunkWorkLimit(t *testing.T) {
	f := newFileWriter()
	var top uint32
	f.add(when, func(w *chunkWriter) {
		w.fragment()
		top = bombTemplates(w, 4, 40)
		w.u8(tokEOF)
	})
	for i := 0; i < 1200; i++ {
		f.add(when, func(w *chunkWriter) {
			w.fragment()
			instanceOf(w, top)
			w.u8(tokEOF)
		})
	}
	b := f.bytes()
	if chunkCount(b) != 1 {
		t.Fatalf("%d chunks", chunkCount(b))
	}
	r, evs := readAll(t, b, Options{})
	st := r.Stats()
	if len(evs) < 3 || len(evs) > 100 || st.BadRecords != 1201-len(evs) || !errors.Is(r.Problems()[0].Err, errBudget) {
		t.Errorf("%d events, stats %+v", len(evs), st)
	}
}

// errReaderAt fails every read past the file header.
type errReaderAt struct{ b []byte }

var errDisk = errors.New("disk error")

func (e errReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= fileHeaderSize {
		return 0, errDisk
	}
	return copy(p, e.b[off:]), nil
}

func TestEventsIterator(t *testing.T) {
	b := mixedFile(300, false)
	r, _ := Open(bytes.NewReader(b), int64(len(b)))
	n := 0
	for ev, err := range r.Events() {
		if err != nil || ev == nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 300 {
		t.Errorf("%d events", n)
	}
	r, _ = Open(errReaderAt{b}, int64(len(b)))
	for _, err := range r.Events() {
		if !errors.Is(err, errDisk) {
			t.Errorf("err = %v", err)
		}
	}
}

// TestArrayRepetitionLimit checks an element repeated once per item of an
// array: 60,000 one-byte items, in a template instantiated 40 times by
// back-references, would make 2.4 million elements from one record.
func TestArrayRepetitionLimit(t *testing.T) {
	items := &ttemplate{id: 1, root: tnode{name: "X", sub: sub(0, typeArray|typeInt8)}}
	ps := hostile(t, func(w *chunkWriter) {
		w.fragment()
		w.u8(tokOpenStart)
		w.u16(0xffff)
		size := w.placeholder()
		w.name("R")
		w.u8(tokCloseStart)
		w.u8(tokTemplate)
		w.u8(1)
		w.u32(2)
		outer := w.at() + 4
		w.u32(outer)
		templateDef(w, func() { // <B> holding one instance of items, with its 60,000-byte array
			w.u8(tokOpenStart)
			w.u16(0xffff)
			s := w.placeholder()
			w.name("B")
			w.u8(tokCloseStart)
			w.instance(items, []tval{{typ: typeArray | typeInt8, data: make([]byte, 60000)}})
			w.u8(tokEnd)
			w.patch(s)
		})
		w.u32(0)
		for i := 0; i < 39; i++ {
			instanceOf(w, outer)
		}
		w.u8(tokEnd)
		w.patch(size)
		w.u8(tokEOF)
	})
	if len(ps) != 1 || !errors.Is(ps[0].Err, errBudget) {
		t.Errorf("problems %v", ps)
	}
}
