package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/khien-project/khien/internal/app"
	"github.com/khien-project/khien/internal/webscan"
)

func scanCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scan --har FILE [--json] [--lang vi|en]",
		Short: "Assess a web site's security headers, cookies and redirects",
		Long: `Assess a site the way the MDN HTTP Observatory scores it (CSP, cookies,
CORS, redirection, Referrer-Policy, HSTS, SRI, X-Content-Type-Options,
X-Frame-Options, COOP, COEP, CORP), offline, from the responses a browser
captured in an HTTP Archive (HAR) file: in the browser's developer tools,
Network tab, "Save all as HAR". Live scanning of a URL is not built yet.
The exit status is 0 whenever the assessment ran, whatever the grade.`,
		Args: cobra.MaximumNArgs(1),
	}
	var harFile, lang string
	var asJSON bool
	cmd.Flags().StringVar(&harFile, "har", "", "HTTP Archive (HAR) file to assess offline")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as one JSON object")
	cmd.Flags().StringVar(&lang, "lang", "vi", "language of the text report: vi or en")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if harFile == "" {
			if len(args) == 1 {
				return errors.New("live scanning of a URL is not available yet; save the site's responses from a browser as a HAR file and run: khien scan --har FILE")
			}
			return errors.New("give --har FILE")
		}
		if lang != "vi" && lang != "en" {
			return fmt.Errorf("--lang: %q is not vi or en", lang)
		}
		rep, err := app.ScanHAR(harFile)
		if err != nil {
			return err
		}
		if asJSON {
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(rep)
		}
		printReport(cmd.OutOrStdout(), rep, lang)
		return nil
	}
	return cmd
}

var resultMark = map[string]string{webscan.Pass: "ĐẠT", webscan.Fail: "LỖI", webscan.Warn: "LƯU Ý", webscan.Info: "TIN", webscan.Error: "SAI"}
var resultMarkEN = map[string]string{webscan.Pass: "PASS", webscan.Fail: "FAIL", webscan.Warn: "WARN", webscan.Info: "INFO", webscan.Error: "ERROR"}

func printReport(w io.Writer, rep webscan.Report, lang string) {
	if lang == "en" {
		fmt.Fprintf(w, "%s\nGrade %s, score %d (%d ms)\n\n", rep.URL, rep.Grade, rep.Score, rep.DurationMS)
	} else {
		fmt.Fprintf(w, "%s\nXếp loại %s, điểm %d (%d ms)\n\n", rep.URL, rep.Grade, rep.Score, rep.DurationMS)
	}
	for _, c := range rep.Checks {
		mark, title, fix := resultMark[c.Result], c.Title, c.Remediation
		if lang == "en" {
			mark, title, fix = resultMarkEN[c.Result], c.TitleEN, c.RemediationEN
		}
		mod := ""
		if c.ScoreModifier != nil {
			mod = fmt.Sprintf(" %+d", *c.ScoreModifier)
		}
		fmt.Fprintf(w, "%-7s %-32s %s%s\n", "["+mark+"]", c.ID, title, mod)
		if c.Result == webscan.Fail || c.Result == webscan.Warn {
			if c.Evidence != "" {
				fmt.Fprintf(w, "        %s\n", strings.ReplaceAll(c.Evidence, "\n", "\n        "))
			}
			fmt.Fprintf(w, "        → %s\n", fix)
		}
	}
}
