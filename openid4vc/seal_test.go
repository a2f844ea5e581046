package openid4vc

import (
	"bytes"
	"errors"
	"testing"
)

func TestProcessSealerOpensOnlyWhatItSealedForTheSameRecord(t *testing.T) {
	p, err := NewProcessSealer()
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("a response decryption key")
	sealed, err := p.SealData([]byte("request A"), secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, secret) {
		t.Fatal("the sealed value holds the plaintext")
	}
	again, _ := p.SealData([]byte("request A"), secret)
	if bytes.Equal(again, sealed) {
		t.Fatal("sealing twice gave the same bytes: the nonce is not random")
	}
	got, err := p.OpenData([]byte("request A"), sealed)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("OpenData = %q, %v", got, err)
	}
	other, _ := NewProcessSealer()
	altered := bytes.Clone(sealed)
	altered[len(altered)-1] ^= 1
	for name, open := range map[string]func() ([]byte, error){
		"another record":  func() ([]byte, error) { return p.OpenData([]byte("request B"), sealed) },
		"another process": func() ([]byte, error) { return other.OpenData([]byte("request A"), sealed) },
		"altered":         func() ([]byte, error) { return p.OpenData([]byte("request A"), altered) },
		"truncated":       func() ([]byte, error) { return p.OpenData([]byte("request A"), sealed[:10]) },
	} {
		if pt, err := open(); !errors.Is(err, ErrSealed) || pt != nil {
			t.Errorf("%s: %q, %v; want ErrSealed", name, pt, err)
		}
	}
}
