package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/models"
	fansync "github.com/fanhook/fanhook/sync"
)

// command is what every subcommand other than serve shares: the
// configuration from the environment, a logger, and the migrated store.
type command struct {
	cfg   *Config
	log   zerolog.Logger
	store *models.Store
}

// openCommand loads the environment's configuration and opens and migrates
// the database. On failure it has printed one line and returns the exit
// status to use.
func openCommand(ctx context.Context, name string, stderr io.Writer) (*command, int) {
	cfg, err := LoadConfig(nil, os.Getenv, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "fanhook %s: %v\n", name, err)
		return nil, 2
	}
	log := newLogger(stderr, cfg)
	store, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "fanhook %s: %v\n", name, err)
		return nil, 1
	}
	if err := migrate(ctx, store, cfg); err != nil {
		store.Close()
		fmt.Fprintf(stderr, "fanhook %s: %v\n", name, err)
		return nil, 1
	}
	return &command{cfg: cfg, log: log, store: store}, 0
}

func (c *command) Close() { c.store.Close() }

// newFlagSet is a subcommand's flag set, printing its errors and usage to
// stderr and returning them instead of exiting.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("fanhook "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: fanhook %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; ok false means exit with status.
func parseFlags(fs *flag.FlagSet, args []string) (status int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	return 0, true
}

// interruptible cancels ctx on SIGINT or SIGTERM, so a long command stops
// between batches with what it committed so far.
func interruptible(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}

// runMigrate is `fanhook migrate`.
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("migrate", "", stderr)
	if status, ok := parseFlags(fs, args); !ok {
		return status
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	c, status := openCommand(ctx, "migrate", stderr)
	if c == nil {
		return status
	}
	defer c.Close()
	fmt.Fprintf(stdout, "database %s is migrated\n", c.store.Dialect)
	return 0
}

// runReplay is `fanhook replay`.
func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("replay", "[--status failed|pending|all] [--id N] [--provider P]", stderr)
	status := fs.String("status", "failed", "which deliveries: failed, pending or all")
	id := fs.Int64("id", 0, "only the delivery with this id (any status unless --status is given)")
	provider := fs.String("provider", "", "only this provider's deliveries ("+strings.Join(models.Providers, ", ")+")")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	switch *status {
	case "failed", "pending", "all":
	default:
		fmt.Fprintf(stderr, "fanhook replay: --status %q is not failed, pending or all\n", *status)
		return 2
	}
	if *provider != "" && !isProvider(*provider) {
		fmt.Fprintf(stderr, "fanhook replay: --provider %q is not one of %s\n", *provider, strings.Join(models.Providers, ", "))
		return 2
	}
	if *id < 0 {
		fmt.Fprintf(stderr, "fanhook replay: --id %d is not a delivery id\n", *id)
		return 2
	}
	statusSet := false
	fs.Visit(func(f *flag.Flag) { statusSet = statusSet || f.Name == "status" })
	filter := fansync.ReplayFilter{ID: *id, Status: *status, Provider: *provider}
	if *id != 0 && !statusSet {
		filter.Status = "all"
	}

	c, code := openCommand(ctx, "replay", stderr)
	if c == nil {
		return code
	}
	defer c.Close()
	ctx, cancel := interruptible(ctx)
	defer cancel()
	w := fansync.NewWorker(c.store, c.log, fansync.WorkerOptions{})
	n, err := w.Replay(ctx, filter)
	if err == nil && n == 0 && *id != 0 {
		// A mistyped id is not a success that did nothing.
		var found int64
		if err = c.store.Read.WithContext(ctx).Raw("SELECT COUNT(*) FROM deliveries WHERE id = ?", *id).Scan(&found).Error; err == nil && found == 0 {
			fmt.Fprintf(stderr, "fanhook replay: no delivery has id %d\n", *id)
			return 1
		}
	}
	fmt.Fprintf(stdout, "replayed %d %s\n", n, plural(n, "delivery", "deliveries"))
	if err != nil {
		fmt.Fprintf(stderr, "fanhook replay: %v\n", err)
		return 1
	}
	return 0
}

// runPurge is `fanhook purge --older-than DURATION`.
func runPurge(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("purge", "--older-than DURATION", stderr)
	olderThan := fs.String("older-than", "", "age, as a Go duration (720h) or days (90d)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 || *olderThan == "" {
		fs.Usage()
		return 2
	}
	age, err := parseAge(*olderThan)
	if err != nil {
		fmt.Fprintf(stderr, "fanhook purge: --older-than %q %v\n", *olderThan, err)
		return 2
	}
	c, code := openCommand(ctx, "purge", stderr)
	if c == nil {
		return code
	}
	defer c.Close()
	cutoff := time.Now().Add(-age).UTC()
	n, err := fansync.PurgeBodies(ctx, c.store, cutoff)
	if err != nil {
		fmt.Fprintf(stderr, "fanhook purge: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "purged the raw bodies of %d %s received before %s\n",
		n, plural(int(n), "delivery", "deliveries"), cutoff.Format(time.RFC3339))
	return 0
}

// parseAge reads a Go duration or a number of days ("90d", "1d12h").
func parseAge(s string) (time.Duration, error) {
	var days int64
	rest := strings.TrimSpace(s)
	if i := strings.IndexByte(rest, 'd'); i > 0 {
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		if err == nil {
			if n > 100*365 {
				return 0, errors.New("is more than a century")
			}
			days, rest = n, rest[i+1:]
		}
	}
	var d time.Duration
	if rest != "" {
		var err error
		d, err = time.ParseDuration(rest)
		if err != nil {
			return 0, errors.New("is not a duration (e.g. 90d, 36h, 1d12h)")
		}
	}
	d += time.Duration(days) * 24 * time.Hour
	if d <= 0 {
		return 0, errors.New("is not a positive duration")
	}
	return d, nil
}

func isProvider(p string) bool {
	for _, q := range models.Providers {
		if p == q {
			return true
		}
	}
	return false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
