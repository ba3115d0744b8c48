package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/fanhook/fanhook/web"
)

// runAdmin is `fanhook admin set-password USER`.
func runAdmin(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	const synopsis = "set-password USER   (the password is read from stdin)"
	if len(args) == 0 || args[0] != "set-password" {
		fmt.Fprintf(stderr, "usage: fanhook admin %s\n", synopsis)
		return 2
	}
	fs := newFlagSet("admin set-password", "USER", stderr)
	if code, ok := parseFlags(fs, args[1:]); !ok {
		return code
	}
	if fs.NArg() != 1 || strings.TrimSpace(fs.Arg(0)) == "" {
		fs.Usage()
		return 2
	}
	user := strings.TrimSpace(fs.Arg(0))
	password, err := readPassword(stdin, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "fanhook admin set-password: %v\n", err)
		return 2
	}
	c, code := openCommand(ctx, "admin set-password", stderr)
	if c == nil {
		return code
	}
	defer c.Close()
	if err := web.SetPassword(ctx, c.store, user, password); err != nil {
		fmt.Fprintf(stderr, "fanhook admin set-password: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "password set for admin user %q\n", user)
	return 0
}

// readPassword reads the first line of stdin, without its line ending. On a
// terminal it prompts and does not echo.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		return checkPassword(string(b))
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	return checkPassword(strings.TrimRight(line, "\r\n"))
}

func checkPassword(p string) (string, error) {
	if p == "" {
		return "", errors.New("no password on stdin (give it as the first line)")
	}
	return p, nil
}
