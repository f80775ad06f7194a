package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/spf13/cobra"

	"github.com/khien-project/khien/internal/engine/vuln"
)

// vulnText holds the person-readable texts of the vuln commands:
// {Vietnamese, English}.
var vulnText = map[string][2]string{
	"need":      {"cần --inventory TỆP và --feeds THƯ_MỤC", "--inventory FILE and --feeds DIR are required"},
	"inventory": {"không đọc được tệp danh mục phần mềm %s: %v", "cannot read the inventory file %s: %v"},
	"inv_shape": {"tệp danh mục phần mềm %s phải là một mảng JSON các đối tượng {\"system\",\"name\",\"version\",\"cpe\",\"purl\"}: %v", "the inventory file %s must be a JSON array of {\"system\",\"name\",\"version\",\"cpe\",\"purl\"} objects: %v"},
	"inv_entry": {"mục %d của danh mục thiếu \"system\" hoặc \"name\"", "inventory entry %d has no \"system\" or \"name\""},
	"feeds":     {"không đọc được nguồn cảnh báo trong %s: %v", "cannot read the feeds in %s: %v"},
	"match":     {"không đối chiếu được: %v", "cannot match: %v"},
	"summary":   {"Đã đối chiếu %d thành phần với %d bản ghi NVD và %d bản ghi OSV: %d kết quả.\n", "Matched %d components against %d NVD and %d OSV records: %d matches.\n"},
}

func vt(lang, key string) string {
	if lang == "en" {
		return vulnText[key][1]
	}
	return vulnText[key][0]
}

// vulnCmd groups the vulnerability commands.
func vulnCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "vuln", Short: "Match software inventories against vulnerability feeds (NVD, OSV, KEV, EPSS)"}
	cmd.AddCommand(vulnMatchCmd(), vulnImportCmd())
	return cmd
}

// vulnMatch is one line of `khien vuln match --json`.
type vulnMatch struct {
	System  string   `json:"system"`
	Name    string   `json:"name"`
	Version string   `json:"version"`
	ID      string   `json:"id"`
	Source  string   `json:"source"`
	Aliases []string `json:"aliases,omitempty"`
	vuln.Assessment
}

func vulnMatchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "match --inventory FILE --feeds DIR [--json] [--lang vi|en]",
		Short: "Match an inventory file against feed files, offline",
		Long: `Run the vulnerability matcher offline, as the platform does. FILE is a
JSON array of {"system","name","version","cpe","purl"} (cpe and purl
optional). DIR holds nvd/*.json (NVD CVE API 2.0 or CVE JSON 5), osv/*.json
or osv/*.zip (OSV), and optionally kev.json (or kev.csv) and an EPSS CSV.
Prints one line per match, sorted: system<TAB>name@version<TAB>ID; with
--json one JSON object per line with the priority and its reasons.
The exit status is 0 whenever the matching ran.`,
		Args: cobra.NoArgs,
	}
	var inventory, feeds, lang string
	var asJSON bool
	cmd.Flags().StringVar(&inventory, "inventory", "", "inventory file (JSON array of components)")
	cmd.Flags().StringVar(&feeds, "feeds", "", "directory of feed files (nvd/, osv/, kev.json, EPSS CSV)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per match, with priority and reasons")
	cmd.Flags().StringVar(&lang, "lang", "vi", "language of messages: vi or en")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := checkLang(lang); err != nil {
			return err
		}
		if inventory == "" || feeds == "" {
			return errors.New(vt(lang, "need"))
		}
		comps, err := readInventory(inventory, lang)
		if err != nil {
			return err
		}
		f, err := vuln.LoadDir(os.DirFS(feeds))
		if err != nil {
			return fmt.Errorf(vt(lang, "feeds"), feeds, err)
		}
		hits, err := vuln.NewIndex(f.Records, f.Advisories, nil).Match(comps)
		if err != nil {
			return fmt.Errorf(vt(lang, "match"), err)
		}
		n, err := printMatches(cmd.OutOrStdout(), comps, hits, vuln.NewAssessor(f, vuln.DefaultPriorityRules), asJSON)
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.ErrOrStderr(), vt(lang, "summary"), len(comps), len(f.Records), len(f.Advisories), n)
		return nil
	}
	return cmd
}

func readInventory(path, lang string) ([]vuln.Component, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf(vt(lang, "inventory"), path, errors.Unwrap(err))
	}
	var comps []vuln.Component
	if err := json.Unmarshal(b, &comps); err != nil {
		return nil, fmt.Errorf(vt(lang, "inv_shape"), path, err)
	}
	for i, c := range comps {
		if c.System == "" || c.Name == "" {
			return nil, fmt.Errorf(vt(lang, "inv_entry"), i+1)
		}
	}
	return comps, nil
}

// printMatches writes the matches, unique and sorted by their text line,
// and returns how many it wrote.
func printMatches(w io.Writer, comps []vuln.Component, hits []vuln.Hit, as *vuln.Assessor, asJSON bool) (int, error) {
	lines := map[string]vuln.Hit{}
	for _, h := range hits {
		c := comps[h.Component]
		lines[c.System+"\t"+c.Name+"@"+c.Version+"\t"+h.ID] = h
	}
	keys := make([]string, 0, len(lines))
	for k := range lines {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, k := range keys {
		if !asJSON {
			if _, err := fmt.Fprintln(w, k); err != nil {
				return 0, err
			}
			continue
		}
		h := lines[k]
		c := comps[h.Component]
		m := vulnMatch{System: c.System, Name: c.Name, Version: c.Version, ID: h.ID, Assessment: as.Assess(h)}
		if h.Record != nil {
			m.Source = h.Record.Source
		}
		if h.Advisory != nil {
			m.Source, m.Aliases = "osv", h.Advisory.Aliases
		}
		if err := enc.Encode(m); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}
