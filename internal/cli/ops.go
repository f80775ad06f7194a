package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/khien-project/khien/internal/app"
	"github.com/khien-project/khien/internal/platform/audit"
)

func backupCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backup --out FILE",
		Short: "Write a consistent snapshot of the SQLite database while Khiên runs",
		Long: `Write a consistent snapshot of the live SQLite database to FILE (Khiên may
keep running). For PostgreSQL use pg_dump, as docs/operations.md explains.`,
		Args: cobra.NoArgs,
	}
	var out string
	cmd.Flags().StringVar(&out, "out", "", "file to write the snapshot to (must not exist)")
	resolve := options(cmd, "data", "db")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if out == "" {
			return errors.New("--out FILE is required")
		}
		v, err := resolve()
		if err != nil {
			return err
		}
		if err := app.Backup(cmd.Context(), v.String("db"), out); err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "backup written to %s\n", out)
		return nil
	}
	return cmd
}

func restoreCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "restore FILE",
		Short: "Replace the SQLite database with a snapshot (Khiên must be stopped)",
		Args:  cobra.ExactArgs(1),
	}
	resolve := options(cmd, "data", "db")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		v, err := resolve()
		if err != nil {
			return err
		}
		version, err := app.Restore(cmd.Context(), v.String("data"), v.String("db"), args[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "restored %s (schema version %d) into %s\n", args[0], version, v.String("db"))
		return nil
	}
	return cmd
}

func tokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	create := &cobra.Command{
		Use:   "create --user NAME [--label TEXT]",
		Short: "Create an API token for a user and print it (works while serve runs)",
		Args:  cobra.NoArgs,
	}
	var user, label string
	create.Flags().StringVar(&user, "user", "", "user name the token acts as")
	create.Flags().StringVar(&label, "label", "", "what the token is for")
	resolve := options(create, append([]string{"data", "db"}, app.AuditKeyOptions...)...)
	create.RunE = func(cmd *cobra.Command, _ []string) error {
		if user == "" {
			return errors.New("--user NAME is required")
		}
		v, err := resolve()
		if err != nil {
			return err
		}
		secret, err := app.CreateToken(cmd.Context(), v.String("db"), app.AuditKeySource(v, true), user, label)
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), secret)
		return nil
	}
	cmd.AddCommand(create)
	return cmd
}

// NewPasswordEnv holds the password `khien user reset-password` sets
// instead of a random one.
const NewPasswordEnv = "KHIEN_NEW_PASSWORD"

func userCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage user accounts"}
	reset := &cobra.Command{
		Use:   "reset-password --user NAME",
		Short: "Set a new password for a user and end their sessions and API tokens (works while serve runs)",
		Long: `Set a new password for the user called NAME (whatever its case): the
password in ` + NewPasswordEnv + ` (8 to 256 characters; not printed), or else a
random one printed once. Every session and API token of the user ends. The
change is in the audit log with actor "cli".`,
		Args: cobra.NoArgs,
	}
	var user string
	reset.Flags().StringVar(&user, "user", "", "user name whose password is reset")
	resolve := options(reset, append([]string{"data", "db"}, app.AuditKeyOptions...)...)
	reset.RunE = func(cmd *cobra.Command, _ []string) error {
		if user == "" {
			return errors.New("--user NAME is required")
		}
		v, err := resolve()
		if err != nil {
			return err
		}
		given := os.Getenv(NewPasswordEnv)
		password, err := app.ResetPassword(cmd.Context(), v.String("db"), app.AuditKeySource(v, true), user, given)
		if err != nil {
			return err
		}
		if given != "" {
			fmt.Fprintf(cmd.OutOrStdout(), "password of %s set from %s; their sessions and API tokens have ended\n", user, NewPasswordEnv)
			return nil
		}
		fmt.Fprintf(cmd.OutOrStdout(), "new password of %s (shown once; their sessions and API tokens have ended):\n%s\n", user, password)
		return nil
	}
	cmd.AddCommand(reset)
	return cmd
}

func auditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Work with the audit log"}
	cmd.AddCommand(auditVerifyCmd(), auditAnchorsCmd())
	return cmd
}

