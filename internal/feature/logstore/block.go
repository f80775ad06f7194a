package logstore

import (
	"bytes"

	"encoding/binary"
	"math/bits"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/klauspost/compress/s2"

	"golang.org/x/text/unicode/norm"

	"github.com/khien-project/khien/internal/platform/logstream"
)

// Events are stored in blocks: the records of one agency and day that
// arrived together (at most blockRecords of them, blockBytes encoded), in
// the log stream's own binary form, with a Bloom filter of the block's
// terms beside them. Writing a block costs one row, not one per event
// (a row per event, with its indexes and full-text index, held the store
// to 7,000-13,000 events/s: docs/benchmarks.md, "Event storage"); a
// search reads the filters of the blocks in its time range newest first
// and decodes only the blocks whose filter may hold every term it asks
// for, then checks each event exactly.
//
// The terms of an event are the words of its original (runs of letters
// and digits, lower case, without diacritics), each normalized field as
// name=value, its id, its source and its system: what a search can ask
// for exactly. A wildcard value is checked on every event of the range.
const (
	blockRecords = 256
	blockBytes   = 512 << 10
)

// Term kinds, the first byte of a hashed term (a word has none).
const (
	termID     = 1
	termField  = 2
	termSource = 3
	termSystem = 4
)

// bloom is a Bloom filter over 64-bit hashes: a version byte, then the
// bit array (a power of two of 64-bit words); bloomProbes bits per term.
const (
	bloomVersion = 1
	bloomProbes  = 6
	bloomBitsPer = 12 // bits per distinct term: about 0.4 % false positives
)

// fnv64 is FNV-1a over a kind byte and s: stable across processes and
// versions (the filters are on disk). fnvStart and fnvAdd compute the same
// a piece at a time (fnv64(k, a+b) == fnvAdd(fnvAdd(fnvStart(k), a), b)).
func fnv64(kind byte, s string) uint64 { return fnvAdd(fnvStart(kind), s) }

const fnvPrime = 1099511628211

func fnvStart(kind byte) uint64 {
	h := uint64(14695981039346656037)
	if kind != 0 {
		h = (h ^ uint64(kind)) * fnvPrime
	}
	return h
}

func fnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

func fnvAddBytes(h uint64, b []byte) uint64 {
	for _, c := range b {
		h = (h ^ uint64(c)) * fnvPrime
	}
	return h
}

// bloomBits is the size of a block's filter for n records: about
// bloomBitsPer bits for each of the distinct terms an event brings
// (termsPerEvent, measured on syslog and Windows events: most of an
// event's words and fields repeat across a block).
func bloomBits(n int) uint64 {
	bits := uint64(512)
	for bits < uint64(n)*termsPerEvent*bloomBitsPer {
		bits <<= 1
	}
	return bits
}

const termsPerEvent = 16

// bloomFilter is a filter being built.
type bloomFilter struct {
	words []byte // after the version byte
	mask  uint64
}

func newBloom(n int) (bloomFilter, []byte) {
	nbits := bloomBits(n)
	out := make([]byte, 1+nbits/8)
	out[0] = bloomVersion
	return bloomFilter{words: out[1:], mask: nbits - 1}, out
}

func (f bloomFilter) add(kind byte, s string) { f.addHash(fnv64(kind, s)) }

func (f bloomFilter) addHash(h uint64) {
	h1, h2 := h, bits.RotateLeft64(h, 32)|1
	for i := uint64(0); i < bloomProbes; i++ {
		bit := (h1 + i*h2) & f.mask
		f.words[bit>>3] |= 1 << (bit & 7)
	}
}

// mayHold reports whether the filter may hold every hash (true for a
// filter it cannot read: the block is then checked event by event).
func mayHold(filter []byte, hashes []uint64) bool {
	if len(filter) < 2 || filter[0] != bloomVersion || bits.OnesCount(uint(len(filter)-1)) != 1 {
		return true
	}
	words := filter[1:]
	mask := uint64(len(words))*8 - 1
	for _, h := range hashes {
		h1, h2 := h, bits.RotateLeft64(h, 32)|1
		for i := uint64(0); i < bloomProbes; i++ {
			bit := (h1 + i*h2) & mask
			if words[bit>>3]&(1<<(bit&7)) == 0 {
				return false
			}
		}
	}
	return true
}

