package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

// runCLI runs the fanhook binary with args, env and stdin; it returns
// stdout, stderr and the exit status.
func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := fanhookCommand(t, env, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return stdout.String(), stderr.String(), 0
	case errors.As(err, &exit):
		return stdout.String(), stderr.String(), exit.ExitCode()
	default:
		t.Fatalf("run fanhook %v: %v", args, err)
		return "", "", -1
	}
}

func TestServeConfigErrorExits2(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"FANHOOK_MAX_BODY_BYTES": "abc"}, nil,
			`fanhook: FANHOOK_MAX_BODY_BYTES: "abc" is not a positive integer`},
		{map[string]string{"FANHOOK_LOG_FORMAT": "xml"}, nil, `fanhook: FANHOOK_LOG_FORMAT: "xml" is not json or console`},
		{nil, []string{"--vibes-allowed-ips", "nope"}, `fanhook: --vibes-allowed-ips: "nope" has "nope", which is not an IP address or CIDR`},
	} {
		dir := t.TempDir()
		env := map[string]string{"FANHOOK_DATABASE_URL": "sqlite:" + filepath.Join(dir, "f.db"), "FANHOOK_ADDR": "127.0.0.1:0"}
		for k, v := range tc.env {
			env[k] = v
		}
		stdout, stderr, code := runCLI(t, env, "", append([]string{"serve"}, tc.args...)...)
		if code != 2 || stdout != "" || stderr != tc.want+"\n" {
			t.Errorf("serve with %v %v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.env, tc.args, code, stdout, stderr, tc.want)
		}
		if _, err := os.Stat(filepath.Join(dir, "f.db")); err == nil {
			t.Errorf("serve with a bad configuration created the database")
		}
	}
}

