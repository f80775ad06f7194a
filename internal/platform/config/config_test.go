package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestPrecedenceFlagEnvFileDefault(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "khien.yaml")
	os.WriteFile(file, []byte("addr: 127.0.0.1:7000\nlog-level: warn\ndata: /from/file\n"), 0o600)
	names := []string{"config", "addr", "log-level", "data", "db", "log-format"}
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	Register(fs, names...)
	if err := fs.Parse([]string{"--config", file, "--log-level", "debug"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"KHIEN_ADDR": "127.0.0.1:9000", "KHIEN_LOG_LEVEL": "error"}
	v, err := Resolve(fs, func(k string) string { return env[k] }, names...)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"addr":       "127.0.0.1:9000", // env beats file
		"log-level":  "debug",          // flag beats env
		"data":       "/from/file",     // file beats default
		"db":         "/from/file/khien.db",
		"log-format": "text", // default
	} {
		if got := v.String(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestBadValuesAreClearErrors(t *testing.T) {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	names := []string{"config", "addr", "log-format", "shutdown-timeout", "workers", "notify.allow"}
	Register(fs, names...)
	fs.Parse([]string{"--addr", "nohost", "--log-format", "xml", "--shutdown-timeout", "soon", "--workers", "0", "--notify.allow", "10.0.0.0/8,http://hooks/"})
	_, err := Resolve(fs, func(string) string { return "" }, names...)
	if err == nil {
		t.Fatal("bad values accepted")
	}
	for _, want := range []string{"option addr", "option log-format", "option shutdown-timeout", "option workers", "option notify.allow"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestEveryOptionHasHelpAndEnv(t *testing.T) {
	table := Table()
	for _, o := range Options {
		if o.Help == "" || !strings.HasPrefix(o.Env(), "KHIEN_") || !strings.Contains(table, o.Env()) {
			t.Errorf("option %s lacks help or an environment variable", o.Name)
		}
	}
	if got := (Option{Name: "scan.allow_private"}).Env(); got != "KHIEN_SCAN_ALLOW_PRIVATE" {
		t.Errorf("env name %s", got)
	}
	// Nested YAML keys are dotted names; unknown ones are refused.
	file := filepath.Join(t.TempDir(), "k.yaml")
	os.WriteFile(file, []byte("scan:\n  allow_privat: true\n"), 0o600)
	if _, err := readFile(file); err == nil || !strings.Contains(err.Error(), `"scan.allow_privat"`) {
		t.Errorf("unknown nested key: %v", err)
	}
}

// TestREADMEListsEveryOption keeps the README's configuration table whole.
func TestREADMEListsEveryOption(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range Options {
		if !strings.Contains(string(readme), "`"+o.Env()+"`") {
			t.Errorf("README.md does not document %s", o.Env())
		}
	}
}
