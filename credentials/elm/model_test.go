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
