package alert

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/khien-project/khien/internal/platform/store"
)

// File is one YAML file of a pack, named by its path inside the pack.
type File struct {
	Name string
	Data []byte
}

// Limits of an imported pack.
const (
	MaxPackBytes = 64 << 20 // the upload or the sum of its files, unpacked
	MaxPackFiles = 20_000
	maxFileBytes = 4 << 20
)

var errPackTooLarge = store.NewKind(fmt.Sprintf("alert: the rule pack is larger than %d MiB or %d files", MaxPackBytes>>20, MaxPackFiles), store.ErrInvalid)

func isYAML(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".yml" || ext == ".yaml"
}

// ReadDir reads the YAML files under dir (the CLI's import).
func ReadDir(dir string) ([]File, error) {
	var out []File
	total := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !isYAML(p) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		total += len(data)
		if total > MaxPackBytes || len(out) >= MaxPackFiles {
			return errPackTooLarge
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, File{Name: filepath.ToSlash(rel), Data: data})
		return nil
	})
	return out, err
}

// ReadUpload reads an uploaded pack: a zip or gzip-compressed tar of YAML
// files, or one YAML file (name is the upload's file name).
func ReadUpload(name string, data []byte) ([]File, error) {
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return readZip(data)
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		return readTarGz(data)
	}
	if len(data) > maxFileBytes {
		return nil, errPackTooLarge
	}
	if name == "" || !isYAML(name) {
		name = "rule.yml"
	}
	return []File{{Name: path.Base(name), Data: data}}, nil
}

func readZip(data []byte) ([]File, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, store.NewKind("alert: the zip file cannot be read", store.ErrInvalid)
	}
	var out []File
	total := 0
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !isYAML(f.Name) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, store.NewKind("alert: a file of the zip cannot be read", store.ErrInvalid)
		}
		b, err := readLimited(rc, &total)
		rc.Close()
		if err != nil {
			return nil, err
		}
		if len(out) >= MaxPackFiles {
			return nil, errPackTooLarge
		}
		out = append(out, File{Name: f.Name, Data: b})
	}
	return out, nil
}

func readTarGz(data []byte) ([]File, error) {
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, store.NewKind("alert: the tar.gz file cannot be read", store.ErrInvalid)
	}
	tr := tar.NewReader(gz)
	var out []File
	total := 0
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, store.NewKind("alert: the tar.gz file cannot be read", store.ErrInvalid)
		}
		if h.Typeflag != tar.TypeReg || !isYAML(h.Name) {
			continue
		}
		b, err := readLimited(tr, &total)
		if err != nil {
			return nil, err
		}
		if len(out) >= MaxPackFiles {
			return nil, errPackTooLarge
		}
		out = append(out, File{Name: strings.TrimPrefix(h.Name, "./"), Data: b})
	}
}

// readLimited reads one file, counting toward the pack's total (a zip
// bomb stops at the limit).
func readLimited(r io.Reader, total *int) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return nil, store.NewKind("alert: a file of the pack cannot be read", store.ErrInvalid)
	}
	*total += len(b)
	if len(b) > maxFileBytes || *total > MaxPackBytes {
		return nil, errPackTooLarge
	}
	return b, nil
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*\r?\n`)

// splitDocuments cuts a YAML file into its documents (Sigma puts a
// correlation rule and its base rules in one file), each kept as text.
func splitDocuments(data []byte) []string {
	var out []string
	for _, d := range docSeparator.Split(string(data), -1) {
		if strings.TrimSpace(stripComments(d)) != "" {
			out = append(out, d)
		}
	}
	return out
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
