package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/khien-project/khien/internal/app"
)

// importText holds the texts of rules import: {Vietnamese, English}.
var importText = map[string][2]string{
	"summary": {"Đã nhập gói %q: %d quy tắc, %d lỗi.\n", "Imported pack %q: %d rules, %d failed.\n"},
	"failed":  {"có %d quy tắc lỗi (đã lưu, không chạy)", "%d rule(s) failed (stored, not run)"},
}

func it(lang, key string) string {
	if lang == "en" {
		return importText[key][1]
	}
	return importText[key][0]
}

func rulesImportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import PATH [--name NAME] [--data DIR] [--lang vi|en]",
		Short: "Import a Sigma rule pack (folder, zip, tar.gz or one YAML file) into the platform",
		Long: `Store the Sigma rules of PATH (a folder of .yml/.yaml files, a zip or
tar.gz of them, or one YAML file) as a rule pack of the platform whose
data is in --data (or --db). A pack imported again under the same name
replaces its rules; rules keep being enabled or disabled by their id.
Rules that fail to load or compile are stored with their error, listed
here, and not run. Running servers and workers pick the new rules up by
themselves. The exit status is 1 when some rule failed.`,
		Args: cobra.ExactArgs(1),
	}
	var name, lang string
	cmd.Flags().StringVar(&name, "name", "", "name of the pack (default: the folder's or file's name)")
	cmd.Flags().StringVar(&lang, "lang", "vi", "language of the summary: vi or en")
	resolve := options(cmd, append([]string{"data", "db"}, app.AuditKeyOptions...)...)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := checkLang(lang); err != nil {
			return err
		}
		v, err := resolve()
		if err != nil {
			return err
		}
		res, err := app.ImportRules(cmd.Context(), v.String("db"), app.AuditKeySource(v, true), name, args[0])
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		for _, e := range res.Errors {
			fmt.Fprintln(out, e)
		}
		fmt.Fprintf(out, it(lang, "summary"), res.Pack.Name, res.Pack.Rules, res.Pack.Errors)
		if res.Pack.Errors > 0 {
			return fmt.Errorf(it(lang, "failed"), res.Pack.Errors)
		}
		return nil
	}
	return cmd
}
