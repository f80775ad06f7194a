package logstream

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/engine/normalize"
)

func sampleRecord() Record {
	ev := normalize.Normalize(normalize.Input{Kind: normalize.KindLine,
		Body: `203.0.113.7 - - [01/Dec/2026:08:00:00 +0700] "GET /wp-login.php?x=1 HTTP/1.1" 404 153 "-" "curl/8.5"`})
	r := FromEvent(ev)
	r.ID, r.AgencyID, r.SystemID = "id-1", 7, 42
	r.Receiver, r.Sender = ReceiverSyslogTCP, "192.0.2.10"
	r.Received = time.Date(2026, 12, 1, 1, 0, 0, 123, time.UTC)
	r.Fields["x.list"] = []any{"a", int64(-3), 2.5, true, nil, map[string]any{"k": "v", "n": int64(1)}}
	r.Fields["x.float"] = math.Inf(1)
	r.Fields["x.false"] = false
	r.Fields["x.utf8"] = "Sở Khoa học và Công nghệ \x00"
	r.Categories = []string{"webserver"}
	return r
}

// messageOf is the bytes Publish would send for recs in one message.
func messageOf(t testing.TB, recs ...Record) []byte {
	buf := append([]byte(nil), magic...)
	for i := range recs {
		one, err := appendRecord(nil, &recs[i])
		if err != nil {
			t.Fatal(err)
		}
		buf = binary.AppendUvarint(buf, uint64(len(one)))
		buf = append(buf, one...)
	}
	return buf
}

// A record comes back as it went, every value with its type (an int64
// stays an int64, as JSON would not keep it).
func TestCodecRoundTrip(t *testing.T) {
	in := sampleRecord()
	empty := Record{ID: "e"}
	recs, bad := Decode(messageOf(t, in, empty))
	if bad != 0 || len(recs) != 2 {
		t.Fatalf("%d records, %d bad", len(recs), bad)
	}
	in.Time = in.Time.UTC() // the instant travels, read back in UTC
	if !reflect.DeepEqual(recs[0], in) {
		t.Errorf("round trip:\n got %#v\nwant %#v", recs[0], in)
	}
	if recs[1].ID != "e" || len(recs[1].Fields) != 0 || !recs[1].Time.IsZero() {
		t.Errorf("empty record: %#v", recs[1])
	}
	if _, ok := recs[0].Fields["http.response.status_code"].(int64); !ok {
		t.Errorf("status code: %T", recs[0].Fields["http.response.status_code"])
	}
	if _, err := appendRecord(nil, &Record{Fields: map[string]any{"x": struct{}{}}}); err == nil {
		t.Error("a value of an unknown type was written")
	}
}

// Every cut of a message reads the whole records before the cut and
// counts the rest as bad; nothing panics or invents a record.
func TestCodecTruncated(t *testing.T) {
	a, b := sampleRecord(), sampleRecord()
	b.ID = "id-2"
	msg := messageOf(t, a, b)
	firstEnd := len(messageOf(t, a))
	for cut := len(magic); cut < len(msg); cut++ {
		recs, bad := Decode(msg[:cut])
		want := 0
		if cut >= firstEnd {
			want = 1
		}
		if len(recs) != want || (cut != firstEnd && cut != len(magic) && bad == 0) {
			t.Fatalf("cut at %d of %d: %d records, %d bad", cut, len(msg), len(recs), bad)
		}
	}
}

// Lines of JSON, as messages were before the binary format, still read.
func TestCodecReadsJSONLines(t *testing.T) {
	r := sampleRecord()
	delete(r.Fields, "x.float") // JSON has no infinity
	line, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	recs, bad := Decode(append(append(line, '\n'), line...))
	if bad != 0 || len(recs) != 2 || recs[1].ID != "id-1" {
		t.Fatalf("%d records, %d bad", len(recs), bad)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(messageOf(f, sampleRecord()))
	f.Add([]byte("KLR1\x05\x01a"))
	f.Add([]byte(`{"id":"x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, _ := Decode(data)
		for i := range recs {
			// What decodes encodes again and reads back the same.
			again, bad := Decode(messageOf(t, recs[i]))
			if bad != 0 || len(again) != 1 || again[0].ID != recs[i].ID || len(again[0].Fields) != len(recs[i].Fields) {
				t.Fatalf("re-encoding %q: %d records, %d bad", recs[i].ID, len(again), bad)
			}
		}
	})
}

// BenchmarkCodec compares the record codec with encoding/json on the same
// record, both ways.
func BenchmarkCodec(b *testing.B) {
	r := sampleRecord()
	b.Run("binary", func(b *testing.B) {
		var buf []byte
		for i := 0; i < b.N; i++ {
			buf, _ = appendRecord(buf[:0], &r)
			if _, err := readRecord(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
	delete(r.Fields, "x.float")
	b.Run("json", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			buf, _ := json.Marshal(&r)
			var back Record
			if err := json.Unmarshal(buf, &back); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Records of several agencies interleaved in one Publish go agency by
// agency, each agency's in its order.
func TestByAgencyGroupsInterleavedAgencies(t *testing.T) {
	mk := func(agencies ...int64) []Record {
		out := make([]Record, len(agencies))
		for i, a := range agencies {
			out[i] = Record{AgencyID: a}
		}
		return out
	}
	for _, c := range []struct {
		in   []int64
		want []int
	}{
		{nil, []int{}},
		{[]int64{1}, []int{0}},
		{[]int64{1, 1, 1}, []int{0, 1, 2}},
		{[]int64{1, 2, 1, 2}, []int{0, 2, 1, 3}},
		{[]int64{3, 3, 1, 3, 2, 1}, []int{0, 1, 3, 2, 5, 4}},
	} {
		got := byAgency(mk(c.in...))
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("byAgency(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
