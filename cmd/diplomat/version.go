package main

import (
	"runtime/debug"
	"strings"
)

// version describes this build for --version: the module version ("devel"
// for a binary built from a checkout with go install or go build), the
// commit it was built from when the build recorded one (with "+changes"
// when the tree had uncommitted changes), and the Go version.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel (no build information)"
	}
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	parts := []string{v}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if modified == "true" {
			rev += "+changes"
		}
		parts = append(parts, "commit "+rev)
	}
	parts = append(parts, bi.GoVersion)
	return strings.Join(parts, ", ")
}
