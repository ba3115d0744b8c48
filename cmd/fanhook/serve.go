package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/handlers"
	"github.com/fanhook/fanhook/models"
	fansync "github.com/fanhook/fanhook/sync"
	"github.com/fanhook/fanhook/web"
)

// HTTP server limits. Every webhook is answered within 10 s (the contract):
// reading a request may take ReadTimeout, the commit is bounded by the
// handlers, and WriteTimeout leaves room for the answer.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 12 * time.Second
	idleTimeout       = 90 * time.Second
	maxHeaderBytes    = 64 << 10
	// shutdownTimeout bounds waiting for in-flight requests on SIGTERM; it
	// exceeds writeTimeout so a request in progress always finishes.
	shutdownTimeout = 15 * time.Second
)

// Main is the `serve` process: the store, the inbox that commits raw
// deliveries, the worker that normalizes them, and the HTTP server. Tests
// boot it on 127.0.0.1:0 exactly as the binary does.
type Main struct {
	Config Config
	Log    zerolog.Logger
	// Stderr receives the generated admin password on first start.
	Stderr io.Writer

	store    *models.Store
	inbox    *fansync.Inbox
	worker   *fansync.Worker
	server   *http.Server
	listener net.Listener

	stopWorker context.CancelFunc
	workerDone chan struct{}
	serveDone  chan error
}

// NewMain returns a Main for cfg; call Run, then Close.
func NewMain(cfg Config, log zerolog.Logger) *Main {
	return &Main{Config: cfg, Log: log, Stderr: os.Stderr}
}

// Run opens and migrates the database, ensures an admin user, starts the
// worker and the inbox, and starts serving on Config.Addr. It returns once
// the server listens; Close stops everything.
func (m *Main) Run(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	m.store, err = openStore(ctx, &m.Config)
	if err != nil {
		return err
	}
	if err := migrate(ctx, m.store, &m.Config); err != nil {
		return err
	}
	// Bind before creating the admin: a start that cannot listen must not
	// print a password nobody will use.
	m.listener, err = net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	generated, err := web.EnsureAdmin(ctx, m.store, m.Config.AdminPassword)
	if err != nil {
		return fmt.Errorf("ensure admin user: %w", err)
	}
	if generated != "" {
		// The one secret fanhook ever prints, deliberately, once: without it
		// nobody could sign in to a fresh install.
		fmt.Fprintf(m.Stderr, "fanhook: created admin user \"admin\" with password %s\n"+
			"fanhook: it is shown only this once; change it with `fanhook admin set-password admin`\n", generated)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	store := m.store
	metrics := handlers.NewMetrics(reg, func(ctx context.Context) (int64, error) {
		return fansync.PendingCount(ctx, store)
	})

	// The worker and the inbox refer to each other; the worker's closure
	// keeps its own reference, since Close clears m.inbox while the worker
	// may still be finishing a batch.
	var inbox *fansync.Inbox
	workerOpts := fansync.WorkerOptions{OnDone: metrics.DeliveryDone, OnSnapshot: metrics.SnapshotBatch}
	if m.store.Dialect == models.DialectSQLite {
		// One writer connection: webhooks waiting for their commit go first.
		workerOpts.Yield = func() bool { return inbox.Busy() }
		workerOpts.Idle = func() bool { return inbox.IdleFor(100 * time.Millisecond) }
	}
	m.worker = fansync.NewWorker(m.store, m.Log.With().Str("component", "worker").Logger(), workerOpts)
	inboxOpts := fansync.InboxOptions{OnCommit: m.worker.Wake}
	if m.store.Dialect == models.DialectPostgres {
		// SQLite's worker takes its turns on the one writer (Yield);
		// PostgreSQL's needs the inbox to leave it room (InboxPace).
		inboxOpts.Pace = m.worker.InboxPace
	}
	inbox = fansync.NewInbox(m.store, m.Log.With().Str("component", "inbox").Logger(), inboxOpts)
	m.inbox = inbox
	m.inbox.Start()
	workerCtx, stopWorker := context.WithCancel(context.WithoutCancel(ctx))
	m.stopWorker, m.workerDone = stopWorker, make(chan struct{})
	go func() {
		defer close(m.workerDone)
		if err := m.worker.Run(workerCtx); err != nil {
			m.Log.Error().Err(err).Msg("worker stopped")
		}
	}()

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = ipExtractor(&m.Config)
	handlers.Register(e, handlers.Deps{
		Secrets:  m.Config.Secrets(),
		Inbox:    m.inbox,
		Store:    m.store,
		Log:      m.Log,
		Metrics:  metrics,
		Gatherer: reg,
	})
	admin, err := web.New(m.store, web.Options{Log: m.Log.With().Str("component", "admin").Logger(),
		Worker: m.worker, TrustedProxies: m.Config.TrustedProxies})
	if err != nil {
		return fmt.Errorf("admin page: %w", err)
	}
	admin.Register(e)

	m.server = &http.Server{
		Handler:           e,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          newStdLogger(m.Log),
	}
	e.Server = m.server
	m.serveDone = make(chan error, 1)
	go func() { m.serveDone <- m.server.Serve(m.listener) }()

	m.Log.Info().Str("addr", m.listener.Addr().String()).Str("database", m.store.Dialect).
		Strs("providers", m.Config.ProvidersEnabled()).Str("version", version).Msg("listening")
	return nil
}

// Addr is the address the server listens on (useful with port 0).
func (m *Main) Addr() string {
	if m.listener == nil {
		return ""
	}
	return m.listener.Addr().String()
}

// URL is the server's base URL.
func (m *Main) URL() string { return "http://" + m.Addr() }

// Close shuts down gracefully: stop accepting, let in-flight requests finish
// (each is committed or answered 503), flush the inbox, let the worker finish
// its batch, close the database. It is safe to call more than once.
func (m *Main) Close() error {
	var errs []error
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		if err := m.server.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
			m.server.Close()
		}
		cancel()
		if err := <-m.serveDone; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("serve: %w", err))
		}
		m.server, m.listener = nil, nil
	} else if m.listener != nil {
		m.listener.Close()
		m.listener = nil
	}
	if m.inbox != nil {
		m.inbox.Close()
		m.inbox = nil
	}
	if m.stopWorker != nil {
		m.stopWorker()
		<-m.workerDone
		m.stopWorker = nil
	}
	if m.store != nil {
		if err := m.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close database: %w", err))
		}
		m.store = nil
	}
	return errors.Join(errs...)
}

