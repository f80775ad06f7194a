package evtx

import (
	"slices"
	"testing"
	"time"
)

// TestValueTypes writes one event with a Data element per value type and
// checks the text each renders to.
func TestValueTypes(t *testing.T) {
	st := time.Date(2023, 11, 30, 23, 59, 58, 123000000, time.UTC)
	cases := []struct {
		name string
		val  tval
		want []string // one per Data element made (arrays repeat the element)
	}{
		{"Null", vNull(), []string{""}},
		{"String", vStr("Xin chào, Hà Nội"), []string{"Xin chào, Hà Nội"}},
		{"StringNul", tval{typ: typeString, data: append(utf16le("ends"), 0, 0)}, []string{"ends"}},
		{"Ansi", vAnsi("plain ansi"), []string{"plain ansi"}},
		{"Int8", vI8(-5), []string{"-5"}},
		{"UInt8", vU8(250), []string{"250"}},
		{"Int16", vI16(-300), []string{"-300"}},
		{"UInt16", vU16(65000), []string{"65000"}},
		{"Int32", vI32(-70000), []string{"-70000"}},
		{"UInt32", vU32(4000000000), []string{"4000000000"}},
		{"Int64", vI64(-1 << 40), []string{"-1099511627776"}},
		{"UInt64", vU64(1 << 63), []string{"9223372036854775808"}},
		{"Real32", vR32(1.5), []string{"1.5"}},
		{"Real64", vR64(-0.25), []string{"-0.25"}},
		{"BoolTrue", vBool(true), []string{"true"}},
		{"BoolFalse", vBool(false), []string{"false"}},
		{"Binary", vBin([]byte{0xde, 0xad, 0x01}), []string{"DEAD01"}},
		{"GUID", vGUID("{01234567-89AB-CDEF-0123-456789ABCDEF}"), []string{"{01234567-89AB-CDEF-0123-456789ABCDEF}"}},
		{"SizeT32", tval{typ: typeSizeT, data: le32(0x1000)}, []string{"0x1000"}},
		{"SizeT64", tval{typ: typeSizeT, data: le64(0x7ff612340000)}, []string{"0x7ff612340000"}},
		{"FileTime", vTime(st), []string{"2023-11-30T23:59:58.1230000Z"}},
		{"SysTime", vSysTime(st), []string{"2023-11-30T23:59:58.123Z"}},
		{"SID", vSID("S-1-5-21-1004336348-1177238915-682003330-512"), []string{"S-1-5-21-1004336348-1177238915-682003330-512"}},
		{"Hex32", vHex32(0xc000006d), []string{"0xc000006d"}},
		{"Hex64", vHex64(0x8020000000000000), []string{"0x8020000000000000"}},
		{"StringArray", tval{typ: typeArray | typeString, data: append(append(utf16le("a"), 0, 0), append(utf16le("bc"), 0, 0)...)}, []string{"a", "bc"}},
		{"AnsiArray", tval{typ: typeArray | typeAnsi, data: []byte("x\x00yz\x00")}, []string{"x", "yz"}},
		{"UInt16Array", tval{typ: typeArray | typeUint16, data: append(le16(1), le16(2)...)}, []string{"1", "2"}},
		{"Int64Array", tval{typ: typeArray | typeInt64, data: le64(uint64(1<<63 - 1))}, []string{"9223372036854775807"}},
		{"Hex32Array", tval{typ: typeArray | typeHex32, data: append(le32(0xa), le32(0xb)...)}, []string{"0xa", "0xb"}},
		{"GUIDArray", tval{typ: typeArray | typeGUID, data: guidBytes("{00000000-0000-0000-0000-000000000001}")}, []string{"{00000000-0000-0000-0000-000000000001}"}},
		{"EmptyArray", tval{typ: typeArray | typeUint32}, []string{""}},
		{"BinXml", vBinXML(func(w *chunkWriter) { w.noDep = true; w.element(tnode{name: "Inner", text: "deep"}); w.noDep = false }), []string{"deep"}},
	}
	var fields []dataField
	vals := (sysSpec{provider: "P", eventID: 7, time: when}).values()
	for _, c := range cases {
		fields = append(fields, dataField{c.name, c.val.typ})
		vals = append(vals, c.val)
	}
	tm := eventTemplate(99, fields)
	ev := oneEvent(t, tm, vals)
	got := map[string][]string{}
	for _, f := range ev.Data {
		got[f.Name] = append(got[f.Name], f.Value)
	}
	for _, c := range cases {
		if !slices.Equal(got[c.name], c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got[c.name], c.want)
		}
	}
	if f := Flatten(ev); !slices.Equal(f["StringArray"].([]string), []string{"a", "bc"}) {
		t.Errorf("Flatten of a repeated name: %#v", f["StringArray"])
	}
}

// TestValueMisfit checks that a value whose size does not fit its type
// shows as hex rather than failing the event.
func TestValueMisfit(t *testing.T) {
	for _, c := range []struct {
		typ  byte
		data []byte
		want string
	}{
		{typeUint32, []byte{1, 2}, "0102"},
		{typeSID, []byte{1, 5, 0}, "010500"},
		{typeArray | typeUint32, []byte{1, 2, 3}, "010203"},
	} {
		items, err := valueItems(c.typ, c.data)
		if err == nil || len(items) != 1 || items[0] != c.want {
			t.Errorf("type 0x%02x % x: %q, %v", c.typ, c.data, items, err)
		}
	}
	if filetime(0).Year() != 1601 {
		t.Errorf("FILETIME 0 = %v", filetime(0))
	}
}
