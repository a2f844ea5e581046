package sdjwt

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
)

// The ELM sample (111 KB) as an SD-JWT VC in the DC4EU layout (the whole
// ELM under elm), ES256, with the DC4EU frame plus date of birth, the
// grade-bearing assessment and the credit points selectively disclosable.
// The floor is what any verifier must do at least: decode the same ELM JSON
// with encoding/json into any, and check one ES256 signature.

func benchSetup(b *testing.B) (*Mapped, party, []byte) {
	src := sampleELM(b)
	m, err := MapELMDC4EU(src)
	if err != nil {
		b.Fatal(err)
	}
	cs := Path{"elm", "credentialSubject"}
	m.Frame.Disclosable = append(m.Frame.Disclosable,
		cs.child("dateOfBirth"),
		cs.child("hasClaim").child("provenBy"),
		cs.child("hasClaim").child("specifiedBy").child("creditPoint"))
	m.Frame.Decoys = 3
	return m, newParty(b, "uniz", newP256(b)), mustJSON(b, m.Claims)
}

// floorES256 decodes payload into any and checks one ES256 signature.
func floorES256(b *testing.B, payload []byte, pub *ecdsa.PublicKey, sum []byte, sig []byte) {
	var v any
	if err := json.Unmarshal(payload, &v); err != nil {
		b.Fatal(err)
	}
	if !ecdsa.VerifyASN1(pub, sum, sig) {
		b.Fatal("floor signature")
	}
}

func BenchmarkVerifyELM(b *testing.B) {
	m, iss, claims := benchSetup(b)
	issued, err := Issue(claims, iss.key(), IssueOptions{Frame: m.Frame, Now: clock(t0)})
	if err != nil {
		b.Fatal(err)
	}
	r := resolverFor(iss)
	opts := credentials.VerifyOptions{Now: clock(t0)}
	src := sampleELM(b)
	k := iss.signer.(*ecdsa.PrivateKey)
	sum := sha256.Sum256(src)
	sig, _ := ecdsa.SignASN1(rand.Reader, k, sum[:])
	b.SetBytes(int64(len(issued)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if _, err := (Mechanism{}).Verify(context.Background(), []byte(issued), r, opts); err != nil {
			b.Fatal(err)
		}
	}
	ours := time.Since(start)
	b.StopTimer()
	fstart := time.Now()
	for range b.N {
		floorES256(b, src, &k.PublicKey, sum[:], sig)
	}
	floor := time.Since(fstart)
	b.ReportMetric(float64(ours)/float64(floor), "x-floor")
}

func BenchmarkIssueELM(b *testing.B) {
	m, iss, claims := benchSetup(b)
	src := sampleELM(b)
	k := iss.signer.(*ecdsa.PrivateKey)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if _, err := Issue(claims, iss.key(), IssueOptions{Frame: m.Frame, Now: clock(t0)}); err != nil {
			b.Fatal(err)
		}
	}
	ours := time.Since(start)
	b.StopTimer()
	fstart := time.Now()
	for range b.N {
		var v any
		if err := json.Unmarshal(src, &v); err != nil {
			b.Fatal(err)
		}
		sum := sha256.Sum256(src)
		if _, err := ecdsa.SignASN1(rand.Reader, k, sum[:]); err != nil {
			b.Fatal(err)
		}
	}
	floor := time.Since(fstart)
	b.ReportMetric(float64(ours)/float64(floor), "x-floor")
}
