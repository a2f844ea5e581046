package server

import (
	"bytes"
	"log"
	"log/slog"
	"regexp"
)

// clientAddress matches an IPv4 or bracketed IPv6 address, with its port.
var clientAddress = regexp.MustCompile(`(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?|\[[0-9A-Fa-f:.]+(?:%[0-9A-Za-z]+)?\](?::\d+)?`)

// errorLog is the http.Server's own error log (TLS handshake errors,
// panics, protocol errors) as warnings in l, with the addresses net/http
// writes into them ("TLS handshake error from 203.0.113.7:51234")
// removed: the service's log holds no client address (docs/serve.md).
func errorLog(l *slog.Logger) *log.Logger {
	return log.New(errorLogWriter{l}, "", 0)
}

type errorLogWriter struct{ l *slog.Logger }

func (w errorLogWriter) Write(p []byte) (int, error) {
	msg := clientAddress.ReplaceAll(bytes.TrimRight(p, "\n"), []byte("(address)"))
	w.l.Warn(string(msg))
	return len(p), nil
}
