package elm

import (
	"encoding/json"
	"testing"
)

func TestRoundTripLosesNothing(t *testing.T) {
	for _, s := range roundTripSamples(t) {
		t.Run(s.name, func(t *testing.T) {
			in := readSample(t, s)
			c := mustParse(t, in)
			out, err := Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			diffs, err := jsonDiff(in, out, 20)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range diffs {
				t.Error(d)
			}
		})
	}
}

func TestRoundTripThroughEncodingJSON(t *testing.T) {
	for _, s := range roundTripSamples(t)[:2] {
		t.Run(s.name, func(t *testing.T) {
			in := readSample(t, s)
			var c EuropeanDigitalCredential
			if err := json.Unmarshal(in, &c); err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(&c)
			if err != nil {
				t.Fatal(err)
			}
			diffs, _ := jsonDiff(in, out, 20)
			for _, d := range diffs {
				t.Error(d)
			}
		})
	}
}

func TestRoundTripKeepsStringListsAndTextsApart(t *testing.T) {
	in := []byte(`{"id":"urn:x","type":["EuropeanDigitalCredential","VerifiableCredential"],` +
		`"credentialProfiles":[],"displayParameter":{"id":"urn:d","type":"DisplayParameter",` +
		`"title":{"en":"A","fr":["B","C"],"de":[]},"language":{"id":"urn:l","type":"Concept"}}}`)
	c := mustParse(t, in)
	c.Type.Items = append(c.Type.Items, "Extra") // must not write over a neighbour
	c.Type.Items = c.Type.Items[:2]
	out, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	diffs, err := jsonDiff(in, out, 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Error(d)
	}
}
