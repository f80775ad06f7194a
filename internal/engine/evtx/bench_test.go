//go:build unix

package evtx

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"syscall"
	"testing"
	"time"
)

// benchFile is a generated file of about 10 MB: Sysmon 1 and Security
// 4624, 4688 and 1102 events in turn.
var benchFile = sync.OnceValue(func() []byte { return mixedFile(12000, false) })

// cpuTime is the CPU time (user and system) the process has used: on a
// shared machine, records per CPU second say more than per wall second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRead reads every event of the 10 MB file and reports records
// per wall second and per CPU second.
func BenchmarkRead(b *testing.B) {
	data := benchFile()
	b.SetBytes(int64(len(data)))
	records := 0
	cpu := cpuTime()
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
	b.ReportMetric(float64(records)/(cpuTime()-cpu).Seconds(), "records/cpu-s")
}

// BenchmarkReadFlatten adds Flatten, as a Sigma triage run does.
func BenchmarkReadFlatten(b *testing.B) {
	data := benchFile()
	records := 0
	cpu := cpuTime()
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
	b.ReportMetric(float64(records)/(cpuTime()-cpu).Seconds(), "records/cpu-s")
}