func auditVerifyCmd() *cobra.Command {
	verify := &cobra.Command{
		Use:   "verify [--anchors FILE]...",
		Short: "Check the audit log's keyed hash chain and its anchors (the database must be at this khien's schema); report the first broken link",
		Long: `Check every link of the audit log's chain with the audit key, and compare
the log with every anchor: those in the database, and those in the files
given by --anchors (anchors files, or JSON logs holding "audit anchor"
lines; by default the anchors file in the data folder, if there is one).
The exit status is 1 when an entry was altered or removed, or when the log
is shorter than an anchor records.`,
		Args: cobra.NoArgs,
	}
	var files []string
	verify.Flags().StringArrayVar(&files, "anchors", nil, "anchors file or JSON log to check the log against (repeatable)")
	resolve := options(verify, append([]string{"data", "db", "audit.anchors_file"}, app.AuditKeyOptions...)...)
	verify.RunE = func(cmd *cobra.Command, _ []string) error {
		v, err := resolve()
		if err != nil {
			return err
		}
		if len(files) == 0 {
			if _, err := os.Stat(v.String("audit.anchors_file")); err == nil {
				files = []string{v.String("audit.anchors_file")}
			}
		}
		r, err := app.VerifyAudit(cmd.Context(), v.String("db"), app.AuditKeySource(v, false), files)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if b := r.Broken; b != nil {
			fmt.Fprintf(out, "BROKEN: entry %d: %s (%d entries read)\n", b.ID, b.Reason, r.Entries)
			return fmt.Errorf("audit log hash chain is broken at entry %d", b.ID)
		}
		fmt.Fprintf(out, "ok: %d entries, hash chain intact and matching its latest anchor\n", r.Entries)
		fmt.Fprintf(out, "keyed entries: %d (unkeyed, from before the key: %d)\n", r.Keyed, r.Entries-r.Keyed)
		printAnchor(out, "last exported anchor checked", r.LastExported, "none (give --anchors FILE)")
		printAnchor(out, "last anchor in the database checked", r.LastInDB, "none")
		return nil
	}
	return verify
}

func printAnchor(out io.Writer, what string, a *audit.Anchor, none string) {
	if a == nil {
		fmt.Fprintf(out, "%s: %s\n", what, none)
		return
	}
	fmt.Fprintf(out, "%s: entry %d, %d entries, at %s (%s)\n", what, a.EntryID, a.Entries, a.At, a.Source)
}

func auditAnchorsCmd() *cobra.Command {
	anchors := &cobra.Command{Use: "anchors", Short: "Export the audit log's anchors"}
	export := &cobra.Command{
		Use:   "export [--out FILE]",
		Short: "Print the audit log's current anchor (newest entry, entries, hash, time) as a JSON line, or append it to FILE",
		Long: `Print the audit log's current anchor as one JSON line: its newest entry's
id, the number of entries up to it, its keyed hash, the time and the key's
id. With --out, append it to FILE instead (created 0600). Keep anchors
outside the machines that hold the database: khien audit verify --anchors
FILE then fails if the log no longer holds what they record.`,
		Args: cobra.NoArgs,
	}
	var outFile string
	export.Flags().StringVar(&outFile, "out", "", "append the anchor to this file instead of printing it")
	resolve := options(export, append([]string{"data", "db"}, app.AuditKeyOptions...)...)
	export.RunE = func(cmd *cobra.Command, _ []string) error {
		v, err := resolve()
		if err != nil {
			return err
		}
		a, ok, err := app.AuditHead(cmd.Context(), v.String("db"), app.AuditKeySource(v, false))
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(cmd.OutOrStdout(), "the audit log is empty: nothing to anchor")
			return nil
		}
		if outFile == "" {
			fmt.Fprintln(cmd.OutOrStdout(), a.Line())
			return nil
		}
		if err := audit.AppendAnchor(outFile, a); err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "anchor of entry %d (%d entries) appended to %s\n", a.EntryID, a.Entries, outFile)
		return nil
	}
	anchors.AddCommand(export)
	return anchors
}

func demoCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Fill an empty data folder with a demo province (agencies, systems, users)",
		Args:  cobra.NoArgs,
	}
	resolve := options(cmd, append([]string{"data", "db", "admin-password"}, app.AuditKeyOptions...)...)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		v, err := resolve()
		if err != nil {
			return err
		}
		return app.Demo(cmd.Context(), v.String("data"), v.String("db"), app.AuditKeySource(v, true), v.String("admin-password"), os.Stderr)
	}
	return cmd
}
