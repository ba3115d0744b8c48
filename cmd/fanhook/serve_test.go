package main

import (
	"context"
	"database/sql"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

const testFIXRToken = "test-fixr-token-5b1f0c"

// bootMain runs a Main on 127.0.0.1:0 over databaseURL, logging to log.
func bootMain(t *testing.T, databaseURL string, log io.Writer) *Main {
	t.Helper()
	return bootMainEnv(t, map[string]string{
		"FANHOOK_DATABASE_URL":   databaseURL,
		"FANHOOK_FIXR_TOKEN":     testFIXRToken,
		"FANHOOK_ADMIN_PASSWORD": "test-admin-password-1",
	}, log, log)
}

// bootMainEnv runs a Main on 127.0.0.1:0 configured by env, logging to log;
// what it prints for people goes to stderr.
func bootMainEnv(t *testing.T, env map[string]string, log, stderr io.Writer) *Main {
	t.Helper()
	env["FANHOOK_ADDR"] = "127.0.0.1:0"
	cfg, err := LoadConfig(nil, envFunc(env), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(*cfg, zerolog.New(log).With().Timestamp().Logger())
	m.Stderr = stderr
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return m
}

func TestMainServesAndNormalizes(t *testing.T) {
	logs := &syncBuffer{}
	m := bootMain(t, storetest.URL(t, models.DialectSQLite), logs)

	if code, _ := getStatus(t, m.URL()+"/healthz"); code != 200 {
		t.Errorf("/healthz = %d", code)
	}
	if code, body := getStatus(t, m.URL()+"/readyz"); code != 200 {
		t.Errorf("/readyz = %d %s", code, body)
	}

	r, err := postFIXR(m.URL(), testFIXRToken, fixrBody("main", 1))
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != 200 || r.Body.Status != "accepted" || r.Body.DeliveryID == 0 {
		t.Fatalf("delivery: %+v", r)
	}
	again, err := postFIXR(m.URL(), testFIXRToken, fixrBody("main", 1))
	if err != nil || again.Status != 200 || again.Body.Status != "duplicate" || again.Body.DeliveryID != r.Body.DeliveryID {
		t.Errorf("redelivery: %+v %v", again, err)
	}
	if wrong, err := postFIXR(m.URL(), "not-the-token", fixrBody("main", 2)); err != nil || wrong.Status != 401 {
		t.Errorf("wrong token: %+v %v", wrong, err)
	}

	waitFor(t, 5*time.Second, "the delivery to be processed", func() (bool, error) {
		var status string
		err := m.store.Read.Raw("SELECT status FROM deliveries WHERE id = ?", r.Body.DeliveryID).Scan(&status).Error
		return status == models.StatusProcessed, err
	})

	code, metrics := getStatus(t, m.URL()+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{
		`fanhook_deliveries_total{provider="fixr",status="processed"} 1`,
		`fanhook_deliveries_total{provider="fixr",status="pending"} 1`,
		"fanhook_http_request_duration_seconds_bucket",
		"fanhook_deliveries_pending",
		// SQLite: the worker applied its one batch on a snapshot.
		`fanhook_worker_snapshot_batches_total{outcome="written"} 1`,
		"go_goroutines",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	checkNoLeaks(t, logs.String(), testFIXRToken, "not-the-token", "test-admin-password-1")
}

// TestMainPostgresDown makes the database refuse connections under a running
// Main: webhooks must answer 503 with Retry-After, then 200 once it is back.
func TestMainPostgresDown(t *testing.T) {
	dbURL := storetest.URL(t, models.DialectPostgres)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	admin, err := sql.Open("pgx", os.Getenv(storetest.PostgresEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	allow := func(yes bool) {
		t.Helper()
		if _, err := admin.Exec("ALTER DATABASE " + dbName + " ALLOW_CONNECTIONS " + map[bool]string{true: "true", false: "false"}[yes]); err != nil {
			t.Fatalf("allow connections %v: %v", yes, err)
		}
		if !yes {
			if _, err := admin.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", dbName); err != nil {
				t.Fatalf("terminate backends: %v", err)
			}
		}
	}
	t.Cleanup(func() { admin.Exec("ALTER DATABASE " + dbName + " ALLOW_CONNECTIONS true") })

	m := bootMain(t, dbURL, &syncBuffer{})
	if r, err := postFIXR(m.URL(), testFIXRToken, fixrBody("pgdown", 0)); err != nil || r.Status != 200 {
		t.Fatalf("before the outage: %+v %v", r, err)
	}

	allow(false)
	start := time.Now()
	r, err := postFIXR(m.URL(), testFIXRToken, fixrBody("pgdown", 1))
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("answered after %v", took)
	}
	if r.Status != 503 || r.RetryAfter == "" || r.Body.Error == "" {
		t.Errorf("database down: got %+v, want 503 with Retry-After", r)
	}
	if code, _ := getStatus(t, m.URL()+"/readyz"); code != 503 {
		t.Errorf("/readyz while down = %d", code)
	}
	if code, _ := getStatus(t, m.URL()+"/healthz"); code != 200 {
		t.Errorf("/healthz while down = %d", code)
	}

	allow(true)
	var ok webhookResult
	waitFor(t, 15*time.Second, "a 200 after the database is back", func() (bool, error) {
		var err error
		ok, err = postFIXR(m.URL(), testFIXRToken, fixrBody("pgdown", 1))
		return err == nil && ok.Status == 200, err
	})
	waitFor(t, 10*time.Second, "the delivery to be processed", func() (bool, error) {
		var status string
		err := m.store.Read.Raw("SELECT status FROM deliveries WHERE id = ?", ok.Body.DeliveryID).Scan(&status).Error
		return status == models.StatusProcessed, err
	})
}

// TestMainGeneratedAdminPassword: a first start without
// FANHOOK_ADMIN_PASSWORD prints a generated password once, on stderr and not
// in the log; later starts print nothing.
func TestMainGeneratedAdminPassword(t *testing.T) {
	env := map[string]string{"FANHOOK_DATABASE_URL": storetest.URL(t, models.DialectSQLite)}
	var log1, stderr1, log2, stderr2 syncBuffer
	first := bootMainEnv(t, env, &log1, &stderr1)
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`created admin user "admin" with password (\S+)`).FindStringSubmatch(stderr1.String())
	if m == nil {
		t.Fatalf("first start printed no password: %q", stderr1.String())
	}
	if len(m[1]) < 10 || strings.Contains(log1.String(), m[1]) {
		t.Errorf("password %q: too short, or also in the log", m[1])
	}
	bootMainEnv(t, env, &log2, &stderr2)
	if strings.Contains(stderr2.String(), "password") {
		t.Errorf("second start printed a password: %q", stderr2.String())
	}
}
