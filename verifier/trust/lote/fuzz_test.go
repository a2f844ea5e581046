package lote

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// FuzzImport feeds arbitrary bytes (JSON or JWS) to the LoTE reader.
func FuzzImport(f *testing.F) {
	if dir, ok := reftest.Available(); ok {
		if b, err := os.ReadFile(filepath.Join(dir, "trust", "other", "lote-pid-providers-example.CONSTRUCTED.json")); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`eyJhbGciOiJFUzI1NiJ9.e30.AAAA`))
	f.Add([]byte(`{"LoTE":{"ListAndSchemeInformation":{"LoTESequenceNumber":1}}}`))
	pin := newCert(f, "pin", nil, false)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _ = Import(data, ImportOptions{Pinned: []*x509.Certificate{pin.cert}, AllowUnsigned: true, Now: func() time.Time { return time.Unix(1700000000, 0) }})
		_, _ = ReadStored(data)
	})
}
