package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/khien-project/khien/internal/app"
	"github.com/khien-project/khien/internal/engine/webscan"
)

func scanCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scan URL | --har FILE [--json] [--timeout D] [--ca-file PEM] [--allow-private] [--lang vi|en]",
		Short: "Assess a web site's security headers, cookies and redirects",
		Long: `Assess a site the way the MDN HTTP Observatory scores it (CSP, cookies,
CORS, redirection, Referrer-Policy, HSTS, SRI, X-Content-Type-Options,
X-Frame-Options, COOP, COEP, CORP), plus whether it answers over HTTPS
with a trusted certificate. Give a URL to scan the live site (private,
loopback and link-local addresses are refused unless --allow-private or the
scan.allow_private option), or --har FILE to assess offline the responses a
browser captured (developer tools, Network tab, "Save all as HAR").
The exit status is 0 whenever the assessment ran, whatever the grade.`,
		Args: cobra.MaximumNArgs(1),
	}
	var harFile, lang, caFile, dnsServer string
	var asJSON, allowPrivate bool
	var timeout time.Duration
	cmd.Flags().StringVar(&harFile, "har", "", "HTTP Archive (HAR) file to assess offline")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "bound on the whole live scan")
	cmd.Flags().StringVar(&dnsServer, "dns", "", "DNS server (host:port) for the DNS and mail checks (default: the system's)")
	cmd.Flags().StringVar(&caFile, "ca-file", "", "PEM file of extra certificate authorities to trust (an internal CA)")
	cmd.Flags().BoolVar(&allowPrivate, "allow-private", false, "let the scan reach private, loopback and link-local addresses (env KHIEN_SCAN_ALLOW_PRIVATE)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as one JSON object")
	cmd.Flags().StringVar(&lang, "lang", "vi", "language of the text report: vi or en")
	resolve := options(cmd, "scan.allow_private")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if lang != "vi" && lang != "en" {
			return fmt.Errorf("--lang: %q is not vi or en", lang)
		}
		v, err := resolve()
		if err != nil {
			return err
		}
		var rep webscan.Report
		switch {
		case harFile != "" && len(args) == 1:
			return errors.New("give a URL or --har FILE, not both")
		case harFile != "":
			rep, err = app.ScanHAR(harFile)
		case len(args) == 1:
			rep, err = app.ScanURL(cmd.Context(), args[0], app.ScanOptions{Timeout: timeout, CAFile: caFile, DNSServer: dnsServer, AllowPrivate: allowPrivate || v.Bool("scan.allow_private")})
		default:
			return errors.New("give a URL to scan, or --har FILE")
		}
		var unreachable *webscan.UnreachableError
		if errors.As(err, &unreachable) {
			return errors.New(unreachable.Message(lang))
		}
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

// resultMark: a failed check is "KHÔNG ĐẠT" (not met); "LỖI" is kept for
// a check that could not run, which is what the word reads as.
var resultMark = map[string]string{webscan.Pass: "ĐẠT", webscan.Fail: "KHÔNG ĐẠT", webscan.Warn: "LƯU Ý", webscan.Info: "THÔNG TIN", webscan.Error: "LỖI"}
var resultMarkEN = map[string]string{webscan.Pass: "PASS", webscan.Fail: "FAIL", webscan.Warn: "WARN", webscan.Info: "INFO", webscan.Error: "ERROR"}

func printReport(w io.Writer, rep webscan.Report, lang string) {
	if lang == "en" {
		fmt.Fprintf(w, "%s\nGrade %s, score %d (%d ms)\n\n", rep.URL, rep.Grade, rep.Score, rep.DurationMS)
	} else {
		fmt.Fprintf(w, "%s\nXếp loại %s, điểm %d (%d ms)\n\n", rep.URL, rep.Grade, rep.Score, rep.DurationMS)
	}
	marks := resultMark
	if lang == "en" {
		marks = resultMarkEN
	}
	width := 0
	for _, m := range marks {
		width = max(width, utf8.RuneCountInString(m)+2)
	}
	ipTarget := false
	if u, err := url.Parse(rep.URL); err == nil {
		_, perr := netip.ParseAddr(u.Hostname())
		ipTarget = perr == nil
	}
	for _, c := range rep.Checks {
		if ipTarget && c.Result == webscan.Info && (strings.HasPrefix(c.ID, "dns.") || strings.HasPrefix(c.ID, "email.")) {
			continue // an address has no domain to look up
		}
		mark, title, fix := resultMark[c.Result], c.Title, c.Remediation
		if lang == "en" {
			mark, title, fix = resultMarkEN[c.Result], c.TitleEN, c.RemediationEN
		}
		mod := ""
		if c.ScoreModifier != nil {
			mod = fmt.Sprintf(" %+d", *c.ScoreModifier)
		}
		pad := strings.Repeat(" ", width+1)
		label := "[" + mark + "]"
		fmt.Fprintf(w, "%s%s %-32s %s%s\n", label, strings.Repeat(" ", width-utf8.RuneCountInString(label)), c.ID, title, mod)
		if c.Result == webscan.Fail || c.Result == webscan.Warn {
			if c.Evidence != "" {
				fmt.Fprintf(w, "%s%s\n", pad, strings.ReplaceAll(c.Evidence, "\n", "\n"+pad))
			}
			fmt.Fprintf(w, "%s→ %s\n", pad, fix)
		}
	}
}
