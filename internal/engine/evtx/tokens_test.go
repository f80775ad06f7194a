package evtx

// Hand-assembled BinXml, byte by byte, checked against the layout the
// libyal "Windows XML Event Log (EVTX)" notes document. Every sequence
// is placed at offset 0x200 of a chunk (the first byte after the chunk
// header), so names and templates are referenced by chunk offsets from
// 0x200 on; each line says at which offset it starts.

import (
	"encoding/hex"
	"strings"
	"testing"
)

// hexBytes reads hex pairs, one group per line, ignoring "//" comments.
func hexBytes(t *testing.T, s string) []byte {
	t.Helper()
	var sb strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		sb.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(sb.String())
	if err != nil {
		t.Fatalf("bad hex: %v", err)
	}
	return b
}

// chunkWith is a chunk whose records area holds b from offset 0x200.
func chunkWith(b []byte) *decoder {
	c := make([]byte, chunkSize)
	copy(c[chunkHeaderSize:], b)
	return newDecoder(c)
}

func TestTokenElementInlineName(t *testing.T) {
	b := hexBytes(t, `
		0f 01 01 00   // 0x200 fragment header: token, major version 1, minor version 1, flags 0
		01            // 0x204 open start element, no attribute list
		ff ff         // 0x205 dependency identifier: none
		11 00 00 00   // 0x207 data size: 17 bytes after this field, up to and with the close token
		0f 02 00 00   // 0x20b name offset 0x20f: the name follows inline
		00 00 00 00   // 0x20f name: next name offset (unused here)
		41 00         // 0x213 name hash (not checked)
		01 00         // 0x215 one UTF-16 character
		41 00 00 00   // 0x217 "A" and its NUL
		03            // 0x21b close empty element: <A/>
		00            // 0x21c end of file
	`)
	d := chunkWith(b)
	root, err := d.document(chunkHeaderSize, chunkHeaderSize+len(b))
	if err != nil || root.XML() != "<A/>" {
		t.Fatalf("got %v, %v", root, err)
	}
}

func TestTokenContent(t *testing.T) {
	b := hexBytes(t, `
		0f 01 01 00   // 0x200 fragment header
		41 ff ff      // 0x204 open start element with an attribute list; no dependency
		66 00 00 00   // 0x207 data size 0x66: from 0x20b to the end element token at 0x270
		0f 02 00 00   // 0x20b name offset 0x20f, inline
		00 00 00 00 41 00 01 00 41 00 00 00   // 0x20f name "A"
		2a 00 00 00   // 0x21b attribute list size: 0x2a bytes, 0x21f to 0x249
		06            // 0x21f attribute, the last one
		24 02 00 00   // 0x220 name offset 0x224, inline
		00 00 00 00 62 00 01 00 62 00 00 00   // 0x224 name "b"
		45 01 01 00 78 00   // 0x230 value text, more follows (0x40): string type, 1 character, "x"
		09 3b 02 00 00      // 0x236 entity reference, name offset 0x23b, inline
		00 00 00 00 00 00 02 00 6c 00 74 00 00 00   // 0x23b name "lt"
		02                  // 0x249 close start element
		05 01 01 00 74 00   // 0x24a value text "t"
		08 41 00            // 0x250 character reference U+0041
		07 01 00 63 00      // 0x253 CDATA section, 1 character, "c"
		0a 5d 02 00 00      // 0x258 processing instruction target, name offset 0x25d, inline
		00 00 00 00 00 00 02 00 70 00 69 00 00 00   // 0x25d name "pi"
		0b 01 00 64 00      // 0x26b processing instruction data, 1 character, "d"
		04                  // 0x270 end element
		00                  // 0x271 end of file
	`)
	d := chunkWith(b)
	root, err := d.document(chunkHeaderSize, chunkHeaderSize+len(b))
	if err != nil {
		t.Fatal(err)
	}
	if want := `<A b="x&lt;">tA<![CDATA[c]]><?pi d?></A>`; root.XML() != want {
		t.Errorf("got  %s\nwant %s", root.XML(), want)
	}
}

