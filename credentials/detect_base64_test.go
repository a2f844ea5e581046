package credentials

import (
	"strings"
	"testing"
)

func TestIsBase64URLRefusesEveryByteOutsideTheAlphabetAtEveryPosition(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	long := []byte(strings.Repeat(alphabet, 3)[:37]) // eight-byte blocks and a tail
	if !isBase64URL(long) || !isBase64URL(nil) {
		t.Fatal("the alphabet is refused")
	}
	for c := 0; c < 256; c++ {
		if strings.IndexByte(alphabet, byte(c)) >= 0 {
			continue
		}
		for i := range long {
			b := append([]byte(nil), long...)
			b[i] = byte(c)
			if isBase64URL(b) {
				t.Fatalf("byte 0x%02x at %d of %d accepted", c, i, len(b))
			}
		}
	}
}
