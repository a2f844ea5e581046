package webpath

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
)

// ErrNotDocumentURL is wrapped by Rel's errors.
var ErrNotDocumentURL = errors.New("not a document URL")

// Rel returns the slash-separated path of rawURL's document in a HOST/PATH
// folder: the lower-cased host (with its port, if any) followed by the URL
// path. rawURL must be an http or https URL with a host, a path naming a
// file (not ending in "/"), no user information, query or fragment, and no
// path segment that is empty, "." or "..", or holds a backslash or NUL:
// anything else is an error wrapping ErrNotDocumentURL, so that no URL can
// name a place outside the folder.
func Rel(rawURL string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%w: %q %s", ErrNotDocumentURL, rawURL, why)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return bad("does not parse")
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return bad("is not an http(s) URL")
	case u.Host == "" || u.Opaque != "":
		return bad("has no host")
	case u.User != nil:
		return bad("carries user information")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(rawURL, "#"):
		return bad("has a query or fragment")
	}
	host := strings.ToLower(u.Host)
	if strings.ContainsAny(host, `/\`) || host == "." || host == ".." || strings.ContainsRune(host, 0) {
		return bad("has a host that is not a folder name")
	}
	p := u.Path
	if p == "" || p == "/" || strings.HasSuffix(p, "/") {
		return bad("names a folder, not a document")
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." || strings.ContainsAny(seg, "\\\x00") {
			return bad("has a path segment that cannot be a file name")
		}
	}
	if path.Clean(p) != p {
		return bad("has a path that is not clean")
	}
	return host + p, nil
}
