package evtx

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Value types of BinXml substitution values (the libyal EVTX notes and
// [MS-EVEN6] 2.2.12). typeArray is or'ed onto a type for an array of it.
const (
	typeNull     = 0x00
	typeString   = 0x01
	typeAnsi     = 0x02
	typeInt8     = 0x03
	typeUint8    = 0x04
	typeInt16    = 0x05
	typeUint16   = 0x06
	typeInt32    = 0x07
	typeUint32   = 0x08
	typeInt64    = 0x09
	typeUint64   = 0x0a
	typeReal32   = 0x0b
	typeReal64   = 0x0c
	typeBool     = 0x0d
	typeBinary   = 0x0e
	typeGUID     = 0x0f
	typeSizeT    = 0x10
	typeFileTime = 0x11
	typeSysTime  = 0x12
	typeSID      = 0x13
	typeHex32    = 0x14
	typeHex64    = 0x15
	typeBinXML   = 0x21
	typeArray    = 0x80
)

// errValueSize is a value whose size does not fit its type.
var errValueSize = errors.New("value size does not fit its type")

// fixedSize is the size of one item of a fixed-size type, 0 for the
// variable ones.
func fixedSize(t byte) int {
	switch t {
	case typeInt8, typeUint8:
		return 1
	case typeInt16, typeUint16:
		return 2
	case typeInt32, typeUint32, typeReal32, typeBool, typeHex32:
		return 4
	case typeInt64, typeUint64, typeReal64, typeFileTime, typeHex64:
		return 8
	case typeGUID, typeSysTime:
		return 16
	}
	return 0
}

// valueItems renders a substitution value as the texts Windows shows: one
// for a scalar, one per item for an array (at least one, empty, for an
// empty array). Binary XML values are not handled here.
func valueItems(t byte, b []byte) ([]string, error) {
	if t&typeArray == 0 {
		s, err := scalarText(t, b)
		return []string{s}, err
	}
	base := t &^ typeArray
	switch base {
	case typeString:
		return splitNul(utf16Text(b, false)), nil
	case typeAnsi:
		return splitNul(ansiText(b, false)), nil
	case typeSizeT:
		if len(b)%8 == 0 && len(b)%4 != 0 {
			base = typeHex64
		} else {
			base = typeHex32 // 4-byte items unless only 8 divides
		}
	}
	n := fixedSize(base)
	if n == 0 || len(b)%n != 0 {
		return []string{strings.ToUpper(hex.EncodeToString(b))}, errValueSize
	}
	items := make([]string, 0, len(b)/n+1)
	for i := 0; i+n <= len(b); i += n {
		s, err := scalarText(base, b[i:i+n])
		if err != nil {
			return nil, err
		}
		items = append(items, s)
	}
	if len(items) == 0 {
		items = append(items, "")
	}
	return items, nil
}

// splitNul splits a packed array of strings, each ended by a NUL.
func splitNul(s string) []string {
	s = strings.TrimSuffix(s, "\x00")
	return strings.Split(s, "\x00")
}

// scalarText renders one value of a scalar type.
func scalarText(t byte, b []byte) (string, error) {
	switch t {
	case typeNull:
		return "", nil
	case typeString:
		return utf16Text(b, true), nil
	case typeAnsi:
		return ansiText(b, true), nil
	case typeBinary, 0x20, 0x23:
		return strings.ToUpper(hex.EncodeToString(b)), nil
	case typeSizeT:
		switch len(b) {
		case 4:
			t = typeHex32
		case 8:
			t = typeHex64
		}
	case typeSID:
		return sidText(b)
	}
	if n := fixedSize(t); n == 0 || len(b) != n {
		return strings.ToUpper(hex.EncodeToString(b)), errValueSize
	}
	return fixedText(t, b), nil
}

// fixedText renders a value of a fixed-size type whose size was checked.
func fixedText(t byte, b []byte) string {
	le := binary.LittleEndian
	switch t {
	case typeInt8:
		return strconv.Itoa(int(int8(b[0])))
	case typeUint8:
		return strconv.Itoa(int(b[0]))
	case typeInt16:
		return strconv.Itoa(int(int16(le.Uint16(b))))
	case typeUint16:
		return strconv.Itoa(int(le.Uint16(b)))
	case typeInt32:
		return strconv.Itoa(int(int32(le.Uint32(b))))
	case typeUint32:
		return strconv.FormatUint(uint64(le.Uint32(b)), 10)
	case typeInt64:
		return strconv.FormatInt(int64(le.Uint64(b)), 10)
	case typeUint64:
		return strconv.FormatUint(le.Uint64(b), 10)
	case typeReal32:
		return strconv.FormatFloat(float64(math.Float32frombits(le.Uint32(b))), 'g', -1, 32)
	case typeReal64:
		return strconv.FormatFloat(math.Float64frombits(le.Uint64(b)), 'g', -1, 64)
	case typeBool:
		if le.Uint32(b) != 0 {
			return "true"
		}
		return "false"
	case typeGUID:
		return guidText(b)
	case typeFileTime:
		return timeText(filetime(le.Uint64(b)))
	case typeSysTime:
		return systimeText(b)
	case typeHex32:
		return "0x" + strconv.FormatUint(uint64(le.Uint32(b)), 16)
	}
	return "0x" + strconv.FormatUint(le.Uint64(b), 16) // typeHex64
}

// utf16Text decodes UTF-16LE; trim drops the NULs a value may end with.
func utf16Text(b []byte, trim bool) string {
	n := len(b) / 2
	ascii := true
	for i := 0; i < n; i++ {
		if b[2*i+1] != 0 || b[2*i] >= 0x80 {
			ascii = false
			break
		}
	}
	var s string
	if ascii {
		buf := make([]byte, n)
		for i := range buf {
			buf[i] = b[2*i]
		}
		s = string(buf)
	} else {
		u := make([]uint16, n)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(b[2*i:])
		}
		s = string(utf16.Decode(u))
	}
	if trim {
		s = strings.TrimRight(s, "\x00")
	}
	return s
}