func TestCLI(t *testing.T) {
	dbURL := storetest.URL(t, models.DialectSQLite)
	env := map[string]string{"FANHOOK_DATABASE_URL": dbURL}

	if out, _, code := runCLI(t, env, "", "version"); code != 0 || out != "fanhook dev\n" {
		t.Errorf("version: %q, exit %d", out, code)
	}
	if _, _, code := runCLI(t, env, "", "frobnicate"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	if out, errOut, code := runCLI(t, env, "", "migrate"); code != 0 || !strings.Contains(out, "migrated") {
		t.Fatalf("migrate: %q %q exit %d", out, errOut, code)
	}

	// Two good lines, a bad one, a duplicate of the first, a wrong provider.
	body1 := `{ "event": "customer_updated", "payload": {"email": "imp1@example.test", "user_uuid": "imp-1"},
		"created": "2024-01-02T03:04:05UTC", "message_id": "imp-1" }`
	body1 = strings.ReplaceAll(body1, "\n\t\t", " ")
	lines := []string{
		`{"provider": "fixr", "received_at": "2024-01-02T03:04:06Z", "headers": {"authorization": "Bearer abc-secret", "user-agent": "FIXR"}, "body": ` + body1 + `}`,
		`{"provider": "fixr", "received_at": "2024-01-02T03:05:00Z", "body": {"event":"customer_updated","payload":{"user_uuid":"imp-2"},"created":"2024-01-02T03:05:00UTC","message_id":"imp-2"}}`,
		`{"provider": "fixr", "received_at": "2024-01-02", "body": `,
		``,
		`{"provider": "fixr", "received_at": "2024-01-02T03:04:06Z", "body": ` + body1 + `}`,
		`{"provider": "eventbrite", "received_at": "2024-01-02T03:04:06Z", "body": {}}`,
	}
	file := filepath.Join(t.TempDir(), "backfill.jsonl")
	// Saved by an editor that starts UTF-8 files with a byte order mark.
	if err := os.WriteFile(file, []byte("\xef\xbb\xbf"+strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, env, "", "import", file)
	if code != 1 {
		t.Errorf("import with bad lines: exit %d, want 1", code)
	}
	if !strings.Contains(out, "imported 5 lines: 2 new, 1 duplicate, 2 bad; normalized 2") {
		t.Errorf("import summary: %q", out)
	}
	if !strings.Contains(errOut, "line 3: ") || !strings.Contains(errOut, `line 6: provider "eventbrite"`) {
		t.Errorf("import errors: %q", errOut)
	}
	store := openTestStore(t, dbURL)
	var d models.Delivery
	if err := store.Read.Raw("SELECT * FROM deliveries WHERE dedup_key LIKE ?", "%imp-1%").Scan(&d).Error; err != nil {
		t.Fatal(err)
	}
	if string(d.Body) != body1 {
		t.Errorf("stored body %q, want the file's bytes %q", d.Body, body1)
	}
	if d.Status != models.StatusProcessed || strings.Contains(d.Headers, "abc-secret") || !strings.Contains(d.Headers, "User-Agent") {
		t.Errorf("imported delivery: status %q headers %s", d.Status, d.Headers)
	}

	// From stdin, all good: exit 0.
	if out, errOut, code := runCLI(t, env, lines[1]+"\n", "import", "-"); code != 0 || !strings.Contains(out, "0 new, 1 duplicate") {
		t.Errorf("import -: %q %q exit %d", out, errOut, code)
	}

	if out, errOut, code := runCLI(t, env, "", "replay", "--status", "all"); code != 0 || out != "replayed 2 deliveries\n" {
		t.Errorf("replay: %q %q exit %d", out, errOut, code)
	}
	if out, errOut, code := runCLI(t, env, "", "replay", "--id", "1"); code != 0 || out != "replayed 1 delivery\n" {
		t.Errorf("replay --id: %q %q exit %d", out, errOut, code)
	}
	// --status filters --id too: delivery 1 was processed, not failed.
	if out, errOut, code := runCLI(t, env, "", "replay", "--id", "1", "--status", "failed"); code != 0 || out != "replayed 0 deliveries\n" {
		t.Errorf("replay --id 1 --status failed: %q %q exit %d", out, errOut, code)
	}
	if out, errOut, code := runCLI(t, env, "", "replay", "--id", "99999"); code != 1 || out != "" ||
		errOut != "fanhook replay: no delivery has id 99999\n" {
		t.Errorf("replay --id of no delivery: %q %q exit %d, want exit 1 saying so", out, errOut, code)
	}
	if _, _, code := runCLI(t, env, "", "replay", "--status", "bogus"); code != 2 {
		t.Errorf("replay --status bogus: exit %d", code)
	}
	if _, _, code := runCLI(t, env, "", "purge", "--older-than", "soon"); code != 2 {
		t.Errorf("purge --older-than soon: exit %d", code)
	}
	if out, errOut, code := runCLI(t, env, "", "purge", "--older-than", "30d"); code != 0 || !strings.Contains(out, "purged the raw bodies of 2 deliveries") {
		t.Errorf("purge: %q %q exit %d", out, errOut, code)
	}
	if n, err := countWhere(t, store, "body IS NULL AND purged_at IS NOT NULL"); err != nil || n != 2 {
		t.Errorf("%d purged bodies (%v), want 2", n, err)
	}

	if _, errOut, code := runCLI(t, env, "", "admin", "set-password", "ops"); code != 2 || !strings.Contains(errOut, "no password") {
		t.Errorf("set-password without a password: %q exit %d", errOut, code)
	}
	if out, errOut, code := runCLI(t, env, "correct horse battery staple\n", "admin", "set-password", "ops"); code != 0 || !strings.Contains(out, `"ops"`) {
		t.Errorf("set-password: %q %q exit %d", out, errOut, code)
	}
}

// A database that cannot be opened stops serve with one line that names
// the variable, and exit status 1.
func TestServeNamesTheDatabaseItCannotOpen(t *testing.T) {
	env := map[string]string{"FANHOOK_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "missing", "dir", "f.db")}
	_, errOut, code := runCLI(t, env, "", "serve", "--addr", "127.0.0.1:0")
	if code != 1 || !strings.HasPrefix(errOut, "fanhook: FANHOOK_DATABASE_URL: ") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
