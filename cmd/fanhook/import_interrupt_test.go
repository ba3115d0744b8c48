package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

// An interrupted import stops after the transaction in progress and says
// which lines it stored: the summary counts them, not the lines it had read
// ahead, and the error names the last one.
func TestImportInterruptedSaysWhatItStored(t *testing.T) {
	dbURL := storetest.URL(t, models.DialectSQLite)
	cmd := fanhookCommand(t, map[string]string{"FANHOOK_DATABASE_URL": dbURL}, "import", "-")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	// One whole batch, which the import commits, and a few lines more,
	// which it holds until its batch fills or the input ends.
	if _, err := stdin.Write([]byte(customerLines("int", importBatchSQLite+7))); err != nil {
		t.Fatal(err)
	}
	store := openTestStore(t, dbURL)
	waitFor(t, 30*time.Second, "the first batch to be stored", func() (bool, error) {
		n, err := countWhere(t, store, "1 = 1")
		return n == importBatchSQLite, err
	})
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 {
		t.Fatalf("interrupted import: %v, want exit status 1; stderr %q", err, stderr.String())
	}
	want := fmt.Sprintf("imported %d lines: %d new, 0 duplicates, 0 bad", importBatchSQLite, importBatchSQLite)
	if !strings.Contains(stdout.String(), want) {
		t.Errorf("summary %q, want %q", stdout.String(), want)
	}
	if want := fmt.Sprintf("interrupted after line %d: ", importBatchSQLite); !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
}
