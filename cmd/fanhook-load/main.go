// Command fanhook-load drives fanhook's webhook endpoints with realistic FIXR, Tikkl,
// Tradable Bits and Vibes deliveries and reports throughput, status codes and latency.
//
//	fanhook-load --url http://127.0.0.1:8080 --duration 30s --concurrency 64
//	fanhook-load --rate 2000 --duration 1m          # open loop, fixed schedule
//	fanhook-load --ceiling --json                   # compare with a bare net/http handler
//	fanhook-load --import-file d.jsonl --requests 1000000   # input for `fanhook import`
//
// It exits 1 when more than 1% of the target's requests failed, 2 on bad flags.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type config struct {
	spec    loadSpec
	ceiling bool
	json    bool
	fans    int
	events  int
	timeout time.Duration
	// importFile, when set, receives --requests deliveries as JSON lines
	// for `fanhook import` instead of sending anything.
	importFile string
}

var tokenEnv = [nProviders]string{"FANHOOK_FIXR_TOKEN", "FANHOOK_TIKKL_SECRET",
	"FANHOOK_TRADABLEBITS_TOKEN", "FANHOOK_VIBES_TOKEN"}

func tokenFlag(provider int) string {
	if provider == provTikkl {
		return "tikkl-secret"
	}
	return providerNames[provider] + "-token"
}

