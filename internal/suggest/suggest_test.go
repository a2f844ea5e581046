package suggest

import "testing"

func TestNearest(t *testing.T) {
	names := []string{"givenName", "familyName", "ects", "legalName"}
	for typed, want := range map[string]string{"given_name": "givenName", "ECT": "ects", "legalname": "legalName", "colour": ""} {
		if got := Nearest(typed, names, 4); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", typed, got, want)
		}
	}
	if d := Distance("kitten", "sitting"); d != 3 {
		t.Errorf("Distance = %d, want 3", d)
	}
}
