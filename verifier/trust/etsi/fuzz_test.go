package etsi

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"

	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// FuzzParse feeds arbitrary bytes to the trusted-list reader and the
// signature check: they must return an error or a list, never panic.
func FuzzParse(f *testing.F) {
	if dir, ok := reftest.Available(); ok {
		for _, name := range []string{"test-trust-list-with-sig.xml", "eu-lotl-excerpt-CY-pointer.xml"} {
			if b, err := os.ReadFile(filepath.Join(dir, "trust", "etsi", name)); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`<TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#"><SchemeInformation><TSLSequenceNumber>1</TSLSequenceNumber></SchemeInformation></TrustServiceStatusList>`))
	f.Add([]byte(`<TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#"><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/></ds:Signature></TrustServiceStatusList>`))
	pin := newTestCA(f, "fuzz pin", nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		if l, err := Parse(data, 1<<20); err == nil && l == nil {
			t.Fatal("nil list without error")
		}
		_, _, _ = Import(data, ImportOptions{Pinned: []*x509.Certificate{pin.cert}, MaxBytes: 1 << 20})
		_, _ = ParsePointers(data)
	})
}
