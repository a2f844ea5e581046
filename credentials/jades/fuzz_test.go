package jades

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// FuzzParse feeds the JWS JSON parser, and Verify behind it, arbitrary
// input: neither may panic, and every error is a *jades.Error wrapping a
// credentials sentinel. Seeds are in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"payload":"{}","signatures":[{"protected":"eyJhbGciOiJFUzI1NiJ9","signature":"AA"}]}`))
	f.Add([]byte(`{"payload":"e30","protected":"eyJhbGciOiJFUzI1NiJ9","header":{"etsiU":[]},"signature":""}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		j, err := Parse(data, 1<<20)
		if err != nil {
			if !errors.Is(err, credentials.ErrMalformed) {
				t.Fatalf("Parse error %v does not wrap ErrMalformed", err)
			}
		} else if j.Protected == "" || j.Header.Alg == "" || j.Payload == nil {
			t.Fatalf("Parse accepted a signature without protected header, alg or payload")
		}
		_, err = (&Mechanism{MaxBytes: 1 << 20}).Verify(context.Background(), data, nil, credentials.VerifyOptions{Now: fixedNow})
		var je *Error
		if err != nil && !errors.As(err, &je) {
			t.Fatalf("Verify error %v is not a *jades.Error", err)
		}
	})
}

// FuzzParseTimestamp feeds the RFC 3161 / CMS parser arbitrary DER. Seeds are
// in testdata/fuzz/FuzzParseTimestamp; the EDC samples' tokens are added
// when the reference data is present.
func FuzzParseTimestamp(f *testing.F) {
	f.Add([]byte{0x30, 0x03, 0x06, 0x01, 0x00})
	if dir, ok := reftest.Available(); ok {
		if data, err := os.ReadFile(filepath.Join(dir, "elm", "Sample-CertOfPart-signed.jsonld")); err == nil {
			for _, tok := range sampleTokens(data) {
				f.Add(tok)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := ParseTimestamp(data, nil)
		if err == nil && (ts.Serial == nil || len(ts.HashedMessage) != ts.Hash.Size()) {
			t.Fatalf("ParseTimestamp accepted a token without serial or with a short imprint")
		}
	})
}

// sampleTokens returns the time-stamp tokens of a signed sample's etsiU.
func sampleTokens(data []byte) [][]byte {
	j, err := Parse(data, 0)
	if err != nil {
		return nil
	}
	var out [][]byte
	for _, el := range j.EtsiU {
		var s string
		if json.Unmarshal(el, &s) != nil {
			continue
		}
		raw, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			continue
		}
		var m map[string]tstContainer
		if json.Unmarshal(raw, &m) != nil {
			continue
		}
		for _, c := range m {
			for _, tok := range c.TstTokens {
				if der, err := decodeStdBase64(tok.Val); err == nil {
					out = append(out, der)
				}
			}
		}
	}
	return out
}
