package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/khien-project/khien/internal/app"
	"github.com/khien-project/khien/internal/platform/bus"
	"github.com/khien-project/khien/internal/platform/config"
)

// jobsCmd lists, inspects and replays dead-lettered jobs, so that no other
// tool (the nats CLI) is needed.
func jobsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "jobs", Short: "Inspect and replay background jobs that failed every attempt (dead letters)"}
	var kind string
	var limit int
	list := &cobra.Command{Use: "dead", Short: "List dead-lettered jobs, oldest first", Args: cobra.NoArgs}
	list.Flags().StringVar(&kind, "kind", "", "only jobs of this kind (site-scan, monitor-probe, event-…)")
	list.Flags().IntVar(&limit, "limit", 100, "at most this many")
	listOpts := options(list, "data", "nats")
	list.RunE = func(cmd *cobra.Command, _ []string) error {
		return withJobs(cmd, listOpts, func(b *bus.Bus) error {
			jobs, err := b.DeadJobs(cmd.Context(), kind, limit)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SEQ\tKIND\tAT\tATTEMPTS\tREASON")
			for _, j := range jobs {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", j.Seq, j.Kind, j.At.UTC().Format(time.RFC3339), j.Attempts, j.Reason)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d dead-lettered job(s)\n", len(jobs))
			return nil
		})
	}
	show := &cobra.Command{Use: "show SEQ", Short: "Show one dead-lettered job as JSON (its payload included)", Args: cobra.ExactArgs(1)}
	showOpts := options(show, "data", "nats")
	show.RunE = func(cmd *cobra.Command, args []string) error {
		seq, err := parseSeq(args[0])
		if err != nil {
			return err
		}
		return withJobs(cmd, showOpts, func(b *bus.Bus) error {
			j, err := b.DeadJob(cmd.Context(), seq)
			if err != nil {
				return err
			}
			out := map[string]any{"seq": j.Seq, "kind": j.Kind, "at": j.At.UTC(), "attempts": j.Attempts, "reason": j.Reason, "payload": json.RawMessage(j.Payload)}
			if !json.Valid(j.Payload) {
				out["payload"] = string(j.Payload)
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		})
	}
	replay := &cobra.Command{Use: "replay SEQ...", Short: "Put dead-lettered jobs back on the queue (after fixing their cause)", Args: cobra.MinimumNArgs(1)}
	replayOpts := options(replay, "data", "nats")
	replay.RunE = func(cmd *cobra.Command, args []string) error {
		return withJobs(cmd, replayOpts, func(b *bus.Bus) error {
			for _, a := range args {
				seq, err := parseSeq(a)
				if err != nil {
					return err
				}
				j, err := b.Replay(cmd.Context(), seq)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "replayed %d (%s)\n", seq, j.Kind)
			}
			return nil
		})
	}
	cmd.AddCommand(list, show, replay)
	return cmd
}

func parseSeq(s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%q is not a dead letter's number (see khien jobs dead)", s)
	}
	return n, nil
}

// withJobs opens the bus the options name and runs fn on it.
func withJobs(cmd *cobra.Command, resolve func() (config.Values, error), fn func(b *bus.Bus) error) error {
	v, err := resolve()
	if err != nil {
		return err
	}
	b, closeBus, err := app.OpenJobs(cmd.Context(), v.String("nats"), v.String("data"))
	if err != nil {
		return err
	}
	defer closeBus()
	return fn(b)
}
