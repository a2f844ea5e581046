package keys

import (
	"errors"
	"testing"
)

func FuzzParseTrustFile(f *testing.F) {
	f.Add([]byte(trustFile))
	f.Add([]byte(`{"entries":[]}`))
	f.Add([]byte(`{"entries":[{"did":"did:key:z6Mk","name":"x","country":"FR","scope":{"iscedFields":["0421"]}}]}`))
	f.Add([]byte(`{"entries":[{"certificate":"-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----","name":"x","country":"FR"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParseTrustFile(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for i, e := range entries {
			if e.ID == "" || seen[e.ID] || !IsCountry(e.Country) || e.Name == "" {
				t.Fatalf("accepted entry %d is not valid: %+v", i, e)
			}
			seen[e.ID] = true
		}
	})
}