// TestTokenTemplate checks a template instance whose definition follows
// inline, then a second instance that refers back to it by offset.
func TestTokenTemplate(t *testing.T) {
	first := hexBytes(t, `
		0f 01 01 00   // 0x200 fragment header
		0c 01         // 0x204 template instance; the unknown byte is 1
		07 00 00 00   // 0x206 template identifier 7
		0e 02 00 00   // 0x20a definition offset 0x20e: it follows inline
		00 00 00 00   // 0x20e next template definition offset
		07 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00   // 0x212 template GUID
		3b 00 00 00   // 0x222 data size 0x3b: 0x226 to 0x261
		0f 01 01 00   // 0x226 the template's fragment header
		41 ff ff      // 0x22a open start element with attributes
		2f 00 00 00   // 0x22d data size 0x2f: 0x231 to 0x260
		35 02 00 00   // 0x231 name offset 0x235, inline
		00 00 00 00 45 00 01 00 45 00 00 00   // 0x235 name "E"
		15 00 00 00   // 0x241 attribute list size 0x15
		06 4a 02 00 00                        // 0x245 attribute, name offset 0x24a, inline
		00 00 00 00 61 00 01 00 61 00 00 00   // 0x24a name "a"
		0e 01 00 04   // 0x256 optional substitution: value 1, type UInt8
		02            // 0x25a close start element
		0d 00 00 01   // 0x25b normal substitution: value 0, type String
		04            // 0x25f end element
		00            // 0x260 end of the template's data
		02 00 00 00   // 0x261 two values
		04 00 01 00   // 0x265 value 0: 4 bytes, String (the last byte is unused)
		00 00 00 00   // 0x269 value 1: 0 bytes, Null
		68 00 69 00   // 0x26d value 0: "hi"
		00            // 0x271 end of file
	`)
	second := hexBytes(t, `
		0f 01 01 00                     // 0x280 fragment header
		0c 01 07 00 00 00 0e 02 00 00   // 0x284 template instance of the definition at 0x20e: a back-reference
		02 00 00 00                     // 0x28e two values
		02 00 01 00                     // 0x292 value 0: 2 bytes, String
		01 00 04 00                     // 0x296 value 1: 1 byte, UInt8
		6f 00                           // 0x29a "o"
		09                              // 0x29c 9
		00                              // 0x29d end of file
	`)
	d := chunkWith(first)
	copy(d.c[0x280:], second)
	root, err := d.document(0x200, 0x200+len(first))
	if err != nil || root.XML() != "<E>hi</E>" { // the optional attribute with a null value is left out
		t.Fatalf("first: %v %v", root, err)
	}
	root, err = d.document(0x280, 0x280+len(second))
	if err != nil || root.XML() != `<E a="9">o</E>` {
		t.Fatalf("second: %v %v", root, err)
	}
}

// TestTokenBareElementValue checks a BinXml value that starts with an open
// start element without the dependency identifier, as the libyal notes
// (and plaso issue 505) describe it.
func TestTokenBareElementValue(t *testing.T) {
	b := hexBytes(t, `
		0f 01 01 00   // 0x200 fragment header
		0c 01 01 00 00 00 0e 02 00 00   // 0x204 template instance 1, definition inline at 0x20e
		00 00 00 00   // 0x20e next template definition offset
		01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00   // 0x212 GUID
		22 00 00 00   // 0x222 data size 0x22: 0x226 to 0x248
		0f 01 01 00   // 0x226 fragment header
		01 ff ff      // 0x22a open start element, no attributes, no dependency
		16 00 00 00   // 0x22d data size 0x16: 0x231 to 0x247
		35 02 00 00   // 0x231 name offset 0x235, inline
		00 00 00 00 52 00 01 00 52 00 00 00   // 0x235 name "R"
		02            // 0x241 close start element
		0d 00 00 21   // 0x242 normal substitution: value 0, type BinXml
		04            // 0x246 end element
		00            // 0x247 end of the template's data
		01 00 00 00   // 0x248 one value
		0c 00 21 00   // 0x24c value 0: 12 bytes, BinXml
		01            // 0x250 open start element: no dependency identifier in a value
		06 00 00 00   // 0x251 data size 6: 0x255 to 0x25b
		35 02 00 00   // 0x255 name offset 0x235: "R" again, a back-reference
		02            // 0x259 close start element
		04            // 0x25a end element
		00            // 0x25b end of the value
		00            // 0x25c end of file
	`)
	d := chunkWith(b)
	root, err := d.document(0x200, 0x200+len(b))
	if err != nil {
		t.Fatal(err)
	}
	if want := "<R><R/></R>"; root.XML() != want {
		t.Errorf("got %s, want %s", root.XML(), want)
	}
}
