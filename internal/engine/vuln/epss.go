package vuln

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ReadEPSS reads a FIRST EPSS file (cve,epss,percentile CSV, gzipped or
// not, with its optional "#model_version:…" comment line). It returns the
// scores and the comment's model version; nothing on error.
func ReadEPSS(r io.Reader) (map[string]EPSSScore, string, error) {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, "", fmt.Errorf("EPSS: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	model := ""
	if first, _ := br.Peek(1); len(first) == 1 && first[0] == '#' {
		line, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, "", fmt.Errorf("EPSS: %w", err)
		}
		for _, kv := range strings.Split(strings.TrimSpace(line[1:]), ",") {
			if k, v, ok := strings.Cut(kv, ":"); ok && k == "model_version" {
				model = v
			}
		}
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = 3
	head, err := cr.Read()
	if err != nil {
		return nil, "", fmt.Errorf("EPSS: no header line: %w", err)
	}
	if strings.TrimSpace(head[0]) != "cve" || strings.TrimSpace(head[1]) != "epss" || strings.TrimSpace(head[2]) != "percentile" {
		return nil, "", errors.New("EPSS: the header is not cve,epss,percentile")
	}
	out := map[string]EPSSScore{}
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return out, model, nil
		}
		if err != nil {
			return nil, "", fmt.Errorf("EPSS: %w", err)
		}
		line, _ := cr.FieldPos(0)
		p, err1 := strconv.ParseFloat(row[1], 64)
		q, err2 := strconv.ParseFloat(row[2], 64)
		if err1 != nil || err2 != nil || p < 0 || p > 1 || q < 0 || q > 1 || !strings.HasPrefix(strings.ToUpper(row[0]), "CVE-") {
			return nil, "", fmt.Errorf("EPSS: line %d: want CVE id, probability and percentile between 0 and 1", line)
		}
		out[strings.ToUpper(row[0])] = EPSSScore{Probability: p, Percentile: q}
	}
}
