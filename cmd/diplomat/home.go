package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/diplomat-edu/diplomat/keys"
)

// storePath is the store file chosen by --home, DIPLOMAT_HOME or the default.
func (a *app) storePath() string { return filepath.Join(a.homeDir(), keys.DefaultFile) }

// openStore opens the store once per invocation and closes it at the end.
func (a *app) openStore() (*keys.Store, error) {
	if a.store != nil {
		return a.store, nil
	}
	s, err := keys.Open(a.storePath(), &keys.Options{KDF: a.kdf})
	if err != nil {
		return nil, err
	}
	a.store = s
	a.onClose(s.Close)
	return s, nil
}

// unlockedStore opens the store and unlocks it with the passphrase from
// DIPLOMAT_PASSPHRASE or, on a terminal, a prompt without echo.
func (a *app) unlockedStore() (*keys.Store, error) {
	s, err := a.openStore()
	if err != nil {
		return nil, err
	}
	if s.Unlocked() {
		return s, nil
	}
	initialised, err := s.Initialised()
	if err != nil {
		return nil, err
	}
	pass, err := a.passphrase(!initialised)
	if err != nil {
		return nil, err
	}
	defer clear(pass)
	if err := s.Unlock(pass); err != nil {
		return nil, err
	}
	return s, nil
}

// passphrase reads the store passphrase. A new store asks twice on a terminal.
func (a *app) passphrase(isNew bool) ([]byte, error) {
	if p := a.getenv("DIPLOMAT_PASSPHRASE"); p != "" {
		return []byte(p), nil
	}
	f, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, withHint(errors.New("the store needs a passphrase and none was given"),
			"set DIPLOMAT_PASSPHRASE, or run the command on a terminal to be asked for it")
	}
	prompt := "passphrase for " + a.storePath() + ": "
	if isNew {
		prompt = "new passphrase for " + a.storePath() + ": "
	}
	p, err := a.readSecret(f, prompt)
	if err != nil {
		return nil, err
	}
	if isNew {
		again, err := a.readSecret(f, "the same passphrase again: ")
		if err != nil {
			return nil, err
		}
		defer clear(again)
		if !bytes.Equal(p, again) {
			clear(p)
			return nil, errors.New("the two passphrases differ; nothing was changed")
		}
	}
	return p, nil
}

func (a *app) readSecret(f *os.File, prompt string) ([]byte, error) {
	fmt.Fprint(a.stderr, prompt)
	p, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(a.stderr)
	if err != nil {
		return nil, fmt.Errorf("reading the passphrase: %v", err)
	}
	if len(p) == 0 {
		return nil, errors.New("the passphrase is empty")
	}
	return p, nil
}

// confirm asks a yes/no question on a terminal. Without a terminal it
// refuses, so that scripts must pass --yes.
func (a *app) confirm(question, flag string) error {
	f, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return usagef("not on a terminal to confirm: " + question + " (add " + flag + " to confirm in a script)")
	}
	fmt.Fprintf(a.stderr, "%s [y/N] ", question)
	var answer string
	fmt.Fscanln(f, &answer)
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		return errors.New("not confirmed; nothing was changed")
	}
	return nil
}

// printJSON writes v to stdout as indented JSON.
func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// table writes rows as aligned columns on stdout; the first row is the header.
func (a *app) table(rows [][]string) error {
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// readInput reads a file argument, "-" meaning stdin.
func (a *app) readInput(name string) ([]byte, error) {
	if name == "-" {
		var b bytes.Buffer
		if _, err := b.ReadFrom(a.stdin); err != nil {
			return nil, fmt.Errorf("reading standard input: %v", err)
		}
		return b.Bytes(), nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %v", name, errors.Unwrap(err))
	}
	return b, nil
}

// stderrf writes a message for the person (not data) to stderr.
func (a *app) stderrf(format string, args ...any) { fmt.Fprintf(a.stderr, format, args...) }

// printLine writes one line of data to stdout.
func (a *app) printLine(s string) error {
	_, err := fmt.Fprintln(a.stdout, s)
	return err
}
