package elm

import (
	"errors"
	"strings"
	"testing"
)

func TestParseESI(t *testing.T) {
	tests := []struct {
		in      string
		scope   string
		code    string
		country bool
		wantErr string
	}{
		{in: "urn:schac:personalUniqueCode:int:esi:es:12345678Z", scope: "es", code: "12345678Z", country: true},
		{in: "urn:schac:personalUniqueCode:int:esi:uni-zed.ie:S-2023.0042", scope: "uni-zed.ie", code: "S-2023.0042"},
		{in: "URN:SCHAC:personalUniqueCode:int:esi:it:ab:cd", scope: "it", code: "ab:cd", country: true},
		{in: "urn:schac:personalUniqueCode:int:esi:es:", wantErr: "empty code"},
		{in: "urn:schac:personalUniqueCode:int:esi:es", wantErr: "no code after the scope"},
		{in: "urn:schac:personalUniqueCode:int:esi:spain:1", wantErr: "neither a country code nor a domain"},
		{in: "urn:schac:personalUniqueCode:int:esi:-bad.ie:1", wantErr: "neither a country code nor a domain"},
		{in: "urn:schac:personalUniqueCode:int:esi:es:12 34", wantErr: `code contains ' '`},
		{in: "urn:schac:personalUniqueCode:nl:local:1234", wantErr: "does not begin with"},
		{in: "http://example.org/pid1", wantErr: "does not begin with"},
		{in: "urn:schac:personalUniqueCode:int:esi:es:" + strings.Repeat("9", 256-len(ESIPrefix)-3), wantErr: "over the limit of 255"},
	}
	for _, tt := range tests {
		t.Run(tt.in[:min(len(tt.in), 60)], func(t *testing.T) {
			got, err := ParseESI(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalidESI) {
					t.Fatalf("ParseESI(%q) error = %v, want one containing %q wrapping ErrInvalidESI", tt.in, err, tt.wantErr)
				}
				if ValidESI(tt.in) {
					t.Errorf("ValidESI(%q) = true", tt.in)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseESI(%q): %v", tt.in, err)
			}
			if got.Scope != tt.scope || got.Code != tt.code || got.IsCountry() != tt.country {
				t.Errorf("ParseESI(%q) = %+v (country %v), want scope %q code %q country %v", tt.in, got, got.IsCountry(), tt.scope, tt.code, tt.country)
			}
			if !ValidESI(tt.in) {
				t.Errorf("ValidESI(%q) = false", tt.in)
			}
		})
	}
}

func TestESIAtMaxLengthIsValid(t *testing.T) {
	s := ESIPrefix + "es:" + strings.Repeat("7", ESIMaxLen-len(ESIPrefix)-3)
	if len(s) != ESIMaxLen || !ValidESI(s) {
		t.Fatalf("len %d, ValidESI = %v; want %d and true", len(s), ValidESI(s), ESIMaxLen)
	}
	if ValidESI(s + "7") {
		t.Fatal("ValidESI accepted 256 bytes")
	}
}

func TestESIStringRoundTrips(t *testing.T) {
	in := "urn:schac:personalUniqueCode:int:esi:uni-zed.ie:abc"
	e, err := ParseESI(in)
	if err != nil || e.String() != in {
		t.Fatalf("ParseESI(%q).String() = %q, %v", in, e.String(), err)
	}
}
