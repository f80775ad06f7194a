package vuln

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Kind is a kind of feed file, told from its content.
type Kind string

// The feed kinds Detect tells apart.
const (
	KindUnknown Kind = ""
	KindNVD     Kind = "nvd"
	KindCVE5    Kind = "cve5"
	KindOSV     Kind = "osv"
	KindOSVZip  Kind = "osv-zip"
	KindKEV     Kind = "kev"
	KindKEVCSV  Kind = "kev-csv"
	KindEPSS    Kind = "epss"
	KindGzip    Kind = "gzip"
)

// Detect tells the kind of a feed file from its first bytes (64 KiB are
// enough). A gzip file is KindGzip: decompress and detect again (EPSS
// files are read gzipped directly).
func Detect(head []byte) Kind {
	h := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return KindGzip
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return KindOSVZip
	case bytes.HasPrefix(h, []byte("#model_version")), bytes.HasPrefix(h, []byte("cve,epss")):
		return KindEPSS
	case bytes.HasPrefix(h, []byte("cveID,")), bytes.HasPrefix(h, []byte(`"cveID",`)):
		return KindKEVCSV
	case !bytes.HasPrefix(h, []byte("{")):
		return KindUnknown
	case bytes.Contains(h, []byte(`"cveMetadata"`)):
		return KindCVE5
	case bytes.Contains(h, []byte(`"catalogVersion"`)), bytes.Contains(h, []byte(`"cveID"`)):
		return KindKEV
	case bytes.Contains(h, []byte(`"vulnStatus"`)), bytes.Contains(h, []byte(`"NVD_CVE"`)), bytes.Contains(h, []byte(`"configurations"`)), bytes.Contains(h, []byte(`"sourceIdentifier"`)):
		return KindNVD
	case bytes.Contains(h, []byte(`"affected"`)), bytes.Contains(h, []byte(`"schema_version"`)), bytes.Contains(h, []byte(`"modified"`)):
		return KindOSV
	}
	return KindUnknown
}

// LoadDir reads a feed directory laid out as `khien vuln match --feeds`
// expects: nvd/*.json (NVD or CVE JSON 5, optionally .json.gz),
// osv/*.json and osv/*.zip, and at the top kev.json or kev.csv and an EPSS
// file (*.csv or *.csv.gz). A record seen twice keeps its newest version.
// Any malformed file fails the whole load, naming the file.
func LoadDir(fsys fs.FS) (*Feeds, error) {
	f := &Feeds{KEV: map[string]KEVEntry{}, EPSS: map[string]EPSSScore{}}
	nvd, osv := map[string]Record{}, map[string]Advisory{}
	err := eachFile(fsys, "nvd", func(name string, r io.Reader) error {
		r, err := gunzip(r)
		if err != nil {
			return err
		}
		return ParseNVD(r, func(rec Record) error {
			if old, ok := nvd[rec.ID]; !ok || rec.Modified > old.Modified {
				nvd[rec.ID] = rec
			}
			return nil
		})
	})
	if err == nil {
		err = eachFile(fsys, "osv", func(name string, r io.Reader) error {
			var as []Advisory
			if strings.EqualFold(path.Ext(name), ".zip") {
				var err error
				if as, err = readZipFile(fsys, name, r); err != nil {
					return err
				}
			} else {
				a, err := ReadOSV(r)
				if err != nil {
					return err
				}
				as = []Advisory{a}
			}
			for _, a := range as {
				if old, ok := osv[a.ID]; !ok || a.Modified > old.Modified {
					osv[a.ID] = a
				}
			}
			return nil
		})
	}
	if err == nil {
		err = eachFile(fsys, ".", func(name string, r io.Reader) error { return loadTop(f, name, r) })
	}
	if err != nil {
		return nil, err
	}
	for _, id := range sortedKeys(nvd) {
		f.Records = append(f.Records, nvd[id])
	}
	for _, id := range sortedKeys(osv) {
		f.Advisories = append(f.Advisories, osv[id])
	}
	return f, nil
}

func loadTop(f *Feeds, name string, r io.Reader) error {
	low := strings.ToLower(name)
	if !strings.HasSuffix(low, ".json") && !strings.HasSuffix(low, ".csv") && !strings.HasSuffix(low, ".csv.gz") {
		return nil
	}
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(64 << 10)
	switch Detect(head) {
	case KindKEV:
		kev, err := ReadKEV(br)
		if err != nil {
			return err
		}
		mergeKEV(f, kev)
	case KindKEVCSV:
		kev, err := ReadKEVCSV(br)
		if err != nil {
			return err
		}
		mergeKEV(f, kev)
	case KindEPSS, KindGzip:
		scores, model, err := ReadEPSS(br)
		if err != nil {
			return err
		}
		for k, v := range scores {
			f.EPSS[k] = v
		}
		f.EPSSModel = model
	}
	return nil
}

func mergeKEV(f *Feeds, kev map[string]KEVEntry) {
	for k, v := range kev {
		f.KEV[k] = v
	}
}

// eachFile calls fn for each regular file directly in dir (sorted), a
// missing dir being empty; an error names the file.
func eachFile(fsys fs.FS, dir string, fn func(name string, r io.Reader) error) error {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		if dir != "." && isNotExist(err) {
			return nil
		}
		return err
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		name := path.Join(dir, e.Name())
		if dir != "." && !strings.HasSuffix(strings.ToLower(name), ".json") && !strings.HasSuffix(strings.ToLower(name), ".json.gz") && !strings.HasSuffix(strings.ToLower(name), ".zip") {
			continue
		}
		if err := readFile(fsys, name, fn); err != nil {
			return err
		}
	}
	return nil
}

func readFile(fsys fs.FS, name string, fn func(name string, r io.Reader) error) error {
	fh, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer fh.Close()
	if err := fn(name, bufio.NewReaderSize(fh, 64<<10)); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// gunzip decompresses r when it starts with the gzip magic.
func gunzip(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	if m, _ := br.Peek(2); len(m) == 2 && m[0] == 0x1f && m[1] == 0x8b {
		return gzip.NewReader(br)
	}
	return br, nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// readZipFile reads an OSV zip through the file's ReaderAt when it has one
// (an os.DirFS file does), so the zip is not held in memory.
func readZipFile(fsys fs.FS, name string, r io.Reader) ([]Advisory, error) {
	fh, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	if ra, ok := fh.(io.ReaderAt); ok {
		if st, err := fh.Stat(); err == nil {
			return ReadOSVZip(ra, st.Size())
		}
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return ReadOSVZip(bytes.NewReader(b), int64(len(b)))
}
