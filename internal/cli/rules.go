package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/khien-project/khien/internal/engine/detect"
)

// rulesText holds the person-readable texts of the rules commands:
// {Vietnamese, English}.
var rulesText = map[string][2]string{
	"lint.summary":         {"Đã kiểm tra %d quy tắc: %d hợp lệ, %d lỗi.\n", "Checked %d rules: %d valid, %d failed.\n"},
	"lint.failed":          {"có %d quy tắc lỗi", "%d rule(s) failed"},
	"test.summary":         {"Quy tắc: %d đã nạp, %d lỗi. Sự kiện: %d (%d không đọc được). Khớp: %d. Tốc độ: %.0f sự kiện/giây.\n", "Rules: %d loaded, %d failed. Events: %d (%d unreadable). Matches: %d. Speed: %.0f events/s.\n"},
	"test.rule_err":        {"quy tắc lỗi: %v\n", "rule failed: %v\n"},
	"test.event_err":       {"sự kiện lỗi: %v\n", "unreadable event: %v\n"},
	"test.more_err":        {"… và %d sự kiện lỗi khác\n", "… and %d more unreadable events\n"},
	"test.evtx_unreadable": {"tệp EVTX không có bản ghi nào đọc được: %v", "the EVTX file has no readable record: %v"},
	"test.evtx_damaged":    {"tệp EVTX bị hỏng một phần: bỏ qua %d khối và %d bản ghi hỏng\n", "the EVTX file is partly damaged: %d damaged chunks and %d damaged records skipped\n"},
	"test.no_rules":        {"không nạp được quy tắc nào từ %v", "no rule loaded from %v"},
	"test.need":            {"cần --rules THƯ_MỤC và --events TỆP", "--rules DIR and --events FILE are required"},
	"err.lang":             {"--lang: %q không phải vi hoặc en", "--lang: %q is not vi or en"},
	"err.events_open":      {"không mở được tệp sự kiện: %v", "cannot open the events file: %v"},
	"err.placeholder":      {"không đọc được tệp placeholder: %v", "cannot read the placeholders file: %v"},
}

func rt(lang, key string) string {
	if lang == "en" {
		return rulesText[key][1]
	}
	return rulesText[key][0]
}

// rulesCmd groups the Sigma rule commands.
func rulesCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "rules", Short: "Check Sigma rules and run them over event files (triage)"}
	cmd.AddCommand(rulesLintCmd(), rulesTestCmd(), rulesImportCmd())
	return cmd
}

func checkLang(lang string) error {
	if lang != "vi" && lang != "en" {
		return fmt.Errorf(rt("en", "err.lang"), lang)
	}
	return nil
}

func placeholderConfig(path, lang string) (detect.Config, error) {
	if path == "" {
		return detect.Config{}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return detect.Config{}, fmt.Errorf(rt(lang, "err.placeholder"), err)
	}
	p, err := detect.ParsePlaceholders(data)
	if err != nil {
		return detect.Config{}, fmt.Errorf(rt(lang, "err.placeholder"), err)
	}
	return detect.Config{Placeholders: p}, nil
}

func rulesLintCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lint DIR|FILE... [--placeholders FILE] [--lang vi|en]",
		Short: "Load and compile Sigma rules, listing every rule that fails with its file and line",
		Long: `Load every .yml/.yaml file under the folders and files given and compile
it as Khiên's detection engine would (detection rules, correlation rules,
meta filters). Each rule that fails is printed as FILE:LINE: RULE: REASON.
Values with the expand modifier need their placeholders: give them in a
YAML file of name: [values] with --placeholders. The exit status is 1
when some rule fails, 0 otherwise.`,
		Args: cobra.MinimumNArgs(1),
	}
	var lang, placeholders string
	cmd.Flags().StringVar(&lang, "lang", "vi", "language of the summary: vi or en")
	cmd.Flags().StringVar(&placeholders, "placeholders", "", "YAML file of placeholder values (name: [values])")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := checkLang(lang); err != nil {
			return err
		}
		cfg, err := placeholderConfig(placeholders, lang)
		if err != nil {
			return err
		}
		rules, errs := detect.LoadPaths(args...)
		e, cerrs := detect.Compile(rules, cfg)
		errs = append(errs, cerrs...)
		out := cmd.OutOrStdout()
		for _, err := range errs {
			fmt.Fprintln(out, err)
		}
		valid := len(e.Rules()) + e.Stats().Filters
		fmt.Fprintf(out, rt(lang, "lint.summary"), valid+len(errs), valid, len(errs))
		if len(errs) > 0 {
			return fmt.Errorf(rt(lang, "lint.failed"), len(errs))
		}
		return nil
	}
	return cmd
}

// testSummary is the --json summary of rules test.
type testSummary struct {
	RulesLoaded     int     `json:"rules_loaded"`
	RulesFailed     int     `json:"rules_failed"`
	Events          int     `json:"events"`
	EventsMalformed int     `json:"events_unreadable"`
	Matches         int     `json:"matches"`
	EventsPerSecond float64 `json:"events_per_second"`
}

// matchLine is one NDJSON line of rules test.
type matchLine struct {
	RuleID    string `json:"rule_id"`
	RuleTitle string `json:"rule_title"`
	Event     int    `json:"event"`
}

func rulesTestCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "test --rules DIR --events FILE [--json] [--placeholders FILE] [--lang vi|en]",
		Short: "Run Sigma rules over an event file and print every match",
		Long: `Run the Sigma rules under --rules (folders or files, repeatable) over the
events of --events: NDJSON of flat or nested JSON objects, a JSON array,
or Windows events exported as JSON (Event.System / Event.EventData);
Winlogbeat events are understood too. EVTX files are not supported yet.
An event that says where it came from (a Windows channel and event id, a
winlog or ECS event block) is checked against the rules of that log
source only; any other event against every rule. Correlation rules run
over the file in order, on the events' own times.

Every match is one line of JSON on standard output:
{"rule_id": "...", "rule_title": "...", "event": N}, N being the event's
0-based position in the file. A summary goes to standard error (as one
JSON object with --json).`,
		Args: cobra.NoArgs,
	}
	var rulePaths []string
	var events, lang, placeholders string
	var asJSON bool
	cmd.Flags().StringArrayVar(&rulePaths, "rules", nil, "folder or file of Sigma rules (repeatable)")
	cmd.Flags().StringVar(&events, "events", "", "event file (NDJSON, JSON array, Windows JSON export)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "write the summary on standard error as one JSON object")
	cmd.Flags().StringVar(&lang, "lang", "vi", "language of the summary and warnings: vi or en")
	cmd.Flags().StringVar(&placeholders, "placeholders", "", "YAML file of placeholder values (name: [values])")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := checkLang(lang); err != nil {
			return err
		}
		if len(rulePaths) == 0 || events == "" {
			return errors.New(rt(lang, "test.need"))
		}
		cfg, err := placeholderConfig(placeholders, lang)
		if err != nil {
			return err
		}
		rules, errs := detect.LoadPaths(rulePaths...)
		e, cerrs := detect.Compile(rules, cfg)
		errs = append(errs, cerrs...)
		stderr := cmd.ErrOrStderr()
		if !asJSON {
			for _, err := range errs {
				fmt.Fprintf(stderr, rt(lang, "test.rule_err"), err)
			}
		}
		if len(e.Rules()) == 0 {
			return fmt.Errorf(rt(lang, "test.no_rules"), rulePaths)
		}
		f, err := os.Open(events)
		if err != nil {
			return fmt.Errorf(rt(lang, "err.events_open"), err)
		}
		defer f.Close()
		reader, log, err := openEventFile(f)
		if err != nil {
			return fmt.Errorf(rt(lang, "err.events_open"), err)
		}
		sum, err := runEvents(cmd.OutOrStdout(), stderr, e, reader, lang, asJSON)
		if err != nil {
			return err
		}
		if log != nil {
			st := log.Stats()
			if st.Records == 0 && st.Problems > 0 {
				return fmt.Errorf(rt(lang, "test.evtx_unreadable"), log.Problems()[0])
			}
			sum.EventsMalformed += st.BadRecords
			if !asJSON && (st.BadChunks > 0 || st.BadRecords > 0) {
				fmt.Fprintf(stderr, rt(lang, "test.evtx_damaged"), st.BadChunks, st.BadRecords)
			}
		}
		sum.RulesLoaded, sum.RulesFailed = len(e.Rules()), len(errs)
		if asJSON {
			return json.NewEncoder(stderr).Encode(sum)
		}
		fmt.Fprintf(stderr, rt(lang, "test.summary"), sum.RulesLoaded, sum.RulesFailed, sum.Events, sum.EventsMalformed, sum.Matches, sum.EventsPerSecond)
		return nil
	}
	return cmd
}

// runEvents checks every event of r and writes the matches as NDJSON.
func runEvents(stdout, stderr io.Writer, e *detect.Engine, reader detect.EventReader, lang string, quiet bool) (testSummary, error) {
	var sum testSummary
	enc := json.NewEncoder(stdout)
	corr := e.NewCorrelator(detect.Limits{})
	emit := func(ms []detect.Match, at int) error {
		for _, m := range ms {
			id := m.Rule.ID
			if id == "" {
				id = m.Rule.Name
			}
			if err := enc.Encode(matchLine{RuleID: id, RuleTitle: m.Rule.Title, Event: at}); err != nil {
				return err
			}
			sum.Matches++
		}
		return nil
	}
	start := time.Now()
	pos := 0
	for ; ; pos++ {
		ev, err := reader.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var bad *detect.EventError
		if errors.As(err, &bad) {
			sum.EventsMalformed++
			if !quiet && sum.EventsMalformed <= 10 {
				fmt.Fprintf(stderr, rt(lang, "test.event_err"), bad)
			}
			continue
		}
		if err != nil {
			return sum, fmt.Errorf(rt(lang, "err.events_open"), err)
		}
		sum.Events++
		if err := emit(corr.Process(ev, detect.EventTime(ev)), pos); err != nil {
			return sum, err
		}
	}
	if err := emit(corr.Flush(), max(pos-1, 0)); err != nil {
		return sum, err
	}
	if !quiet && sum.EventsMalformed > 10 {
		fmt.Fprintf(stderr, rt(lang, "test.more_err"), sum.EventsMalformed-10)
	}
	if d := time.Since(start).Seconds(); d > 0 {
		sum.EventsPerSecond = float64(sum.Events) / d
	}
	return sum, nil
}
