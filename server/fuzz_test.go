package server

import (
	"bytes"
	"testing"
)

// FuzzVerifyInput reads VC-API verify bodies: it must never panic, and a
// body it accepts gives input that is the member's bytes, an unwrapped
// envelope's data, or a compact string's content.
func FuzzVerifyInput(f *testing.F) {
	for _, seed := range []string{
		`{"verifiableCredential":"eyJhbGciOiJFZERTQSJ9.e30.c2ln"}`,
		`{"verifiableCredential":{"@context":"https://www.w3.org/ns/credentials/v2","type":"EnvelopedVerifiableCredential","id":"data:application/vc+jwt,eyJ.e30.x"}}`,
		`{"verifiableCredential":{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["EnvelopedVerifiableCredential"],"id":"data:application/vc+jwt;base64,ZXlK"}}`,
		`{"verifiableCredential":{"@context":"https://www.w3.org/ns/credentials/v2","type":"EnvelopedVerifiableCredential","id":"data:application/vc+jwt,a%2Cb"}}`,
		`{"verifiablePresentation":{"type":"VerifiablePresentation"},"options":{"challenge":"c","domain":"d"}}`,
		`{"verifiableCredential":{"id":"data:application/vc,{}"},"options":{"returnResults":true}}`,
		`{"verifiableCredential":{"@context":"https://www.w3.org/ns/credentials/v2","type":"EnvelopedVerifiableCredential","id":"data:application/vc+jwt,\u0065yJ"}}`,
		`{"x":1}`, `[]`, `"a"`, `{}`, `{"verifiableCredential":1}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		input, raw, _, err := verifyInput(body, "verifiableCredential", "verifiablePresentation")
		if err != nil {
			return
		}
		if len(raw) == 0 || len(input) == 0 {
			t.Fatalf("accepted %q with an empty input", body)
		}
		if raw[0] == '{' && !bytes.Equal(input, raw) && !bytes.Contains(body, []byte("Enveloped")) {
			t.Fatalf("an object that is no envelope was changed: %q", body)
		}
	})
}
