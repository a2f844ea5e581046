package ldproc

import "testing"

func TestWellFormedLang(t *testing.T) {
	for tag, want := range map[string]bool{
		"en": true, "en-GB": true, "de-CH-1996": true, "sgn-BE-FR": true, "abcdefgh-12345678": true,
		"": false, "-": false, "en-": false, "-en": false, "en--GB": false, "1en": false,
		"abcdefghi": false, "en-123456789": false, "en_GB": false, "é": false, "en-é": false,
	} {
		if got := wellFormedLang(tag); got != want {
			t.Errorf("wellFormedLang(%q) = %v, want %v", tag, got, want)
		}
	}
}
