package jws_test

import (
	"encoding/base64"
	"errors"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/internal/jws"
)

func enc(s string) []byte { return []byte(base64.RawURLEncoding.EncodeToString([]byte(s))) }

// Members are read by exact name, typed, and bounded; anything else is
// ErrMalformed.
func TestParseHeader(t *testing.T) {
	h, err := jws.ParseHeader(enc(`{"alg":"ES256","typ":"vc+jwt","kid":"did:example:a#1","crit":["b64"],"b64":false}`), 1024)
	if err != nil || h.Alg != "ES256" || h.Typ != "vc+jwt" || h.Kid != "did:example:a#1" || !h.HasCrit || h.Crit[0] != "b64" || h.B64 == nil || *h.B64 {
		t.Fatalf("ParseHeader = %+v, %v", h, err)
	}
	if h, err := jws.ParseHeader(enc(`{"ALG":"none","Alg":"HS256"}`), 1024); err != nil || h.Alg != "" {
		t.Errorf("ALG and Alg were read as alg: %+v, %v", h, err)
	}
	for name, in := range map[string][]byte{
		"not base64url":   []byte("eyJ+"),
		"not an object":   enc(`["alg"]`),
		"alg not string":  enc(`{"alg":1}`),
		"empty x5c":       enc(`{"alg":"ES256","x5c":[]}`),
		"duplicate alg":   enc(`{"alg":"ES256","alg":"none"}`),
		"over the limit":  enc(`{"alg":"ES256","kid":"` + string(make([]byte, 64)) + `"}`),
		"too deep":        enc(`{"a":[[[[[[[[[[1]]]]]]]]]]}`),
		"b64 not boolean": enc(`{"b64":"false"}`),
	} {
		if _, err := jws.ParseHeader(in, 64); !errors.Is(err, credentials.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

func FuzzParseHeader(f *testing.F) {
	f.Add(enc(`{"alg":"ES256","typ":"JWT","x5c":["AA"],"crit":[]}`))
	f.Add(enc(`{"alg":"none"}`))
	f.Add([]byte("e30"))
	f.Fuzz(func(t *testing.T, in []byte) {
		if _, err := jws.ParseHeader(in, 4096); err != nil && !errors.Is(err, credentials.ErrMalformed) {
			t.Fatalf("error %v does not wrap ErrMalformed", err)
		}
	})
}
