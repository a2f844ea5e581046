package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocumentedCommandsExist: every diplomat command line in the README
// and docs/*.md names a command that exists and only flags it takes, so that
// what a person copies from the documentation runs.
func TestDocumentedCommandsExist(t *testing.T) {
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "../../README.md")
	root := newRootCommand(&app{getenv: func(string) string { return "" }})
	root.InitDefaultHelpFlag()
	root.InitDefaultVersionFlag() // as Execute does
	checked := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range commandLines(string(data)) {
			words := shellWords(line)
			cmd, rest, err := root.Find(words[1:])
			if err == nil && cmd == root && len(rest) > 0 && strings.HasPrefix(rest[0], "--") {
				err = nil // a flag of diplomat itself: --version, --help
			} else if cmd == root {
				err = os.ErrNotExist
			}
			if err != nil {
				t.Errorf("%s: %q: no such command", filepath.Base(file), line)
				continue
			}
			checked++
			for _, w := range rest {
				if !strings.HasPrefix(w, "--") {
					continue
				}
				name, _, _ := strings.Cut(strings.TrimPrefix(w, "--"), "=")
				if cmd.Flags().Lookup(name) == nil && cmd.InheritedFlags().Lookup(name) == nil && root.PersistentFlags().Lookup(name) == nil {
					t.Errorf("%s: %q: %s takes no flag --%s", filepath.Base(file), line, cmd.CommandPath(), name)
				}
			}
		}
	}
	if checked < 50 {
		t.Fatalf("only %d documented command lines found: the reader of the docs is broken", checked)
	}
}

var fence = regexp.MustCompile("(?s)```[a-z]*\n(.*?)```")

// commandLines returns the diplomat command lines of the code blocks of a
// Markdown text, continuation lines joined, comments dropped.
func commandLines(md string) []string {
	var out []string
	for _, m := range fence.FindAllStringSubmatch(md, -1) {
		block := strings.ReplaceAll(m[1], "\\\n", " ")
		for _, l := range strings.Split(block, "\n") {
			l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "$ "))
			if i := strings.Index(l, " #"); i >= 0 {
				l = l[:i]
			}
			for _, part := range strings.Split(l, "|") {
				part = strings.TrimSpace(part)
				if strings.HasPrefix(part, "diplomat ") {
					out = append(out, part)
				}
			}
		}
	}
	return out
}

// shellWords splits a command line into words as a shell would, for the
// quoting the documentation uses ('…', "…"); redirections end the words.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == ' ' || c == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		case c == '>' || c == '<':
			if in {
				words = append(words, cur.String())
			}
			return words
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// TestReadmeStartsWithWhatDiplomatIsAndTwoCommands: the README opens with
// what Diplomat is and exactly two commands that work on a fresh machine,
// the main job and the tests; no link in it or in docs/ leads out of the
// repository or to a file that does not exist.
func TestReadmeStartsWithWhatDiplomatIsAndTwoCommands(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	if !strings.HasPrefix(readme, "# Diplomat\n\nDiplomat ") {
		t.Errorf("the README does not open with what Diplomat is: %.60q", readme)
	}
	first := fence.FindStringSubmatch(readme)
	if first == nil {
		t.Fatal("the README has no code block")
	}
	var cmds []string
	for _, l := range strings.Split(strings.TrimSpace(first[1]), "\n") {
		cmd, _, _ := strings.Cut(l, "#")
		cmds = append(cmds, strings.TrimSpace(cmd))
	}
	if want := []string{"go run ./cmd/diplomat serve --dev", "go test ./..."}; strings.Join(cmds, "\n") != strings.Join(want, "\n") {
		t.Errorf("the README's first commands are %q, want exactly %q", cmds, want)
	}
	if before := readme[:strings.Index(readme, first[0])]; strings.Contains(before, "```") || strings.Count(before, "\n## ") > 0 {
		t.Error("something comes between the description and the two commands")
	}

	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	files, _ := filepath.Glob("../../docs/*.md")
	for _, file := range append(files, "../../README.md") {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(data), -1) {
			target := m[1]
			if strings.HasPrefix(target, "https://") || strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "#") {
				continue
			}
			target, _, _ = strings.Cut(target, "#")
			path := filepath.Join(filepath.Dir(file), target)
			rel, err := filepath.Rel("../..", path)
			if err != nil || strings.HasPrefix(rel, "..") || filepath.IsAbs(target) {
				t.Errorf("%s links out of the repository: %s", filepath.Base(file), m[1])
				continue
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s links to %s, which does not exist", filepath.Base(file), m[1])
			}
		}
	}
}
