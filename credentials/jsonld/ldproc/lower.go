package ldproc

import "strings"

func stringsToLower(s string) string { return strings.ToLower(s) }
