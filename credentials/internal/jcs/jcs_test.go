package jcs

import (
	"encoding/json"
	"math"
	"testing"
)

func TestNumbersAsECMAScript(t *testing.T) {
	for f, want := range map[float64]string{
		0: "0", 1: "1", -1: "-1", 1.5: "1.5", 1e21: "1e+21", 1e20: "100000000000000000000",
		1e-7: "1e-7", 1e-6: "0.000001", 123456789012345680000: "123456789012345680000",
		4.35: "4.35", 0.30000000000000004: "0.30000000000000004", 5e-324: "5e-324", -1.7976931348623157e308: "-1.7976931348623157e+308",
		333333333.3333333: "333333333.3333333", 2e-3: "0.002", 1.5e300: "1.5e+300",
	} {
		b, err := AppendNumber(nil, f)
		if err != nil || string(b) != want {
			t.Errorf("%v: got %s %v, want %s", f, b, err, want)
		}
	}
	if _, err := AppendNumber(nil, math.NaN()); err == nil {
		t.Error("NaN accepted")
	}
}

// TestRFC8785Example is the example of RFC 8785, section 3.2.3, with its
// output byte for byte.
func TestRFC8785Example(t *testing.T) {
	in := `{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals":[null,true,false]}`
	want := `{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`
	var v any
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	got, err := Marshal(v)
	if err != nil || string(got) != want {
		t.Errorf("got  %s %v\nwant %s", got, err, want)
	}
}

func TestKeysInUTF16Order(t *testing.T) {
	v := map[string]any{"\u20ac": 1.0, "\r": 2.0, "\ufb33": 3.0, "1": 4.0, "\U0001f600": 5.0, "\u0080": 6.0, "\u00f6": 7.0}
	got, _ := Marshal(v)
	want := "{\"\\r\":2,\"1\":4,\"\u0080\":6,\"\u00f6\":7,\"\u20ac\":1,\"\U0001f600\":5,\"\ufb33\":3}"
	if string(got) != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}
