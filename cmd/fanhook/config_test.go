package main

import (
	"io"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func envFunc(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

func TestConfigDefaults(t *testing.T) {
	c, err := LoadConfig(nil, envFunc(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Addr: ":8080", DatabaseURL: "sqlite:fanhook.db", DatabaseMaxConns: 16,
		MaxBodyBytes: 1048576, LogLevel: zerolog.InfoLevel, LogFormat: "json",
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", c, want)
	}
	if p := c.ProvidersEnabled(); len(p) != 0 {
		t.Errorf("providers enabled by default: %v", p)
	}
}

func TestConfigFromEnvAndFlags(t *testing.T) {
	env := map[string]string{
		"FANHOOK_ADDR":               "127.0.0.1:9000",
		"FANHOOK_DATABASE_URL":       "postgres://fan:pw@db:5432/fanhook?sslmode=disable",
		"FANHOOK_FIXR_TOKEN":         " old-token , new-token ,, ",
		"FANHOOK_TIKKL_SECRET":       "tk",
		"FANHOOK_TRADABLEBITS_TOKEN": "tb",
		"FANHOOK_VIBES_TOKEN":        "vb1,vb2",
		"FANHOOK_VIBES_ALLOWED_IPS":  "198.51.100.7, 203.0.113.0/24,2001:db8::1",
		"FANHOOK_TRUSTED_PROXIES":    "10.0.0.0/8",
		"FANHOOK_ADMIN_PASSWORD":     "hunter2hunter2",
		"FANHOOK_MAX_BODY_BYTES":     "2048",
		"FANHOOK_LOG_LEVEL":          "debug",
		"FANHOOK_LOG_FORMAT":         "console",
	}
	c, err := LoadConfig(nil, envFunc(env), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || c.MaxBodyBytes != 2048 || c.LogLevel != zerolog.DebugLevel || c.LogFormat != "console" {
		t.Errorf("env not applied: %+v", c)
	}
	if !reflect.DeepEqual(c.FIXRTokens, []string{"old-token", "new-token"}) {
		t.Errorf("FIXR tokens = %q", c.FIXRTokens)
	}
	wantIPs := []netip.Prefix{netip.MustParsePrefix("198.51.100.7/32"), netip.MustParsePrefix("203.0.113.0/24"),
		netip.MustParsePrefix("2001:db8::1/128")}
	if !reflect.DeepEqual(c.VibesAllowedIPs, wantIPs) {
		t.Errorf("Vibes IPs = %v", c.VibesAllowedIPs)
	}
	s := c.Secrets()
	if len(s.Vibes) != 2 || len(s.Tikkl) != 1 || s.MaxBodyBytes != 2048 || len(s.TrustedProxies) != 1 {
		t.Errorf("Secrets() = %+v", s)
	}

	// Flags win over the environment.
	c, err = LoadConfig([]string{"--addr", ":0", "--fixr-token=flag-token", "-max-body-bytes", "99",
		"--log-format", "json", "--vibes-allowed-ips", ""}, envFunc(env), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":0" || c.MaxBodyBytes != 99 || c.LogFormat != "json" || c.LogLevel != zerolog.DebugLevel {
		t.Errorf("flags not applied: %+v", c)
	}
	if !reflect.DeepEqual(c.FIXRTokens, []string{"flag-token"}) || len(c.VibesAllowedIPs) != 0 {
		t.Errorf("flags not applied: %q %v", c.FIXRTokens, c.VibesAllowedIPs)
	}
}

func TestConfigStringRedacts(t *testing.T) {
	env := map[string]string{
		"FANHOOK_DATABASE_URL":       "postgres://fan:dbpass123@db/fanhook?password=qpass456",
		"FANHOOK_FIXR_TOKEN":         "fixrsecret1,fixrsecret2",
		"FANHOOK_TIKKL_SECRET":       "tikklsecret",
		"FANHOOK_TRADABLEBITS_TOKEN": "tbsecret",
		"FANHOOK_VIBES_TOKEN":        "vibessecret",
		"FANHOOK_ADMIN_PASSWORD":     "adminsecret",
	}
	c, err := LoadConfig(nil, envFunc(env), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s := c.String()
	for _, secret := range []string{"dbpass123", "qpass456", "fixrsecret", "tikklsecret", "tbsecret", "vibessecret", "adminsecret"} {
		if strings.Contains(s, secret) {
			t.Errorf("String() shows %q: %s", secret, s)
		}
	}
	if !strings.Contains(s, "fixr_token=2 redacted") || !strings.Contains(s, "admin_password=redacted") {
		t.Errorf("String() = %s", s)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"body not a number", map[string]string{"FANHOOK_MAX_BODY_BYTES": "abc"}, nil,
			`FANHOOK_MAX_BODY_BYTES: "abc" is not a positive integer`},
		{"body zero", map[string]string{"FANHOOK_MAX_BODY_BYTES": "0"}, nil,
			`FANHOOK_MAX_BODY_BYTES: "0" is not a positive integer`},
		{"body flag", nil, []string{"--max-body-bytes", "-5"},
			`--max-body-bytes: "-5" is not a positive integer`},
		{"addr", map[string]string{"FANHOOK_ADDR": "8080"}, nil,
			`FANHOOK_ADDR: "8080" is not host:port`},
		{"addr port", map[string]string{"FANHOOK_ADDR": ":99999"}, nil,
			`FANHOOK_ADDR: ":99999" has no valid port`},
		{"database scheme", map[string]string{"FANHOOK_DATABASE_URL": "mysql://u:topsecret@h/db"}, nil,
			`FANHOOK_DATABASE_URL: "mysql://u:xxxxx@h/db" must start with sqlite:, postgres:// or postgresql://`},
		{"database key/value", map[string]string{"FANHOOK_DATABASE_URL": "host=127.0.0.1 password='top secret' user=fan"}, nil,
			`FANHOOK_DATABASE_URL: "host=127.0.0.1 password=xxxxx user=fan" must start with sqlite:, postgres:// or postgresql://`},
		{"database sqlite path", map[string]string{"FANHOOK_DATABASE_URL": "sqlite:"}, nil,
			`FANHOOK_DATABASE_URL: sqlite: needs a file path`},
		{"database postgres host", map[string]string{"FANHOOK_DATABASE_URL": "postgres://"}, nil,
			`FANHOOK_DATABASE_URL: "postgres://" has no host`},
		{"max conns", map[string]string{"FANHOOK_DATABASE_MAX_CONNS": "many"}, nil,
			`FANHOOK_DATABASE_MAX_CONNS: "many" is not a positive integer`},
		{"vibes ips", map[string]string{"FANHOOK_VIBES_ALLOWED_IPS": "198.51.100.7, 10.0.0.300"}, nil,
			`FANHOOK_VIBES_ALLOWED_IPS: "198.51.100.7, 10.0.0.300" has "10.0.0.300", which is not an IP address or CIDR`},
		{"trusted proxies", map[string]string{"FANHOOK_TRUSTED_PROXIES": "10.0.0.0/33"}, nil,
			`FANHOOK_TRUSTED_PROXIES: "10.0.0.0/33" has "10.0.0.0/33", which is not an IP address or CIDR`},
		{"log level", map[string]string{"FANHOOK_LOG_LEVEL": "loud"}, nil,
			`FANHOOK_LOG_LEVEL: "loud" is not a log level`},
		{"log format", map[string]string{"FANHOOK_LOG_FORMAT": "xml"}, nil,
			`FANHOOK_LOG_FORMAT: "xml" is not json or console`},
		{"admin password short", map[string]string{"FANHOOK_ADMIN_PASSWORD": "topsecret"}, nil,
			`FANHOOK_ADMIN_PASSWORD: is 9 characters; the admin password needs at least 10`},
		{"unknown flag", nil, []string{"--nope"}, `serve: flag provided but not defined: -nope`},
		{"stray argument", nil, []string{"extra"}, `serve: unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(tt.args, envFunc(tt.env), io.Discard)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tt.want) {
				t.Errorf("error = %q, want prefix %q", msg, tt.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error is more than one line: %q", msg)
			}
			if strings.Contains(msg, "topsecret") {
				t.Errorf("error shows a password: %q", msg)
			}
		})
	}
}

func TestParseAge(t *testing.T) {
	for in, want := range map[string]string{"90d": "2160h0m0s", "36h": "36h0m0s", "1d12h": "36h0m0s", "30m": "30m0s"} {
		d, err := parseAge(in)
		if err != nil || d.String() != want {
			t.Errorf("parseAge(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	for _, in := range []string{"", "abc", "0d", "-5h", "d", "5x"} {
		if _, err := parseAge(in); err == nil {
			t.Errorf("parseAge(%q) accepted", in)
		}
	}
}