type report struct {
	Seed    uint64   `json:"seed"`
	Ceiling *summary `json:"ceiling,omitempty"`
	Target  *summary `json:"target,omitempty"`
	Ratio   *float64 `json:"ratio,omitempty"` // target ok_rps ÷ ceiling ok_rps
	Error   string   `json:"error,omitempty"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() { <-ctx.Done(); stop() }() // first Ctrl-C reports what ran; a second one kills
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	cfg, err := parseFlags(args, stderr, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		fmt.Fprintln(stderr, "fanhook-load:", err)
		return 2
	}
	sp := cfg.spec
	for i, env := range tokenEnv {
		if sp.weights[i] > 0 && sp.tokens[i] == "" && cfg.importFile == "" { // an import sends nothing
			fmt.Fprintf(stderr, "fanhook-load: warning: %s has no secret (--%s or $%s): the target will answer 401/404\n",
				providerNames[i], tokenFlag(i), env)
		}
	}
	sp.pool = newPool(sp.seed, cfg.fans, cfg.events)
	if cfg.importFile != "" {
		if err := writeImportFile(cfg.importFile, sp.requests, sp); err != nil {
			fmt.Fprintln(stderr, "fanhook-load:", err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote %d deliveries to %s (seed %d)\n", sp.requests, cfg.importFile, sp.seed)
		return 0
	}
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: sp.workers, // one kept-alive connection per worker
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	sp.client = &http.Client{Transport: tr, Timeout: cfg.timeout,
		// A redirect is a misconfiguration to report, not something a provider follows.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	rep := report{Seed: sp.seed}
	if cfg.ceiling {
		base, stopCeiling, err := startCeiling()
		if err != nil {
			fmt.Fprintln(stderr, "fanhook-load: starting the ceiling handler:", err)
			return 1
		}
		c := sp
		c.baseURL = base
		s := runLoad(ctx, "ceiling", c)
		stopCeiling()
		tr.CloseIdleConnections()
		rep.Ceiling = &s
	}
	switch {
	case ctx.Err() != nil:
		rep.Error = "interrupted before the target run"
	default:
		if err := preflight(sp.baseURL); err != nil {
			rep.Error = fmt.Sprintf("cannot reach target %s: %v", sp.baseURL, err)
			break
		}
		s := runLoad(ctx, "target", sp)
		rep.Target = &s
		if rep.Ceiling != nil && rep.Ceiling.OKRPS > 0 {
			r := math.Round(s.OKRPS/rep.Ceiling.OKRPS*1e4) / 1e4
			rep.Ratio = &r
		}
	}

	if cfg.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		printText(stdout, cfg, rep)
	}
	if rep.Error != "" {
		fmt.Fprintln(stderr, "fanhook-load: error:", rep.Error)
		return 1
	}
	if t := rep.Target; t.Sent == 0 || t.Failed*100 > t.Sent {
		fmt.Fprintf(stderr, "fanhook-load: %d of %d target requests failed (limit 1%%)\n", t.Failed, t.Sent)
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer, getenv func(string) string) (config, error) {
	var cfg config
	sp := &cfg.spec
	fs := flag.NewFlagSet("fanhook-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&sp.baseURL, "url", "http://127.0.0.1:8080", "base URL of fanhook")
	fs.IntVar(&sp.workers, "concurrency", 32, "closed-loop workers; with --rate the max in flight (then 512 unless set)")
	fs.Float64Var(&sp.rate, "rate", 0, "requests/s on a fixed schedule (open loop); 0 = closed loop")
	fs.DurationVar(&sp.duration, "duration", 10*time.Second, "how long each run lasts; 0 = until --requests")
	fs.Int64Var(&sp.requests, "requests", 0, "stop after this many requests (0 = no cap)")
	providers := fs.String("providers", strings.Join(providerNames[:], ","), "providers to send")
	mix := fs.String("mix", "fixr=70,tikkl=10,tradablebits=10,vibes=10", "relative weight of each provider")
	fs.IntVar(&cfg.fans, "fans", 10000, "size of the recurring fan pool")
	fs.IntVar(&cfg.events, "events", 5, "number of hot events")
	for i, env := range tokenEnv {
		// The environment is read after parsing so that --help never prints a secret.
		fs.StringVar(&sp.tokens[i], tokenFlag(i), "", "defaults to the first value of $"+env)
	}
	fs.BoolVar(&cfg.ceiling, "ceiling", false, "first load a bare in-process handler, then the target, and print the ratio")
	fs.BoolVar(&cfg.json, "json", false, "print the summary as JSON")
	fs.Uint64Var(&sp.seed, "seed", 0, "random seed (0 = pick one); the same seed repeats the same ids")
	fs.DurationVar(&cfg.timeout, "timeout", 15*time.Second, "per-request timeout")
	fs.StringVar(&cfg.importFile, "import-file", "", "write --requests deliveries to this file as JSON lines for `fanhook import`, send nothing")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for i, env := range tokenEnv {
		if sp.tokens[i] == "" {
			sp.tokens[i] = strings.TrimSpace(strings.Split(getenv(env), ",")[0])
		}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if sp.rate > 0 && !set["concurrency"] {
		sp.workers = 512
	}
	if sp.seed == 0 {
		sp.seed = rand.Uint64()
	}
	u, err := url.Parse(sp.baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return cfg, fmt.Errorf("--url %q: want http(s)://host[:port]", sp.baseURL)
	}
	sp.baseURL = strings.TrimRight(sp.baseURL, "/")
	switch {
	case sp.workers < 1 || sp.rate < 0 || sp.duration < 0 || sp.requests < 0:
		return cfg, errors.New("--concurrency must be ≥ 1; --rate, --duration, --requests ≥ 0")
	case sp.duration == 0 && sp.requests == 0:
		return cfg, errors.New("--duration 0 needs --requests")
	case cfg.fans < 1 || cfg.events < 1:
		return cfg, errors.New("--fans and --events must be ≥ 1")
	case cfg.importFile != "" && sp.requests == 0:
		return cfg, errors.New("--import-file needs --requests")
	}
	sp.weights, err = parseMix(*mix, *providers, set["mix"])
	return cfg, err
}

// parseMix turns "fixr=70,tikkl=10" into weights, keeping only the --providers listed.
func parseMix(mix, providers string, explicit bool) (w [nProviders]int, err error) {
	for part := range strings.SplitSeq(mix, ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		i := slices.Index(providerNames[:], name)
		n, err := strconv.Atoi(val)
		if i < 0 || err != nil || n < 0 {
			return w, fmt.Errorf("--mix: %q is not provider=weight (providers: %s)", part,
				strings.Join(providerNames[:], ", "))
		}
		w[i] = n
	}
	var keep [nProviders]int
	total := 0
	for p := range strings.SplitSeq(providers, ",") {
		i := slices.Index(providerNames[:], strings.TrimSpace(p))
		if i < 0 {
			return w, fmt.Errorf("--providers: unknown provider %q", p)
		}
		if w[i] == 0 && explicit {
			return w, fmt.Errorf("provider %s has no weight in --mix", p)
		}
		keep[i] = w[i]
		total += w[i]
	}
	if total == 0 {
		return w, errors.New("--mix and --providers leave nothing to send")
	}
	return keep, nil
}

// preflight fails fast and clearly when nothing listens, instead of reporting thousands
// of identical transport errors.
func preflight(base string) error {
	u, _ := url.Parse(base)
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	c, err := net.DialTimeout("tcp", host, 3*time.Second)
	if err != nil {
		return err
	}
	return c.Close()
}
