package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"

	"github.com/fanhook/fanhook/models"
)

var (
	binOnce gosync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// fanhookBinary builds the real binary once per test run.
func fanhookBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "fanhook-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "fanhook")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// fixrBody is a FIXR customer_updated delivery for fan i of a run.
func fixrBody(run string, i int) []byte {
	return []byte(fmt.Sprintf(`{"event":"customer_updated","payload":{"email":"fan%d.%s@example.test",`+
		`"first_name":"Fan","last_name":"Number%d","contact_preferences_user_response":"opt_in",`+
		`"user_uuid":"%s-%d"},"created":"2024-05-01T10:00:00UTC","message_id":"%s-%d","fixr_account_id":"1"}`,
		i, run, i, run, i, run, i))
}

type webhookResult struct {
	Status     int
	RetryAfter string
	Body       struct {
		Status     string `json:"status"`
		DeliveryID int64  `json:"delivery_id"`
		Error      string `json:"error"`
	}
}

var httpClient = &http.Client{Timeout: 15 * time.Second}

// postFIXR sends body to base's FIXR endpoint with a bearer token.
func postFIXR(base, token string, body []byte) (webhookResult, error) {
	var r webhookResult
	req, err := http.NewRequest(http.MethodPost, base+"/webhooks/fixr", bytes.NewReader(body))
	if err != nil {
		return r, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := httpClient.Do(req)
	if err != nil {
		return r, err
	}
	defer res.Body.Close()
	r.Status, r.RetryAfter = res.StatusCode, res.Header.Get("Retry-After")
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(b, &r.Body); err != nil {
		return r, fmt.Errorf("status %d, body %q: %v", res.StatusCode, b, err)
	}
	return r, nil
}

func getStatus(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := httpClient.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// fanhookCommand is the fanhook binary with args, and env as its only
// environment beside PATH.
func fanhookCommand(t *testing.T, env map[string]string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(fanhookBinary(t), args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		ok, err := cond()
		if ok {
			return
		}
		lastErr = err
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out after %v waiting for %s (last error: %v)", timeout, what, lastErr)
}

// openTestStore opens url for the test's own queries.
func openTestStore(t *testing.T, url string) *models.Store {
	t.Helper()
	s, err := models.Open(context.Background(), url, models.Options{MaxConns: 2})
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func countWhere(t *testing.T, s *models.Store, where string, args ...any) (int64, error) {
	var n int64
	err := s.Read.Raw("SELECT COUNT(*) FROM deliveries WHERE "+where, args...).Scan(&n).Error
	return n, err
}

// syncBuffer is a bytes.Buffer safe for a writer and readers at once.
type syncBuffer struct {
	mu  gosync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is a running `fanhook serve` process.
type server struct {
	cmd    *exec.Cmd
	URL    string
	stderr *syncBuffer
	done   chan error
}

// startServer runs `fanhook serve` with env (and nothing of the test's
// environment but PATH) and waits until it listens.
func startServer(t *testing.T, env map[string]string) *server {
	t.Helper()
	cmd := fanhookCommand(t, env, "serve")
	cmd.Env = append(cmd.Env, "FANHOOK_ADDR=127.0.0.1:0")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.stderr.Write([]byte(line + "\n"))
			var entry struct {
				Message, Addr string
			}
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Message == "listening" {
				addr <- entry.Addr
			}
		}
		s.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("stderr of fanhook serve:\n%s", s.stderr.String())
		}
	})
	select {
	case a := <-addr:
		s.URL = "http://" + a
	case err := <-s.done:
		s.done <- err
		t.Fatalf("fanhook serve exited (%v):\n%s", err, s.stderr.String())
	case <-time.After(90 * time.Second):
		t.Fatalf("fanhook serve did not listen:\n%s", s.stderr.String())
	}
	return s
}

// kill SIGKILLs the server, as a crash would.
func (s *server) kill(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// stop SIGTERMs the server and checks it shut down cleanly.
func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("fanhook serve after SIGTERM: %v\n%s", err, s.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("fanhook serve did not stop after SIGTERM")
	}
}

// checkNoLeaks fails if a log holds any of secrets or an email address.
func checkNoLeaks(t *testing.T, log string, secrets ...string) {
	t.Helper()
	if strings.TrimSpace(log) == "" {
		t.Error("empty log: nothing to check")
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(log, s) {
			t.Errorf("the log contains the secret %q", s)
		}
	}
	for i, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "@") {
			t.Errorf("log line %d contains '@' (an email?): %s", i+1, line)
		}
	}
}

// customerLines is n import lines of FIXR customer_updated deliveries whose
// ids start with run, so that each run's lines are new.
func customerLines(run string, n int) string {
	var b strings.Builder
	for k := range n {
		fmt.Fprintf(&b, `{"provider": "fixr", "received_at": "2024-01-02T03:04:05Z", "body": `+
			`{"event": "customer_updated", "message_id": "%s-%d", "created": "2024-01-02T03:04:05UTC", `+
			`"payload": {"user_uuid": "%s-%d"}}}`+"\n", run, k, run, k)
	}
	return b.String()
}
