package dataintegrity

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// FuzzVerify feeds arbitrary bytes to Verify: it must return an error or a
// result, never panic, and every error must wrap one of the documented
// sentinels (or be a context or canonicalisation error).
func FuzzVerify(f *testing.F) {
	f.Add([]byte(`{"@context":"https://www.w3.org/2018/credentials/v1","issuer":"did:x","proof":{"type":"DataIntegrityProof","cryptosuite":"eddsa-rdfc-2022","verificationMethod":"did:key:z6Mk","proofPurpose":"assertionMethod","proofValue":"z1"}}`))
	f.Add([]byte(`{"proof":[{},{"type":1}]}`))
	f.Add([]byte(`[`))
	cache := refCache{}
	if dir, ok := reftest.Available(); ok {
		if _, err := jsonld.Import(filepath.Join(dir, "contexts"), cache); err != nil {
			f.Fatal(err)
		}
		for _, p := range []string{
			"vectors/di-eddsa/TestVectors/eddsa-rdfc-2022/signedDataInt.json",
			"vectors/di-eddsa/TestVectors/proof-set-chain/signedProofChain2.json",
			"vectors/di-ecdsa/TestVectors/ecdsa-rdfc-2019-p384/employ/signedECDSAP384.json",
			"vectors/di-ecdsa/TestVectors/ecdsa-jcs-2019-p256/signedJCSECDSAP256.json",
			"vectors/di-ecdsa/TestVectors/ecdsa-sd-2023/employ/addSignedSDBase.json",
			"vectors/di-ecdsa/TestVectors/ecdsa-sd-2023/employ/derivedRevealDocument.json",
		} {
			if b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p))); err == nil {
				f.Add(b)
			}
		}
	}
	s, err := New(EdDSARDFC2022, Options{Contexts: jsonld.New(jsonld.Options{Cache: cache})})
	if err != nil {
		f.Fatal(err)
	}
	known := []error{credentials.ErrMalformed, credentials.ErrInvalidProof, credentials.ErrUnknownKey, credentials.ErrUnsupportedKey,
		credentials.ErrExpired, credentials.ErrNotYetValid, jsonld.ErrUnknownContext, jsonld.ErrContextMismatch, ErrCanonicalize, ErrPointer}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := s.Verify(context.Background(), data, keyResolver{}, credentials.VerifyOptions{})
		if err == nil {
			if v == nil || v.Key == nil {
				t.Fatal("nil result without error")
			}
			return
		}
		for _, k := range known {
			if errors.Is(err, k) {
				return
			}
		}
		t.Fatalf("error wraps no documented sentinel: %v", err)
	})
}