// ansiText decodes an ANSI string as Windows-1252's Latin-1 part (the
// code page of the machine that wrote it is not in the file).
func ansiText(b []byte, trim bool) string {
	var sb strings.Builder
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	s := sb.String()
	if trim {
		s = strings.TrimRight(s, "\x00")
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// guidText renders a GUID as Windows does: {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}.
func guidText(b []byte) string {
	const digits = "0123456789ABCDEF"
	// Byte order of the text: the first three groups are little-endian.
	order := [16]int{3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11}
	out := make([]byte, 0, 38)
	out = append(out, '{')
	for _, i := range order {
		if i < 0 {
			out = append(out, '-')
			continue
		}
		out = append(out, digits[b[i]>>4], digits[b[i]&15])
	}
	for _, c := range b[12:16] {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(append(out, '}'))
}

// filetime converts 100-ns intervals since 1601-01-01 UTC.
func filetime(v uint64) time.Time {
	const secondsTo1970 = 11644473600
	return time.Unix(int64(v/1e7)-secondsTo1970, int64(v%1e7)*100).UTC()
}

// timeText renders a time as the event XML does, to 100 ns.
func timeText(t time.Time) string {
	return t.Format("2006-01-02T15:04:05.0000000Z")
}

// systimeText renders a SYSTEMTIME (year, month, weekday, day, hour,
// minute, second, milliseconds: eight 16-bit fields).
func systimeText(b []byte) string {
	le := binary.LittleEndian
	f := func(i int) int { return int(le.Uint16(b[2*i:])) }
	return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", f(0), f(1), f(3), f(4), f(5), f(6), f(7))
}

// sidText renders a security identifier: revision, count of
// sub-authorities, a 48-bit big-endian authority, then 32-bit
// little-endian sub-authorities, as S-R-A-S1-…
func sidText(b []byte) (string, error) {
	if len(b) < 8 || len(b) != 8+4*int(b[1]) {
		return strings.ToUpper(hex.EncodeToString(b)), errValueSize
	}
	var auth uint64
	for _, c := range b[2:8] {
		auth = auth<<8 | uint64(c)
	}
	var sb strings.Builder
	sb.WriteString("S-")
	sb.WriteString(strconv.Itoa(int(b[0])))
	sb.WriteByte('-')
	sb.WriteString(strconv.FormatUint(auth, 10))
	for i := 8; i < len(b); i += 4 {
		sb.WriteByte('-')
		sb.WriteString(strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b[i:])), 10))
	}
	return sb.String(), nil
}
