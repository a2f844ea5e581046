package status

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// TestReferenceVectorsDecodeAsTheySay decodes every vector of
// bitstring-status-list/generated/vectors.json and checks its length, its
// first bytes, every listed check and that exactly setBits are set.
func TestReferenceVectorsDecodeAsTheySay(t *testing.T) {
	var file struct {
		Vectors []struct {
			Name               string `json:"name"`
			EncodedList        string `json:"encodedList"`
			DecodedLengthBytes int    `json:"decodedLengthBytes"`
			DecodedLengthBits  int    `json:"decodedLengthBits"`
			FirstBytesHex      string `json:"firstBytesHex"`
			SetBits            []int  `json:"setBits"`
			Checks             []struct {
				Index  int  `json:"index"`
				Status bool `json:"status"`
			} `json:"checks"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(reftest.Read(t, "vectors", "bitstring-status-list", "generated", "vectors.json"), &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range file.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			s, err := Decode(v.EncodedList)
			if err != nil {
				t.Fatal(err)
			}
			if s.Len() != v.DecodedLengthBits || len(s.Bytes()) != v.DecodedLengthBytes {
				t.Fatalf("length %d bits, want %d", s.Len(), v.DecodedLengthBits)
			}
			if v.FirstBytesHex != "" {
				if got := hex.EncodeToString(s.Bytes()[:len(v.FirstBytesHex)/2]); got != v.FirstBytesHex {
					t.Errorf("first bytes %s, want %s", got, v.FirstBytesHex)
				}
			}
			for _, c := range v.Checks {
				if got, err := s.Get(c.Index); err != nil || got != c.Status {
					t.Errorf("bit %d = %v (%v), want %v", c.Index, got, err, c.Status)
				}
			}
			set := map[int]bool{}
			for _, i := range v.SetBits {
				set[i] = true
			}
			for i := range s.Len() {
				if got, _ := s.Get(i); got != set[i] {
					t.Fatalf("bit %d = %v, want %v", i, got, set[i])
				}
			}
			// What we encode decodes to the same bits.
			enc, err := s.Encode()
			if err != nil {
				t.Fatal(err)
			}
			back, err := Decode(enc)
			if err != nil || !bytes.Equal(back.Bytes(), s.Bytes()) {
				t.Fatalf("round trip: %v", err)
			}
		})
	}
}

// TestSpecExampleStatusListCredentialsDecode reads the encodedList of each
// spec example that is a status list credential.
func TestSpecExampleStatusListCredentialsDecode(t *testing.T) {
	for _, name := range []string{"ex03-example-bitstringstatuslistcredential.json", "ex05-a-status-list-verifiable-credential.json"} {
		t.Run(name, func(t *testing.T) {
			var vc struct {
				CredentialSubject struct {
					EncodedList string `json:"encodedList"`
				} `json:"credentialSubject"`
			}
			if err := json.Unmarshal(reftest.Read(t, "vectors", "bitstring-status-list", "spec-examples", name), &vc); err != nil {
				t.Fatal(err)
			}
			s, err := Decode(vc.CredentialSubject.EncodedList)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := s.Get(94567); got || s.Len() != MinBits {
				t.Errorf("bit 94567 = %v, len %d; want clear, %d", got, s.Len(), MinBits)
			}
		})
	}
}

// TestEBSIStatusList2021ExamplesDecode reads the EBSI StatusList2021
// examples, whose encodedList is standard base64 ("+", "/"). The "revoked
// 1-4" example's bitstring has bytes 1 and 4 equal to 0x01, which is bits 15
// and 39 when read most significant bit first, as both specifications say
// (the example's name counts bytes, not statuses).
func TestEBSIStatusList2021ExamplesDecode(t *testing.T) {
	for _, c := range []struct {
		name string
		set  []int
	}{
		{"issuer-revocation-empty-bitstring.json", nil},
		{"issuer-revocation-revoked-1-4-bitstring.json", []int{15, 39}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var vc struct {
				CredentialSubject struct {
					EncodedList string `json:"encodedList"`
				} `json:"credentialSubject"`
			}
			data := reftest.Read(t, "elm", "ebsi", "json-schema", "ebsi-revocation-statuslist", "2022-11_01", "examples", c.name)
			if err := json.Unmarshal(data, &vc); err != nil {
				t.Fatal(err)
			}
			s, err := DecodeStatusList2021(vc.CredentialSubject.EncodedList)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for i := range s.Len() {
				if b, _ := s.Get(i); b {
					got = append(got, i)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(c.set) {
				t.Errorf("set bits %v, want %v", got, c.set)
			}
		})
	}
}

func TestSetGetAndBitOrder(t *testing.T) {
	s, err := New(10)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != MinBits {
		t.Fatalf("len %d, want the minimum %d", s.Len(), MinBits)
	}
	for _, i := range []int{0, 7, 8, 131071} {
		if err := s.Set(i, true); err != nil {
			t.Fatal(err)
		}
	}
	if got := hex.EncodeToString(s.Bytes()[:2]); got != "8180" {
		t.Errorf("first bytes %s, want 8180 (bit 0 is the most significant)", got)
	}
	if err := s.Set(7, false); err != nil {
		t.Fatal(err)
	}
	if b, _ := s.Get(7); b {
		t.Error("bit 7 still set")
	}
	for _, i := range []int{-1, MinBits} {
		if _, err := s.Get(i); !errors.Is(err, ErrRange) {
			t.Errorf("Get(%d) = %v, want ErrRange", i, err)
		}
	}
	if _, err := New(-1); !errors.Is(err, ErrRange) {
		t.Errorf("New(-1) = %v, want ErrRange", err)
	}
}

func TestStatusReadsMultiBitEntries(t *testing.T) {
	s, _ := New(0)
	// Entry 3 of size 2 is bits 6 and 7: value 0b10.
	_ = s.Set(6, true)
	if v, err := s.Status(3, 2); err != nil || v != 2 {
		t.Errorf("Status(3, 2) = %d, %v; want 2", v, err)
	}
	if v, _ := s.Status(6, 1); v != 1 {
		t.Errorf("Status(6, 1) = %d, want 1", v)
	}
	if _, err := s.Status(0, 9); !errors.Is(err, ErrRange) {
		t.Errorf("size 9: %v, want ErrRange", err)
	}
	if _, err := s.Status(MinBits/2, 2); !errors.Is(err, ErrRange) {
		t.Errorf("index past the end: %v, want ErrRange", err)
	}
}

func TestStatusList2021RoundTripsInEveryAlphabet(t *testing.T) {
	s, _ := New(0)
	_ = s.Set(129430, true)
	enc, err := s.EncodeStatusList2021()
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(enc, "u") || !strings.HasPrefix(enc, "H4sI") {
		t.Fatalf("StatusList2021 list %q…: want plain base64url of GZIP", enc[:8])
	}
	raw, _ := base64.RawURLEncoding.DecodeString(enc)
	for name, form := range map[string]string{
		"base64url":        enc,
		"base64 padded":    base64.StdEncoding.EncodeToString(raw),
		"multibase prefix": "u" + enc,
	} {
		got, err := DecodeStatusList2021(form)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b, _ := got.Get(129430); !b {
			t.Errorf("%s: bit 129430 clear", name)
		}
	}
}

func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestDecodeRefusesBadInput(t *testing.T) {
	bomb := gz(t, make([]byte, MaxBytes+1))
	for _, c := range []struct {
		name, in string
		also     error
	}{
		{"no multibase prefix", base64.RawURLEncoding.EncodeToString(gz(t, make([]byte, MinBits/8))), nil},
		{"other multibase", "z" + "abc", nil},
		{"not base64url", "u+/+/", nil},
		{"padding", "u" + base64.URLEncoding.EncodeToString(gz(t, make([]byte, MinBits/8+1))), nil},
		{"not gzip", "u" + base64.RawURLEncoding.EncodeToString([]byte("plain bytes here")), nil},
		{"too short", "u" + base64.RawURLEncoding.EncodeToString(gz(t, make([]byte, 100))), ErrTooShort},
		{"bomb", "u" + base64.RawURLEncoding.EncodeToString(bomb), nil},
		{"truncated", "u" + base64.RawURLEncoding.EncodeToString(gz(t, make([]byte, MinBits/8))[:30]), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.in)
			if !errors.Is(err, credentials.ErrMalformed) {
				t.Fatalf("Decode = %v, want ErrMalformed", err)
			}
			if c.also != nil && !errors.Is(err, c.also) {
				t.Errorf("Decode = %v, want also %v", err, c.also)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	s, _ := New(0)
	_ = s.Set(5, true)
	enc, _ := s.Encode()
	f.Add(enc)
	f.Add("uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA")
	f.Add("H4sIAAAAAAAAE+3CMREAAAgAobd/aW3hAkdTFwAAAAAAAAAAAAAAAAAAAHi0N5xmiABAAAA")
	f.Add("u")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		for _, dec := range []func(string) (*Bitstring, error){Decode, DecodeStatusList2021} {
			s, err := dec(in)
			if err != nil {
				if !errors.Is(err, credentials.ErrMalformed) {
					t.Fatalf("error %v does not wrap ErrMalformed", err)
				}
				continue
			}
			if s.Len() < MinBits || s.Len() > MaxBytes*8 {
				t.Fatalf("decoded %d bits", s.Len())
			}
			if _, err := s.Get(s.Len() - 1); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func ExampleBitstring() {
	list, _ := New(0) // the minimum: 131,072 statuses
	_ = list.Set(94567, true)
	encoded, _ := list.Encode()

	back, _ := Decode(encoded)
	revoked, _ := back.Get(94567)
	fmt.Println(encoded[:1], back.Len(), revoked)
	// Output: u 131072 true
}

// TestFromBytesReadsBackBytes: FromBytes is Bytes read back, a copy, within
// the sizes a list may have.
func TestFromBytesReadsBackBytes(t *testing.T) {
	l, _ := New(MinBits)
	_ = l.Set(3, true)
	raw := l.Bytes()
	back, err := FromBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := back.Get(3); !v || back.Len() != l.Len() {
		t.Fatalf("FromBytes(Bytes()) lost bit 3 or changed length (%d, want %d)", back.Len(), l.Len())
	}
	raw[0] = 0xff
	if v, _ := back.Get(0); v {
		t.Error("FromBytes shares its argument's memory")
	}
	for _, n := range []int{0, MinBits/8 - 1, MaxBytes + 1} {
		if _, err := FromBytes(make([]byte, n)); !errors.Is(err, ErrRange) {
			t.Errorf("FromBytes of %d bytes: %v, want ErrRange", n, err)
		}
	}
}