// addEventTerms adds what a search can ask of r exactly. It hashes the
// pieces of each term in place: a store of thousands of events a second
// should not make a string of each.
func addEventTerms(t bloomFilter, r *logstream.Record) {
	t.add(termID, r.ID)
	t.add(termSource, r.Source)
	var num [32]byte
	t.addHash(fnvAddBytes(fnvStart(termSystem), strconv.AppendInt(num[:0], r.SystemID, 10)))
	for name, v := range r.Fields {
		if v == nil {
			continue
		}
		h := fnvAdd(fnvStart(termField), name)
		h = (h ^ '=') * fnvPrime
		switch x := v.(type) {
		case string:
			h = fnvAdd(h, x)
		case int64:
			h = fnvAddBytes(h, strconv.AppendInt(num[:0], x, 10))
		case int:
			h = fnvAddBytes(h, strconv.AppendInt(num[:0], int64(x), 10))
		case float64:
			h = fnvAddBytes(h, strconv.AppendFloat(num[:0], x, 'f', -1, 64))
		default:
			h = fnvAdd(h, fieldText(v))
		}
		t.addHash(h)
	}
	for _, ix := range indexedFields {
		if v := firstField(r.Fields, ix.Fields); v != "" {
			t.add(termField, ix.Fields[0]+"="+v)
		}
	}
	eachWord(r.Original, func(w []byte) { t.addHash(fnvAddBytes(fnvStart(0), w)) })
}

// eachWord calls f with each word of s: a run of letters and digits,
// folded to lower case without diacritics ("Đăng" is "dang"). The word
// passed is only valid during the call.
func eachWord(s string, f func([]byte)) {
	word := make([]byte, 0, 64)
	flush := func() {
		if len(word) > 0 {
			f(word)
			word = word[:0]
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
				word = append(word, c)
			case 'A' <= c && c <= 'Z':
				word = append(word, c+'a'-'A')
			default:
				flush()
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			if !unicode.Is(unicode.Mn, r) { // a combining mark belongs to its letter
				flush()
			}
			continue
		}
		word = appendFolded(word, r)
	}
	flush()
}

// appendFolded appends r in lower case without its diacritics.
func appendFolded(b []byte, r rune) []byte {
	switch r {
	case 'đ', 'Đ':
		return append(b, 'd')
	}
	r = unicode.ToLower(r)
	var tmp [utf8.UTFMax]byte
	n := utf8.EncodeRune(tmp[:], r)
	d := norm.NFD.Bytes(tmp[:n])
	for len(d) > 0 {
		c, size := utf8.DecodeRune(d)
		d = d[size:]
		if !unicode.Is(unicode.Mn, c) {
			b = utf8.AppendRune(b, c)
		}
	}
	return b
}

// words lists the words of s.
func words(s string) []string {
	var out []string
	eachWord(s, func(w []byte) { out = append(out, string(w)) })
	return out
}

// blockMeta is a block's row.
type blockMeta struct {
	agency      int64
	minRecv     int64 // Unix nanoseconds
	maxRecv     int64
	events      int
	bytes       int
	bloom, data []byte
	ids         []byte // the records' id hashes (idHash), 8 bytes each
}

// A block's records are kept compressed with S2 (a Snappy-compatible
// block format: logs shrink three to five times for less CPU than the
// disk writes it saves) behind the marker zMagic; a block that does not
// shrink is kept as it is (it starts with the stream's own "KLR1").
var zMagic = []byte("KLZ1")

func compress(data []byte) []byte {
	out := make([]byte, len(zMagic)+s2.MaxEncodedLen(len(data)))
	copy(out, zMagic)
	n := len(zMagic) + len(s2.Encode(out[len(zMagic):], data))
	if n >= len(data) {
		return data
	}
	return out[:n]
}

// decompress gives a block's records in the stream's form.
func decompress(data []byte) ([]byte, error) {
	if !bytes.HasPrefix(data, zMagic) {
		return data, nil
	}
	return s2.Decode(nil, data[len(zMagic):])
}

// idHash is the hash a block keeps of each record's id, to tell a record
// delivered again from a new one (a collision among the few blocks a
// write is checked against is beyond any real chance: 64 bits).
func idHash(id string) uint64 { return fnv64(termID, id) }

// encodeBlock builds the block of recs (one agency and day); data, when
// not nil, is recs already in the stream's form (a message as received).
func encodeBlock(recs []logstream.Record, data []byte) (blockMeta, error) {
	if data == nil {
		var err error
		if data, err = logstream.EncodeRecords(make([]byte, 0, 256*len(recs)), recs); err != nil {
			return blockMeta{}, err
		}
	}
	f, filter := newBloom(len(recs))
	m := blockMeta{agency: recs[0].AgencyID, events: len(recs), bytes: len(data), data: compress(data), bloom: filter,
		minRecv: recs[0].Received.UnixNano(), maxRecv: recs[0].Received.UnixNano(), ids: make([]byte, 0, 8*len(recs))}
	for i := range recs {
		n := recs[i].Received.UnixNano()
		m.minRecv, m.maxRecv = min(m.minRecv, n), max(m.maxRecv, n)
		addEventTerms(f, &recs[i])
		m.ids = binary.LittleEndian.AppendUint64(m.ids, idHash(recs[i].ID))
	}
	return m, nil
}
