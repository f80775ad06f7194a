package vuln

import (
	"archive/zip"
	"fmt"
	"io"
	"path"
	"strings"
)

// ReadOSV reads one OSV record (JSON object), or an error naming the
// position when it is malformed.
func ReadOSV(r io.Reader) (Advisory, error) {
	s := newJSONStream("OSV", r)
	var a Advisory
	if err := s.decode(&a); err != nil {
		return Advisory{}, err
	}
	if err := s.end(); err != nil {
		return Advisory{}, err
	}
	if err := checkOSV(a); err != nil {
		return Advisory{}, err
	}
	return a, nil
}

func checkOSV(a Advisory) error {
	if a.ID == "" {
		return fmt.Errorf("OSV: the record has no \"id\"")
	}
	for _, af := range a.Affected {
		for _, rg := range af.Ranges {
			for _, e := range rg.Events {
				n := 0
				for _, v := range []string{e.Introduced, e.Fixed, e.LastAffected, e.Limit} {
					if v != "" {
						n++
					}
				}
				if n != 1 {
					return fmt.Errorf("OSV %s: a range event must have exactly one of introduced, fixed, last_affected, limit", a.ID)
				}
			}
		}
	}
	return nil
}

// MaxZipEntries bounds the number of files read from an OSV zip.
const MaxZipEntries = 2_000_000

// ReadOSVZip reads every *.json record in a zip of an OSV ecosystem (as
// published at osv-vulnerabilities.storage.googleapis.com), or none when one
// of them is malformed.
func ReadOSVZip(r io.ReaderAt, size int64) ([]Advisory, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("OSV zip: %w", err)
	}
	if len(zr.File) > MaxZipEntries {
		return nil, fmt.Errorf("OSV zip: %d files, more than %d", len(zr.File), MaxZipEntries)
	}
	var out []Advisory
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !strings.EqualFold(path.Ext(f.Name), ".json") {
			continue
		}
		if f.UncompressedSize64 > MaxRecordBytes {
			return nil, fmt.Errorf("OSV zip: %s: %w", f.Name, ErrRecordTooLarge)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("OSV zip: %s: %w", f.Name, err)
		}
		a, err := ReadOSV(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("OSV zip: %s: %w", f.Name, err)
		}
		out = append(out, a)
	}
	return out, nil
}