// runServe is `fanhook serve`: run until SIGINT or SIGTERM, then shut down
// gracefully. A second signal kills at once.
func runServe(ctx context.Context, args []string, stderr io.Writer) int {
	cfg, err := LoadConfig(args, os.Getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "fanhook: %v\n", err)
		return 2
	}
	log := newLogger(stderr, cfg)
	log.Debug().Str("config", cfg.String()).Msg("configuration")

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain(*cfg, log)
	m.Stderr = stderr
	if err := m.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "fanhook: %v\n", err)
		return 1
	}
	select {
	case <-ctx.Done():
	case err := <-m.serveDone:
		// The server stopped by itself: put the error back for Close.
		m.serveDone <- err
		log.Error().Err(err).Msg("server stopped")
	}
	stop()
	log.Info().Msg("shutting down")
	if err := m.Close(); err != nil {
		log.Error().Err(err).Msg("shutdown")
		return 1
	}
	log.Info().Msg("stopped")
	return 0
}

// openStore opens the configured database.
func openStore(ctx context.Context, cfg *Config) (*models.Store, error) {
	store, err := models.Open(ctx, cfg.DatabaseURL, models.Options{MaxConns: cfg.DatabaseMaxConns})
	if err != nil {
		// Named like a bad value, so the operator knows where to look; the
		// exit status stays 1, since a database that is down may come back.
		return nil, fmt.Errorf("FANHOOK_DATABASE_URL: %w", err)
	}
	return store, nil
}

// ipExtractor believes X-Forwarded-For only from the trusted proxies.
func ipExtractor(cfg *Config) echo.IPExtractor {
	if len(cfg.TrustedProxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range cfg.TrustedProxies {
		n := &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
