package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/khien-project/khien/internal/app"
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
	resolve := options(create, "data", "db")
	create.RunE = func(cmd *cobra.Command, _ []string) error {
		if user == "" {
			return errors.New("--user NAME is required")
		}
		v, err := resolve()
		if err != nil {
			return err
		}
		secret, err := app.CreateToken(cmd.Context(), v.String("db"), user, label)
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
	resolve := options(reset, "data", "db")
	reset.RunE = func(cmd *cobra.Command, _ []string) error {
		if user == "" {
			return errors.New("--user NAME is required")
		}
		v, err := resolve()
		if err != nil {
			return err
		}
		given := os.Getenv(NewPasswordEnv)
		password, err := app.ResetPassword(cmd.Context(), v.String("db"), user, given)
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
	verify := &cobra.Command{Use: "verify", Short: "Check the audit log's hash chain and its latest anchor (the database must be at this khien's schema); report the first broken link", Args: cobra.NoArgs}
	resolve := options(verify, "data", "db")
	verify.RunE = func(cmd *cobra.Command, _ []string) error {
		v, err := resolve()
		if err != nil {
			return err
		}
		n, broken, err := app.VerifyAudit(cmd.Context(), v.String("db"))
		if err != nil {
			return err
		}
		if broken != nil {
			fmt.Fprintf(cmd.OutOrStdout(), "BROKEN: entry %d: %s (%d entries read)\n", broken.ID, broken.Reason, n)
			return fmt.Errorf("audit log hash chain is broken at entry %d", broken.ID)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "ok: %d entries, hash chain intact and matching its latest anchor\n", n)
		return nil
	}
	cmd.AddCommand(verify)
	return cmd
}

func demoCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Fill an empty data folder with a demo province (agencies, systems, users)",
		Args:  cobra.NoArgs,
	}
	resolve := options(cmd, "data", "db", "admin-password")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		v, err := resolve()
		if err != nil {
			return err
		}
		return app.Demo(cmd.Context(), v.String("data"), v.String("db"), v.String("admin-password"), os.Stderr)
	}
	return cmd
}
