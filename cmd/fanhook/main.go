// Command fanhook receives webhooks from FIXR, Tikkl, Tradable Bits and
// Vibes, stores each delivery durably, and normalizes them into one list of
// fans. `fanhook serve` runs the server; the other subcommands maintain the
// database.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

// version is set at build time: go build -ldflags "-X main.version=v1.2.3".
var version = "dev"

const usage = `usage: fanhook COMMAND [arguments]

commands:
  serve                       migrate, then serve webhooks, the admin page, health and metrics
  migrate                     apply database migrations and exit
  replay [--status failed|pending|all] [--id N] [--provider P]
                              normalize stored deliveries again
  import FILE                 backfill deliveries from a JSON-lines file (- reads stdin)
  purge --older-than DURATION drop raw bodies of processed deliveries older than DURATION (e.g. 90d)
  admin set-password USER     create or update an admin user; the password is read from stdin
  version                     print the version

Configuration comes from FANHOOK_* environment variables; see fanhook serve -h.
`

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches a subcommand and returns the process's exit status: 0 on
// success, 1 when the work failed, 2 for a usage or configuration error.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stderr)
	case "migrate":
		return runMigrate(ctx, rest, stdout, stderr)
	case "replay":
		return runReplay(ctx, rest, stdout, stderr)
	case "import":
		return runImport(ctx, rest, stdin, stdout, stderr)
	case "purge":
		return runPurge(ctx, rest, stdout, stderr)
	case "admin":
		return runAdmin(ctx, rest, stdin, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "fanhook %s\n", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "fanhook: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}
