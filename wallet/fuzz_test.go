package wallet

import "testing"

// FuzzParsePath: a claims path the student types never panics, and what
// parses renders back to a path that parses to the same.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"credentialSubject.hasClaim.*.title", "$.a[0].b[*]", "elm.credentialSubject.familyName", "a..b", "[", "*.x", "a.-1", "a.[\"x\"]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePath(s)
		if err != nil {
			return
		}
		if len(p) == 0 || p[0] == nil {
			t.Fatalf("ParsePath(%q) = %v", s, p)
		}
		plain := true
		for _, e := range p {
			if k, ok := e.(string); ok && !isIdent(k) {
				plain = false
			}
		}
		if plain {
			again, err := ParsePath(pathString(p))
			if err != nil || again.String() != p.String() {
				t.Fatalf("%q → %s → %q → %v, %v", s, p, pathString(p), again, err)
			}
		}
	})
}

// FuzzOfferLink: any text is a link to an offer or an error, never a panic.
func FuzzOfferLink(f *testing.F) {
	for _, s := range []string{"openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fx.example%2Fo", "https://x.example/credential-offer/abc", "openid-credential-offer://?credential_offer=%7B%7D", "words", "::", "haip-vci://?x=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		link, err := OfferLink(s, false)
		if err == nil && link == "" {
			t.Fatal("empty link without an error")
		}
	})
}

// FuzzPeekClientID: a request_uri's answer is read without a panic.
func FuzzPeekClientID(f *testing.F) {
	for _, s := range []string{"eyJhbGciOiJFUzI1NiJ9.eyJjbGllbnRfaWQiOiJ4NTA5X2hhc2g6YWJjIn0.sig", "a.b.c", "..", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = peekClientID(s)
	})
}

// FuzzDecodeQR: images (or anything) decode to a text or an error, within
// the size limits, never a panic.
func FuzzDecodeQR(f *testing.F) {
	f.Add(qrPNG(f, "openid4vp://?client_id=x509_hash%3Aabc&request_uri=https%3A%2F%2Fv.example%2Fr"))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xe0})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodeQR(b)
	})
}
