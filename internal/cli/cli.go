// Package cli is the khien command line: it parses options through the
// config table and calls into internal/app. It holds no logic of its own.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/khien-project/khien/internal/app"
	"github.com/khien-project/khien/internal/platform/config"
	"github.com/khien-project/khien/internal/platform/store"
)

// Run executes the command line args and returns the process exit code.
func Run(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := root.ExecuteContext(ctx); err != nil {
		if root.Annotations[logFormatKey] == "json" {
			slog.Error("khien stopped with an error", "err", err) // a JSON log holds only JSON lines
		} else {
			fmt.Fprintln(stderr, "khien:", err)
		}
		return 1
	}
	return 0
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "khien",
		Short:         "Khiên — security operations platform for a province and its agencies",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(serveCmd(stderr), workerCmd(), migrateCmd(), versionCmd(), backupCmd(), restoreCmd(), tokenCmd(), userCmd(), auditCmd(), demoCmd(), scanCmd(), jobsCmd(), rulesCmd(), vulnCmd(), ingestCmd())
	return root
}

// logFormatKey notes on the root command the log format in force, so that
// a failure is reported in it.
const logFormatKey = "log-format"

// options registers the named config options on cmd and returns a
// resolver for them.
func options(cmd *cobra.Command, names ...string) func() (config.Values, error) {
	names = append([]string{"config", "log-format", "log-level"}, names...)
	config.Register(cmd.Flags(), names...)
	return func() (config.Values, error) {
		v, err := config.Resolve(cmd.Flags(), os.Getenv, names...)
		if err != nil {
			return nil, err
		}
		slog.SetDefault(app.NewLogger(cmd.ErrOrStderr(), v.String("log-format"), v.String("log-level")))
		cmd.Root().Annotations = map[string]string{logFormatKey: v.String("log-format")}
		return v, nil
	}
}

// platformOptions tune the platform's scans, monitoring and alerts.
var platformOptions = []string{"scan.allow_private", "scan.ca_file", "scan.timeout", "scan.every", "scan.concurrency", "scan.dns",
	"monitor.every", "monitor.failures", "monitor.cert_warn_days", "smtp.addr", "smtp.from", "smtp.username", "smtp.password", "notify.allow", "public.rate",
	"jobs.retry_horizon", "nats.replicas", "audit.key_file", "audit.key", "audit.anchors_file", "logs.retention_days", "vuln.remind_days",
	"vuln.feeds_allow_private", "vuln.feeds_max_bytes", "vuln.feeds_timeout"}

func serveCmd(stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the web UI, the JSON API, the workers and the schedules",
		Long: `Run the whole platform: web UI and JSON API on --addr, data in --data
(SQLite and an embedded NATS JetStream by default), background workers and
schedules. Every option can also be set by its KHIEN_* environment variable
or in the YAML file named by --config. On first start the user "admin" is
created with the password in KHIEN_ADMIN_PASSWORD, or a random one printed
once to standard error. A database behind this khien is refused unless
--migrate is given (khien migrate is the usual way); an empty one gets
its schema at first start.`,
		Args: cobra.NoArgs,
	}
	resolve := options(cmd, append([]string{"addr", "data", "db", "nats", "tls-cert", "tls-key", "demo", "admin-password", "shutdown-timeout", "drain", "workers", "migrate", "log-requests"}, append(platformOptions, ingestOptions...)...)...)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		v, err := resolve()
		if err != nil {
			return err
		}
		if (v.String("tls-cert") == "") != (v.String("tls-key") == "") {
			return errors.New("--tls-cert and --tls-key go together")
		}
		pc, err := app.PlatformFromValues(v)
		if err != nil {
			return err
		}
		pc.Migrate = v.Bool("migrate")
		ic, err := ingestConfig(v)
		if err != nil {
			return err
		}
		return app.Serve(cmd.Context(), app.ServeConfig{Platform: pc, Ingest: ic, QueueBytes: int64(v.Int("ingest.queue_bytes")),
			Addr: v.String("addr"), DataDir: v.String("data"), DB: v.String("db"), NATS: v.String("nats"),
			TLSCert: v.String("tls-cert"), TLSKey: v.String("tls-key"), Demo: v.Bool("demo"),
			AdminPassword: v.String("admin-password"), ShutdownTimeout: v.Duration("shutdown-timeout"), Drain: v.Duration("drain"),
			Workers: v.Int("workers"), Out: stderr, LogFormat: v.String("log-format"), LogRequests: v.Bool("log-requests"),
		})
	}
	return cmd
}

func workerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run background jobs from an external NATS cluster (scale-out)",
		Args:  cobra.NoArgs,
	}
	resolve := options(cmd, append([]string{"data", "db", "nats", "workers", "migrate", "health-addr"}, platformOptions...)...)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		v, err := resolve()
		if err != nil {
			return err
		}
		pc, err := app.PlatformFromValues(v)
		if err != nil {
			return err
		}
		pc.Migrate = v.Bool("migrate")
		return app.Worker(cmd.Context(), app.WorkerConfig{DB: v.String("db"), NATS: v.String("nats"), Workers: v.Int("workers"),
			HealthAddr: v.String("health-addr"), Platform: pc})
	}
	return cmd
}

func migrateCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "migrate", Short: "Apply pending database migrations and exit", Args: cobra.NoArgs}
	resolve := options(cmd, "data", "db")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		v, err := resolve()
		if err != nil {
			return err
		}
		n, version, err := app.Migrate(cmd.Context(), v.String("db"))
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "applied %d migration(s); schema version %d\n", n, version)
		return nil
	}
	return cmd
}

func versionCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "version [--db DB | --data DIR]",
		Short: "Print the version, the schema it needs and, with --db or --data, the database's schema",
		Long: `Print khien's version and the database schema it needs. With --db or
--data (or KHIEN_DB set), also read the database's schema, without
changing it, and say whether this khien may start on it; the exit status
is 1 when it may not.`,
		Args: cobra.NoArgs,
	}
	resolve := options(cmd, "data", "db")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		out := cmd.OutOrStdout()
		fmt.Fprintf(out, "khien %s (schema %d)\n", app.Version, app.SchemaVersion())
		if !cmd.Flags().Changed("db") && !cmd.Flags().Changed("data") && os.Getenv("KHIEN_DB") == "" {
			return nil
		}
		v, err := resolve()
		if err != nil {
			return err
		}
		d, err := app.ReadDatabaseSchema(cmd.Context(), v.String("db"))
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "database: %s, schema %d, usable by khien schema %d and later: %s\n", d.Engine, d.Schema.Version, d.Schema.CompatibleFrom, d.Verdict)
		if d.Refused != nil {
			return d.Refused
		}
		if d.Verdict == store.Empty {
			fmt.Fprintln(out, "compatible: the schema is created at first start")
		} else {
			fmt.Fprintln(out, "compatible: this khien may start on it")
		}
		return nil
	}
	return cmd
}
