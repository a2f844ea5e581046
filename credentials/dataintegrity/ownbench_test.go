package dataintegrity

import (
	"context"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials"
)

// BenchmarkOurVerify is our eddsa-rdfc-2022 verify alone (no peers in the
// loop), for profiling: its CPU and memory profiles show our code only.
func BenchmarkOurVerify(b *testing.B) {
	priv, vm := elmKey()
	key := credentials.SigningKey{Signer: priv, ID: vm}
	s := referenceSuite(b, EdDSARDFC2022)
	ctx := context.Background()
	for _, d := range benchDocs(b) {
		b.Run(d.name, func(b *testing.B) {
			signed, err := s.Sign(ctx, d.doc, key, credentials.SignOptions{})
			if err != nil {
				b.Fatal(err)
			}
			r := issuerControls(issuerID(readJSONBytes(b, d.doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Verify(ctx, signed, r, credentials.VerifyOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
