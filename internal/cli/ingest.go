package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/khien-project/khien/internal/app"
	"github.com/khien-project/khien/internal/feature/ingest"
	"github.com/khien-project/khien/internal/platform/config"
)

// ingestOptions configure the log receivers of serve.
var ingestOptions = []string{"ingest.syslog_udp", "ingest.syslog_tcp", "ingest.syslog_tls", "ingest.tls_cert", "ingest.tls_key", "ingest.tls_client_ca", "ingest.http",
	"ingest.max_message", "ingest.max_body", "ingest.queue_bytes", "ingest.default_system", "ingest.unknown_senders", "ingest.timezone"}

// ingestConfig reads the receivers' options.
func ingestConfig(v config.Values) (ingest.Config, error) {
	c := ingest.Config{SyslogUDP: v.String("ingest.syslog_udp"), SyslogTCP: v.String("ingest.syslog_tcp"), SyslogTLS: v.String("ingest.syslog_tls"),
		TLSCert: v.String("ingest.tls_cert"), TLSKey: v.String("ingest.tls_key"), TLSClientCA: v.String("ingest.tls_client_ca"), HTTP: v.String("ingest.http"),
		MaxMessage: v.Int("ingest.max_message"), MaxBody: int64(v.Int("ingest.max_body")), DefaultSystem: int64(v.Int("ingest.default_system")),
		RefuseUnknown: v.String("ingest.unknown_senders") == "refuse"}
	if c.SyslogTLS != "" && (c.TLSCert == "" || c.TLSKey == "") {
		return c, errors.New("--ingest.syslog_tls needs --ingest.tls_cert and --ingest.tls_key")
	}
	if c.TLSClientCA != "" && c.SyslogTLS == "" {
		return c, errors.New("--ingest.tls_client_ca needs --ingest.syslog_tls")
	}
	if tz := v.String("ingest.timezone"); tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return c, fmt.Errorf("ingest.timezone: %w", err)
		}
		c.Location = loc
	}
	return c, nil
}

func ingestCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "ingest", Short: "Manage log ingestion (ingest tokens for log shippers)"}
	token := &cobra.Command{Use: "token", Short: "Manage ingest tokens"}
	create := &cobra.Command{
		Use:   "create --agency CODE [--system ID] [--label TEXT]",
		Short: "Create an ingest token for an agency (and one of its systems) and print it once (works while serve runs)",
		Long: `Create an ingest token: log shippers send it as "Authorization: Bearer
TOKEN", as a Beats api_key ("ingest:TOKEN") or as the password of basic
authentication. Their events belong to the agency (and the system) the
token names. The token is printed once; only its hash is kept.`,
		Args: cobra.NoArgs,
	}
	var agency, label string
	var system int64
	create.Flags().StringVar(&agency, "agency", "", "code of the agency whose events the token sends")
	create.Flags().Int64Var(&system, "system", 0, "id of one of the agency's systems (optional)")
	create.Flags().StringVar(&label, "label", "", "what the token is for (shown as the sender)")
	resolve := options(create, append([]string{"data", "db"}, app.AuditKeyOptions...)...)
	create.RunE = func(cmd *cobra.Command, _ []string) error {
		if agency == "" {
			return errors.New("--agency CODE is required")
		}
		v, err := resolve()
		if err != nil {
			return err
		}
		t, err := app.CreateIngestToken(cmd.Context(), v.String("db"), app.AuditKeySource(v, true), ingest.TokenInput{AgencyCode: agency, SystemID: system, Label: label})
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), t.Secret)
		return nil
	}
	token.AddCommand(create)
	cmd.AddCommand(token)
	return cmd
}
