package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/fanhook/fanhook/handlers"
	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/web"
)

// Config is everything `serve` needs, read once at start from the
// environment (and serve's flags, which win) and validated before anything
// listens. The secret fields must never reach a log: print Config with
// String, which redacts them.
type Config struct {
	Addr        string
	DatabaseURL string
	// DatabaseMaxConns caps the PostgreSQL pool of this process.
	DatabaseMaxConns int

	FIXRTokens         []string
	TikklSecrets       []string
	TradableBitsTokens []string
	VibesTokens        []string
	VibesAllowedIPs    []netip.Prefix
	TrustedProxies     []netip.Prefix

	AdminPassword string
	MaxBodyBytes  int64

	LogLevel  zerolog.Level
	LogFormat string // json or console
}

// setting is one configuration variable: its environment name, its flag of
// `serve`, its default, and how its text is parsed into the Config.
type setting struct {
	env, flag, def, usage string
	secret                bool
	parse                 func(c *Config, v string) error
}

var settings = []setting{
	{env: "FANHOOK_ADDR", flag: "addr", def: ":8080", usage: "listen address",
		parse: parseAddr},
	{env: "FANHOOK_DATABASE_URL", flag: "database-url", def: "sqlite:fanhook.db",
		usage: "sqlite:PATH or postgres://…", secret: true, parse: parseDatabaseURL},
	{env: "FANHOOK_DATABASE_MAX_CONNS", flag: "database-max-conns", def: "16",
		usage: "PostgreSQL connections this process may open",
		parse: func(c *Config, v string) error {
			n, err := parsePositive(v, 10_000)
			c.DatabaseMaxConns = int(n)
			return err
		}},
	{env: "FANHOOK_FIXR_TOKEN", flag: "fixr-token", usage: "FIXR bearer token(s), comma-separated",
		secret: true, parse: func(c *Config, v string) error { c.FIXRTokens = splitList(v); return nil }},
	{env: "FANHOOK_TIKKL_SECRET", flag: "tikkl-secret", usage: "Tikkl webhook secret(s), comma-separated",
		secret: true, parse: func(c *Config, v string) error { c.TikklSecrets = splitList(v); return nil }},
	{env: "FANHOOK_TRADABLEBITS_TOKEN", flag: "tradablebits-token", usage: "Tradable Bits token(s), comma-separated",
		secret: true, parse: func(c *Config, v string) error { c.TradableBitsTokens = splitList(v); return nil }},
	{env: "FANHOOK_VIBES_TOKEN", flag: "vibes-token", usage: "Vibes token(s), comma-separated",
		secret: true, parse: func(c *Config, v string) error { c.VibesTokens = splitList(v); return nil }},
	{env: "FANHOOK_VIBES_ALLOWED_IPS", flag: "vibes-allowed-ips", usage: "IPs/CIDRs allowed to post Vibes callbacks",
		parse: func(c *Config, v string) (err error) { c.VibesAllowedIPs, err = parsePrefixes(v); return err }},
	{env: "FANHOOK_TRUSTED_PROXIES", flag: "trusted-proxies", usage: "CIDRs whose X-Forwarded-For is believed",
		parse: func(c *Config, v string) (err error) { c.TrustedProxies, err = parsePrefixes(v); return err }},
	{env: "FANHOOK_ADMIN_PASSWORD", flag: "admin-password", usage: "ensure admin user \"admin\" has this password",
		secret: true, parse: parseAdminPassword},
	{env: "FANHOOK_MAX_BODY_BYTES", flag: "max-body-bytes", def: strconv.Itoa(handlers.DefaultMaxBodyBytes),
		usage: "larger webhook bodies get 413",
		parse: func(c *Config, v string) (err error) { c.MaxBodyBytes, err = parsePositive(v, 1<<40); return err }},
	{env: "FANHOOK_LOG_LEVEL", flag: "log-level", def: "info", usage: "trace, debug, info, warn, error or disabled",
		parse: parseLogLevel},
	{env: "FANHOOK_LOG_FORMAT", flag: "log-format", def: "json", usage: "json or console",
		parse: func(c *Config, v string) error {
			v = strings.ToLower(strings.TrimSpace(v))
			if v != "json" && v != "console" {
				return errors.New("is not json or console")
			}
			c.LogFormat = v
			return nil
		}},
}

