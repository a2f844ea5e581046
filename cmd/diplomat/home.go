package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"go.etcd.io/bbolt"
	"golang.org/x/term"

	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/store/postgres"
)

// storePath is the store file chosen by --home, DIPLOMAT_HOME or the
// default; for a database store (DIPLOMAT_STORE), its URL without password.
func (a *app) storePath() string {
	if u := a.storeURL(); u != "" {
		return postgres.Location(u)
	}
	return filepath.Join(a.homeDir(), keys.DefaultFile)
}

// storeURL is the database the store is kept in: serve's store setting or
// DIPLOMAT_STORE; "" for a store file, and always for the student's
// wallet, which is a file of its own.
func (a *app) storeURL() string {
	if a.wallet {
		return ""
	}
	if a.db != "" {
		return a.db
	}
	return a.getenv("DIPLOMAT_STORE")
}

// storeExists reports whether there is a store to open: a database is
// always there to ask (Open says what it holds), a file must exist.
func (a *app) storeExists() bool {
	if a.storeURL() != "" {
		return true
	}
	_, err := os.Stat(a.storePath())
	return err == nil
}

// openStore opens the store once per invocation, creating it when absent,
// and closes it at the end. Commands that change the store use it; those
// that only read use existingStore, so that they create nothing.
func (a *app) openStore() (*keys.Store, error) {
	if a.store != nil {
		return a.store, nil
	}
	if u := a.storeURL(); u != "" {
		return a.openDatabase(u)
	}
	path := a.storePath()
	_, err := os.Stat(path)
	created := errors.Is(err, fs.ErrNotExist)
	_, err = os.Stat(filepath.Dir(path))
	createdDir := errors.Is(err, fs.ErrNotExist)
	s, err := keys.Open(path, &keys.Options{KDF: a.kdf})
	if err != nil {
		return nil, err
	}
	a.store, a.created, a.createdDir = s, created, createdDir
	a.onClose(s.Close)
	return s, nil
}

// errNoStore is returned by existingStore when there is no store file.
var errNoStore = errors.New("no store")

// existingStore opens the store for a command that only reads it: when
// there is no store file it creates none (nor its folder) and returns an
// error wrapping errNoStore, which listing commands take as "nothing yet".
func (a *app) existingStore() (*keys.Store, error) {
	if a.store != nil || a.storeURL() != "" {
		return a.openStore()
	}
	if _, err := os.Stat(a.storePath()); errors.Is(err, fs.ErrNotExist) {
		if a.wallet {
			return nil, withHint(fmt.Errorf("%w at %s: the wallet is empty", errNoStore, a.storePath()),
				"receive a credential with 'diplomat wallet receive OFFER', or choose another wallet with --home or DIPLOMAT_WALLET_HOME")
		}
		return nil, withHint(fmt.Errorf("%w at %s", errNoStore, a.storePath()),
			"create one with 'diplomat keys create NAME' (a registrar) or 'diplomat trust add' (a verifier), or choose another with --home or DIPLOMAT_HOME")
	}
	return a.openStore()
}

// noStoreYet handles errNoStore in a listing command: with --json it
// prints empty (an empty list), else it says on stderr that there is no
// store yet. It reports whether err was that; any other error is left to
// the caller.
func (a *app) noStoreYet(err error, empty any, nothing string) (bool, error) {
	if !errors.Is(err, errNoStore) {
		return false, nil
	}
	if a.json {
		return true, a.printJSON(empty)
	}
	a.stderrf("no store at %s yet: %s\n", a.storePath(), nothing)
	return true, nil
}

// storeEmpty reports whether s holds nothing but what creating it and
// setting its passphrase wrote: no key, trust entry, context, issuer
// configuration or register entry.
func storeEmpty(s *keys.Store) bool {
	empty := true
	err := s.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			switch string(name) {
			case "keys.meta":
				return nil
			case "keys.audit":
				return b.ForEach(func(_, v []byte) error {
					var r keys.AuditRecord
					if json.Unmarshal(v, &r) != nil || (r.Op != "store.create" && r.Op != "store.passphrase-set") {
						empty = false
					}
					return nil
				})
			}
			if k, _ := b.Cursor().First(); k != nil {
				empty = false
			}
			return nil
		})
	})
	return err == nil && empty
}

