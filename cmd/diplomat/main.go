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
	a := &app{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	os.Exit(a.main(os.Args[1:]))
}

// main runs one invocation as a process does and returns its exit code.
// Ctrl-C and SIGTERM cancel the command's context, and a closed pipe on
// stdout (diplomat demo | head -1) makes writes fail with EPIPE instead of
// killing the process: either way the command returns through its error
// path, so that it cleans up after itself (the demo's temporary folder, an
// empty store it created).
func (a *app) main(args []string) int {
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return exitCode(a.run(ctx, args), a.stderr)
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
	err := root.ExecuteContext(ctx)
	a.close(err)
	return err
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
