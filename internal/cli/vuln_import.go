package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/khien-project/khien/internal/app"
	"github.com/khien-project/khien/internal/platform/access"
)

// vulnImportText holds the texts of `khien vuln import`: {Vietnamese, English}.
var vulnImportText = map[string][2]string{
	"need":    {"cần ít nhất một TỆP nguồn cảnh báo", "at least one feed FILE is required"},
	"open":    {"không mở được %s: %v", "cannot open %s: %v"},
	"failed":  {"%s: không nhập (không bản ghi nào của tệp được lưu): %v", "%s: not imported (nothing of the file was stored): %v"},
	"refused": {"%d trên %d tệp bị từ chối", "%d of %d files refused"},
	"done":    {"%s: nguồn %s (%s): thêm %d, thay %d, giữ nguyên %d; đối chiếu %d hệ thống: mở %d, mở lại %d, đóng %d phát hiện\n", "%s: source %s (%s): %d added, %d replaced, %d unchanged; %d systems matched: %d findings opened, %d reopened, %d fixed\n"},
}

func vit(lang, key string) string {
	if lang == "en" {
		return vulnImportText[key][1]
	}
	return vulnImportText[key][0]
}

func vulnImportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import [--data DIR | --db DB] FILE...",
		Short: "Import advisory feed files (NVD, CVE JSON 5, OSV, KEV, EPSS) into the platform's database",
		Long: `Import feed files into the database: NVD CVE API 2.0 JSON (one record,
a yearly or modified feed file, a saved API page; gzipped or not), CVE JSON
5 records, OSV records or zips of an ecosystem, the CISA KEV catalogue
(JSON or CSV) and FIRST EPSS scores (CSV, gzipped or not). The kind is told
from the content. Each file is one transaction: a truncated or malformed
file stores nothing. A record is replaced only by a copy with a newer
modified date, so importing a file again changes nothing. Every system is
matched again after a file that changed something. Works while serve runs.
The exit status is 1 when a file was refused.`,
		Args: cobra.ArbitraryArgs,
	}
	var lang string
	cmd.Flags().StringVar(&lang, "lang", "vi", "language of messages: vi or en")
	resolve := options(cmd, append([]string{"data", "db"}, app.AuditKeyOptions...)...)
	cmd.RunE = func(cmd *cobra.Command, files []string) error {
		if err := checkLang(lang); err != nil {
			return err
		}
		if len(files) == 0 {
			return fmt.Errorf("%s", vit(lang, "need"))
		}
		v, err := resolve()
		if err != nil {
			return err
		}
		svc, err := app.OpenPlatform(cmd.Context(), v.String("db"), app.PlatformConfig{AuditKey: app.AuditKeySource(v, true)})
		if err != nil {
			return err
		}
		defer svc.DB.Close()
		actor := access.System
		actor.Username = "cli"
		failed := 0
		for _, name := range files {
			f, err := os.Open(name)
			if err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), vit(lang, "open")+"\n", name, err)
				failed++
				continue
			}
			imp, err := svc.Vuln.ImportFeed(cmd.Context(), actor, filepath.Base(name), f)
			f.Close()
			if err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), vit(lang, "failed")+"\n", name, err)
				failed++
				continue
			}
			fmt.Fprintf(cmd.OutOrStdout(), vit(lang, "done"), name, imp.Source, imp.Kind, imp.Added, imp.Replaced, imp.Unchanged,
				imp.Findings.Systems, imp.Findings.Opened, imp.Findings.Reopened, imp.Findings.Fixed)
		}
		if failed > 0 {
			return fmt.Errorf(vit(lang, "refused"), failed, len(files))
		}
		return nil
	}
	return cmd
}