// minPassphrase is the shortest passphrase a new store takes without
// --weak-passphrase.
const minPassphrase = 12

// unlockedStore opens the store and unlocks it with the passphrase from
// DIPLOMAT_PASSPHRASE (DIPLOMAT_WALLET_PASSPHRASE for the wallet) or, on a
// terminal, a prompt without echo.
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
	if n := utf8.RuneCount(pass); !initialised && n < minPassphrase && !a.weakPassphrase {
		return nil, withHint(usagef(fmt.Sprintf("the passphrase for the new store %s has %d characters: it needs at least %d", a.storePath(), n, minPassphrase)),
			"choose a longer one (a few random words), or add --weak-passphrase for a test store")
	}
	if err := s.Unlock(pass); err != nil {
		return nil, err
	}
	return s, nil
}

// passphrase reads the store passphrase. A new store asks twice on a terminal.
func (a *app) passphrase(isNew bool) ([]byte, error) {
	if p := a.getenv(a.passphraseVar()); p != "" {
		return []byte(p), nil
	}
	f, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, withHint(errors.New("the store needs a passphrase and none was given"),
			"set "+a.passphraseVar()+", or run the command on a terminal to be asked for it")
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
	yes, err := a.ask(question, flag)
	if err != nil {
		return err
	}
	if !yes {
		return errors.New("not confirmed; nothing was changed")
	}
	return nil
}

// ask asks a yes/no question on a terminal and reports the answer (no
// unless yes). Without a terminal it is a usage error naming flag, the
// script's way to answer.
func (a *app) ask(question, flag string) (bool, error) {
	f, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return false, usagef("not on a terminal to confirm: " + question + " (add " + flag + " to confirm in a script)")
	}
	fmt.Fprintf(a.stderr, "%s [y/N] ", question)
	var answer string
	fmt.Fscanln(f, &answer)
	reply := strings.ToLower(strings.TrimSpace(answer))
	return reply == "y" || reply == "yes", nil
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
		return nil, fileError("reading", name, err)
	}
	return b, nil
}

// fileError describes a failure to read path: a file or folder that does
// not exist is a usage error (exit code 2, the command was called with a
// wrong name), anything else a failure.
func fileError(doing, path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return usagef(fmt.Sprintf("%s %s: no such file or folder", doing, path))
	}
	if u := errors.Unwrap(err); u != nil {
		err = u
	}
	return fmt.Errorf("%s %s: %v", doing, path, err)
}

// stderrf writes a message for the person (not data) to stderr.
func (a *app) stderrf(format string, args ...any) { fmt.Fprintf(a.stderr, format, args...) }

// printLine writes one line of data to stdout.
func (a *app) printLine(s string) error {
	_, err := fmt.Fprintln(a.stdout, s)
	return err
}

// openDatabase opens the store kept in the PostgreSQL database at u: the
// schema must be this build's (diplomat store migrate), and the store's
// records are created on first use, as a new store file's are.
func (a *app) openDatabase(u string) (*keys.Store, error) {
	if !postgres.IsURL(u) {
		return nil, usagef(fmt.Sprintf("DIPLOMAT_STORE: %q is not a postgres:// URL (a store file is chosen with --home)", postgres.Location(u)))
	}
	// Open's errors say what to do (migrate, upgrade).
	db, err := postgres.Open(context.Background(), u, a.dbOpts)
	if err != nil {
		return nil, err
	}
	s, err := keys.New(db, &keys.Options{KDF: a.kdf})
	if err != nil {
		return nil, err
	}
	a.store = s
	a.onClose(s.Close)
	return s, nil
}
