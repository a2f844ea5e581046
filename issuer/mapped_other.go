//go:build !linux

package issuer

import "go.etcd.io/bbolt"

// releaseMapped does nothing where madvise is not used (see mapped_linux.go).
func releaseMapped(*bbolt.Tx) {}
