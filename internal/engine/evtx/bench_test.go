package evtx

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"testing"
)

// benchFile is a generated file of about 10 MB: Sysmon 1 and Security
// 4624, 4688 and 1102 events in turn.
var benchFile = sync.OnceValue(func() []byte { return mixedFile(12000, false) })

// BenchmarkRead reads every event of the 10 MB file and reports records/s.
func BenchmarkRead(b *testing.B) {
	data := benchFile()
	b.SetBytes(int64(len(data)))
	records := 0
	for b.Loop() {
		r, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			records++
		}
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkReadFlatten adds Flatten, as a Sigma triage run does.
func BenchmarkReadFlatten(b *testing.B) {
	data := benchFile()
	records := 0
	for b.Loop() {
		r, _ := Open(bytes.NewReader(data), int64(len(data)))
		for {
			ev, err := r.Next()
			if err != nil {
				break
			}
			_ = Flatten(ev)
			records++
		}
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}
