package verifier

import (
	"context"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// FuzzVerify feeds arbitrary bytes to Verify: it must never panic, and must
// always return a report with a verdict (offline: no fetcher, no trust).
func FuzzVerify(f *testing.F) {
	if _, ok := reftest.Available(); ok {
		w := newWorld(f)
		f.Add(w.vcJWT(nil))
		f.Add(w.jwtVCJSON(nil))
		f.Add([]byte(w.sdJWT()))
		f.Add(w.sdJWTPresented("n", "a"))
		f.Add(w.dataIntegrity())
		f.Add(w.jades())
		f.Add(w.vpJWT(w.holder, "n", "a", w.vcJWT(nil)))
	}
	f.Add([]byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiableCredential"}`))
	f.Add([]byte(`eyJhbGciOiJub25lIn0.e30.`))
	f.Add([]byte(`{"payload":"x","signatures":[{"protected":"e30","signature":""}]}`))
	f.Add([]byte{})
	v, err := New(Options{Policy: Policy{At: testNow}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		rep, err := v.Verify(context.Background(), in, Request{Challenge: "n", Domain: "a"})
		if err != nil {
			t.Fatalf("error for input of %d bytes: %v", len(in), err)
		}
		if rep == nil || rep.Verdict == "" || len(rep.Checks) == 0 {
			t.Fatalf("report %+v", rep)
		}
		if rep.Verdict == Verified {
			t.Fatalf("verified offline with no trust source:\n%s", dump(rep))
		}
	})
}

// FuzzClaimedIssuer reads the issuer of arbitrary input as a report of a
// failed proof does: it must never panic, whatever Detect made of it.
func FuzzClaimedIssuer(f *testing.F) {
	f.Add([]byte(`eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6d2ViOngifQ.c2ln`))
	f.Add([]byte(`eyJhbGciOiJFUzI1NiJ9.eyJ2YyI6eyJpc3N1ZXIiOnsiaWQiOiJkaWQ6a2V5OnoifX19.c2ln~WyJhIiwiYiJd~`))
	f.Add([]byte(`{"payload":"{\"issuer\":\"urn:epass:org:1\"}","protected":"eyJhbGciOiJFUzI1NiIsImI2NCI6ZmFsc2V9","signature":""}`))
	f.Add([]byte(`{"@context":[],"type":"VerifiablePresentation","holder":{"id":"did:key:z"},"proof":{}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		format, err := credentials.Detect(in)
		if err != nil {
			return
		}
		_ = claimedIssuer(in, format)
	})
}
