package etsi

import (
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/internal/reftest"
	"github.com/diplomat-edu/diplomat/verifier/trust"
)

// TestPointerForRequiresTheXMLList: the certificates that may sign a
// national list are those of the LOTL's pointer to its XML form; a pointer
// to the human-readable PDF form is never used instead.
func TestPointerForRequiresTheXMLList(t *testing.T) {
	data := reftest.Read(t, "trust", "etsi", "SE-TL.xml")
	pts := signerOfFile(t, data)
	pdf := Pointer{Territory: "SE", MimeType: "application/pdf", Certificates: []*x509.Certificate{pts}}
	xml := Pointer{Territory: "se", MimeType: "application/vnd.etsi.tsl+xml", Certificates: []*x509.Certificate{pts}}
	cases := []struct {
		name     string
		pointers []Pointer
		want     *Pointer // nil: none
	}{
		{"only a PDF pointer", []Pointer{pdf}, nil},
		{"PDF first, then XML", []Pointer{pdf, xml}, &xml},
		{"XML only", []Pointer{xml}, &xml},
		{"another territory's XML", []Pointer{{Territory: "CY", MimeType: "application/vnd.etsi.tsl+xml"}}, nil},
		{"a MIME type merely containing xml", []Pointer{{Territory: "SE", MimeType: "text/xml-ish"}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := (&List{Pointers: c.pointers}).PointerFor("SE")
			if (got == nil) != (c.want == nil) || got != nil && got.MimeType != c.want.MimeType {
				t.Fatalf("PointerFor = %+v, want %+v", got, c.want)
			}
		})
	}
	_, _, err := Import(data, ImportOptions{LOTL: &List{Pointers: []Pointer{pdf}}, Now: at("2025-05-01T00:00:00Z")})
	if !errors.Is(err, trust.ErrNotPinned) || !strings.Contains(err.Error(), "XML") {
		t.Fatalf("import against a PDF pointer: err = %v, want ErrNotPinned", err)
	}
}
