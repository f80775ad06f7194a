package evtx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"iter"
)

// Sizes of the file's parts.
const (
	fileHeaderSize  = 4096  // the file header block; chunks follow it
	chunkSize       = 65536 // every chunk
	chunkHeaderSize = 512   // a chunk's header, with its string and template tables
	maxProblems     = 1000  // problems kept in detail; all are counted
)

var (
	fileMagic  = []byte("ElfFile\x00")
	chunkMagic = []byte("ElfChnk\x00")
)

// ErrNotEVTX is returned by Open for data that does not start with the
// EVTX file signature.
var ErrNotEVTX = errors.New("evtx: not an EVTX file (no ElfFile signature)")

// HasSignature tells whether data (the start of a file) begins with the
// EVTX file signature, to tell an EVTX file from other event files.
func HasSignature(data []byte) bool { return bytes.HasPrefix(data, fileMagic) }

// Header is the file header.
type Header struct {
	FirstChunk, LastChunk uint64 // numbers of the oldest and newest chunk
	NextRecordID          uint64
	MinorVersion          uint16 // 1 (Vista and later) or 2 (Windows 10 2004 and later)
	MajorVersion          uint16 // 3
	ChunkCount            uint16
	Flags                 uint32
	ChecksumOK            bool // the CRC32 of its first 120 bytes matches
}

// Dirty tells whether the log was not closed cleanly: its header's counts
// may be behind what its chunks hold.
func (h Header) Dirty() bool { return h.Flags&1 != 0 }

// Full tells whether the log reached its maximum size.
func (h Header) Full() bool { return h.Flags&2 != 0 }

// Options change how a file is read.
type Options struct {
	// Recover reads the records of a chunk whose checksums do not match
	// (each record is still checked for its structure); by default such a
	// chunk is reported and skipped.
	Recover bool
}

// Problem is something wrong in the file that was reported and skipped.
type Problem struct {
	Chunk    int    // index of the chunk in the file, -1 for the file header
	Offset   int64  // file offset of the chunk or record
	RecordID uint64 // 0 when not known
	Err      error
}

func (p Problem) Error() string {
	if p.RecordID != 0 {
		return fmt.Sprintf("evtx: chunk %d, record %d at offset %d: %v", p.Chunk, p.RecordID, p.Offset, p.Err)
	}
	return fmt.Sprintf("evtx: chunk %d at offset %d: %v", p.Chunk, p.Offset, p.Err)
}

// Stats counts what was read and what was skipped.
type Stats struct {
	Chunks             int // chunks whose records were read
	ChunksBeyondHeader int // of those, chunks past the header's chunk count
	EmptyChunks        int // unused chunk slots (no signature, all zero)
	BadChunks          int // chunks with a bad signature, checksum or size: skipped unless Options.Recover
	Records            int // events returned
	BadRecords         int // records skipped
	Problems           int // problems reported (Problems keeps the first 1000)
}

// Reader reads the events of an EVTX file one by one; it holds one chunk
// in memory at a time.
type Reader struct {
	Header Header

	r        io.ReaderAt
	size     int64
	opts     Options
	buf      []byte
	next     int // index of the next chunk to load
	slots    int // chunk slots in the file
	ch       *chunkReader
	stats    Stats
	problems []Problem
}

// Open reads the file header of an EVTX file of that size. A header whose
// checksum does not match is reported (see Problems) but not fatal: chunks
// stand on their own.
func Open(r io.ReaderAt, size int64) (*Reader, error) {
	return OpenWith(r, size, Options{})
}

// OpenWith is Open with options.
func OpenWith(r io.ReaderAt, size int64, opts Options) (*Reader, error) {
	hdr := make([]byte, 128)
	if size < int64(len(hdr)) {
		return nil, fmt.Errorf("evtx: file of %d bytes is shorter than its header: %w", size, ErrNotEVTX)
	}
	if _, err := r.ReadAt(hdr, 0); err != nil {
		return nil, fmt.Errorf("evtx: read file header: %w", err)
	}
	if !bytes.Equal(hdr[:8], fileMagic) {
		return nil, ErrNotEVTX
	}
	le := binary.LittleEndian
	rd := &Reader{r: r, size: size, opts: opts, buf: make([]byte, chunkSize)}
	rd.Header = Header{
		FirstChunk: le.Uint64(hdr[8:]), LastChunk: le.Uint64(hdr[16:]), NextRecordID: le.Uint64(hdr[24:]),
		MinorVersion: le.Uint16(hdr[36:]), MajorVersion: le.Uint16(hdr[38:]), ChunkCount: le.Uint16(hdr[42:]),
		Flags: le.Uint32(hdr[120:]), ChecksumOK: crc32.ChecksumIEEE(hdr[:120]) == le.Uint32(hdr[124:]),
	}
	if !rd.Header.ChecksumOK {
		rd.problem(Problem{Chunk: -1, Err: errors.New("file header checksum does not match")})
	}
	if size > fileHeaderSize {
		rd.slots = int((size - fileHeaderSize + chunkSize - 1) / chunkSize)
	}
	return rd, nil
}

// Stats returns the counts so far.
func (r *Reader) Stats() Stats { return r.stats }

// Problems returns the first problems reported so far.
func (r *Reader) Problems() []Problem { return r.problems }

func (r *Reader) problem(p Problem) {
	r.stats.Problems++
	if len(r.problems) < maxProblems {
		r.problems = append(r.problems, p)
	}
}

// Next returns the next event, or io.EOF after the last. Records and
// chunks that cannot be read are counted and reported (Stats, Problems)
// and skipped; the only other error is one from the underlying reader.
func (r *Reader) Next() (*Event, error) {
	for {
		if r.ch != nil {
			ev, ok := r.ch.next()
			if ok {
				r.stats.Records++
				return ev, nil
			}
			r.ch = nil
		}
		if r.next >= r.slots {
			return nil, io.EOF
		}
		if err := r.load(r.next); err != nil {
			return nil, err
		}
		r.next++
	}
}

// Events iterates over the remaining events: `for ev, err := range r.Events()`.
// The only error it yields is one from the underlying reader, after which
// it stops; damaged parts are reported as Next reports them.
func (r *Reader) Events() iter.Seq2[*Event, error] {
	return func(yield func(*Event, error) bool) {
		for {
			ev, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if !yield(ev, err) || err != nil {
				return
			}
		}
	}
}

// load reads chunk i and checks it; a chunk that fails is reported and
// left unloaded.
func (r *Reader) load(i int) error {
	off := int64(fileHeaderSize) + int64(i)*chunkSize
	n, err := r.r.ReadAt(r.buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("evtx: read chunk %d: %w", i, err)
	}
	c := r.buf[:n]
	if n < len(chunkMagic) || !bytes.Equal(c[:8], chunkMagic) {
		if allZero(c) {
			r.stats.EmptyChunks++
			return nil
		}
		r.stats.BadChunks++
		r.problem(Problem{Chunk: i, Offset: off, Err: errors.New("no chunk signature")})
		return nil
	}
	ch, perr := checkChunk(c, r.opts.Recover)
	if perr != nil {
		r.stats.BadChunks++
		r.problem(Problem{Chunk: i, Offset: off, Err: perr})
		if ch == nil {
			return nil
		}
	}
	ch.reader, ch.index, ch.fileOff = r, i, off
	r.stats.Chunks++
	if i >= int(r.Header.ChunkCount) {
		r.stats.ChunksBeyondHeader++
	}
	r.ch = ch
	return nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
