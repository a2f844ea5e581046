package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// run is the whole program: it builds the command tree for one invocation and
// executes it. It never exits; main turns its error into an exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return (&app{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}).run(ctx, args)
}

// run executes one invocation with a's environment and streams.
func (a *app) run(ctx context.Context, args []string) error {
	root := newRootCommand(a)
	root.SetArgs(args)
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	defer a.close()
	return root.ExecuteContext(ctx)
}

// exitCode prints err (if any) by the message rules of errors.go and returns
// the process exit code: 0 success, 1 failure, 2 usage error.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	code, msg, hint := describe(err)
	if msg != "" {
		fmt.Fprintf(stderr, "diplomat: error: %s\n", msg)
	}
	if hint != "" {
		fmt.Fprintf(stderr, "hint: %s\n", hint)
	}
	return code
}