// LoadConfig reads the configuration from getenv, with args (serve's flags)
// overriding it. The error is one line naming the variable (or flag) and its
// offending value, secrets excepted; flag.ErrHelp means -h was asked for.
func LoadConfig(args []string, getenv func(string) string, usageOut io.Writer) (*Config, error) {
	fs := flag.NewFlagSet("fanhook serve", flag.ContinueOnError)
	fs.SetOutput(usageOut)
	fs.Usage = func() {
		fmt.Fprintln(usageOut, "usage: fanhook serve [flags]\n\nEvery flag overrides its environment variable:")
		fs.PrintDefaults()
	}
	flagVals := make([]*string, len(settings))
	for i, s := range settings {
		def := "unset"
		if s.def != "" {
			def = "default " + s.def
		}
		flagVals[i] = fs.String(s.flag, "", fmt.Sprintf("%s (%s; %s)", s.usage, s.env, def))
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("serve: %v", err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	c := &Config{}
	for i, s := range settings {
		name, v := s.env, getenv(s.env)
		if set[s.flag] {
			name, v = "--"+s.flag, *flagVals[i]
		}
		if strings.TrimSpace(v) == "" && s.def != "" {
			v = s.def
		}
		if err := s.parse(c, v); err != nil {
			if s.secret {
				return nil, fmt.Errorf("%s: %v", name, err)
			}
			return nil, fmt.Errorf("%s: %q %v", name, v, err)
		}
	}
	return c, nil
}

// Secrets is the part of the configuration the webhook endpoints check.
func (c *Config) Secrets() handlers.Secrets {
	return handlers.Secrets{
		FIXR:            c.FIXRTokens,
		Tikkl:           c.TikklSecrets,
		TradableBits:    c.TradableBitsTokens,
		Vibes:           c.VibesTokens,
		VibesAllowedIPs: c.VibesAllowedIPs,
		TrustedProxies:  c.TrustedProxies,
		MaxBodyBytes:    c.MaxBodyBytes,
	}
}

// String is the configuration with every secret redacted: lists show how
// many values they hold, the database URL loses its password.
func (c *Config) String() string {
	count := func(vs []string) string {
		if len(vs) == 0 {
			return "unset"
		}
		return fmt.Sprintf("%d redacted", len(vs))
	}
	admin := "unset"
	if c.AdminPassword != "" {
		admin = "redacted"
	}
	return fmt.Sprintf("addr=%s database=%s database_max_conns=%d fixr_token=%s tikkl_secret=%s "+
		"tradablebits_token=%s vibes_token=%s vibes_allowed_ips=%s trusted_proxies=%s admin_password=%s "+
		"max_body_bytes=%d log_level=%s log_format=%s",
		c.Addr, describeDatabase(c.DatabaseURL), c.DatabaseMaxConns, count(c.FIXRTokens),
		count(c.TikklSecrets), count(c.TradableBitsTokens), count(c.VibesTokens),
		prefixList(c.VibesAllowedIPs), prefixList(c.TrustedProxies), admin, c.MaxBodyBytes,
		c.LogLevel, c.LogFormat)
}

// ProvidersEnabled lists the providers with a secret configured.
func (c *Config) ProvidersEnabled() []string {
	var out []string
	for _, p := range []struct {
		name string
		vs   []string
	}{{models.ProviderFIXR, c.FIXRTokens}, {models.ProviderTikkl, c.TikklSecrets},
		{models.ProviderTradableBits, c.TradableBitsTokens}, {models.ProviderVibes, c.VibesTokens}} {
		if len(p.vs) > 0 {
			out = append(out, p.name)
		}
	}
	return out
}

func parseAddr(c *Config, v string) error {
	v = strings.TrimSpace(v)
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return errors.New("is not host:port (e.g. :8080 or 127.0.0.1:8080)")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return errors.New("has no valid port (0-65535)")
	}
	if strings.ContainsAny(host, " /") {
		return errors.New("has an invalid host")
	}
	c.Addr = v
	return nil
}

func parseDatabaseURL(c *Config, v string) error {
	v = strings.TrimSpace(v)
	switch {
	case strings.HasPrefix(v, "sqlite:"):
		if strings.TrimPrefix(v, "sqlite:") == "" {
			return errors.New("sqlite: needs a file path, e.g. sqlite:fanhook.db")
		}
	case strings.HasPrefix(v, "postgres://"), strings.HasPrefix(v, "postgresql://"):
		u, err := url.Parse(v)
		if err != nil {
			return errors.New("is not a valid postgres:// URL")
		}
		if u.Host == "" && u.Query().Get("host") == "" {
			return fmt.Errorf("%q has no host", models.RedactURL(v))
		}
	default:
		return fmt.Errorf("%q must start with sqlite:, postgres:// or postgresql://", models.RedactURL(v))
	}
	c.DatabaseURL = v
	return nil
}

// parseAdminPassword applies the admin page's password rules now, so a
// password it would refuse stops serve before it listens.
func parseAdminPassword(c *Config, v string) error {
	if v == "" {
		return nil
	}
	if n := utf8.RuneCountInString(v); n < web.MinPasswordLength {
		return fmt.Errorf("is %d characters; the admin password needs at least %d", n, web.MinPasswordLength)
	}
	if len(v) > 72 {
		return errors.New("is longer than 72 bytes, more than bcrypt reads")
	}
	c.AdminPassword = v
	return nil
}

func parsePositive(v string, max int64) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		return 0, errors.New("is not a positive integer")
	}
	if n > max {
		return 0, fmt.Errorf("is larger than %d", max)
	}
	return n, nil
}

func parseLogLevel(c *Config, v string) error {
	lvl, err := zerolog.ParseLevel(strings.ToLower(strings.TrimSpace(v)))
	if err != nil || lvl == zerolog.NoLevel {
		return errors.New("is not a log level (trace, debug, info, warn, error, disabled)")
	}
	c.LogLevel = lvl
	return nil
}

// splitList splits a comma list, trimming items and dropping empty ones.
func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// parsePrefixes parses a comma list of IPs and CIDRs; an IP is a prefix of
// its full length.
func parsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range splitList(v) {
		if strings.Contains(item, "/") {
			p, err := netip.ParsePrefix(item)
			if err != nil {
				return nil, fmt.Errorf("has %q, which is not an IP address or CIDR", item)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("has %q, which is not an IP address or CIDR", item)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func prefixList(ps []netip.Prefix) string {
	if len(ps) == 0 {
		return "unset"
	}
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

// describeDatabase names the database without its user or password (a log
// line stays free of anything like an address).
func describeDatabase(raw string) string {
	if !strings.Contains(raw, "://") {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	u.User = nil
	q := u.Query()
	q.Del("password")
	q.Del("user")
	u.RawQuery = q.Encode()
	return u.String()
}
