package sdjwt

import (
	"bytes"
	"encoding/json"
	"testing"
)

// stdJSON is what jsonRaw wrote before appendJSON: encoding/json's Encoder
// without HTML escaping.
func stdJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func checkSameAsEncodingJSON(t *testing.T, v any) {
	t.Helper()
	want, werr := stdJSON(v)
	got, gerr := jsonRaw(v)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("jsonRaw error %v, encoding/json %v", gerr, werr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("jsonRaw wrote\n%s\nencoding/json\n%s", got, want)
	}
}

// TestJSONRawWritesWhatEncodingJSONWrites: every value type the issuer
// builds, every string escape and the ELM sample (decoded both ways) come
// out byte for byte as encoding/json writes them; what jsonRaw does not
// know goes to encoding/json; a bad json.Number is an error in both.
func TestJSONRawWritesWhatEncodingJSONWrites(t *testing.T) {
	strs := []string{"", "plain", `q"uote`, `back\slash`, "\b\f\n\r\t", "\x00\x01\x1f\x7f", "<>&", "é€𝄞", "\u2028\u2029",
		"bad \xff utf8 \xc3", "\xed\xa0\x80", "mixed \"é\"\n\u2029end"}
	for _, s := range strs {
		checkSameAsEncodingJSON(t, s)
		checkSameAsEncodingJSON(t, map[string]any{s: s})
	}
	checkSameAsEncodingJSON(t, map[string]any{
		"b": []any{json.Number("1"), json.Number("-0.5e+10"), json.Number(""), true, false, nil, 3, int64(-7), 2.5, float32(1.25)},
		"a": map[string]string{"z": "1", "y": "<2>"}, "_sd": []string{"x", "w"}, "nil": []any(nil), "nilmap": map[string]any(nil),
		"nilstr": []string(nil), "empty": []any{}, "emptymap": map[string]any{}, "other": struct{ X int }{4}, "B": "upper first",
	})
	for _, n := range []json.Number{"01", "1.", ".5", "1e", "--1", "0x10", "NaN"} {
		checkSameAsEncodingJSON(t, []any{n})
	}
	if src, ok := sampleOrSkip(t); ok {
		var v any
		dec := json.NewDecoder(bytes.NewReader(src))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		checkSameAsEncodingJSON(t, v)
	}
}

// sampleOrSkip returns the ELM sample when the reference data is there.
func sampleOrSkip(t *testing.T) ([]byte, bool) {
	defer func() { _ = recover() }()
	return sampleELM(t), true
}

// FuzzJSONRaw: any JSON value, decoded as an issuer holds claims, is
// written by jsonRaw exactly as encoding/json writes it.
func FuzzJSONRaw(f *testing.F) {
	for _, s := range []string{`{"a":[1,"\u2028",null,true]}`, `"\ud800"`, `[1e5,-0,0.1]`, `{"<":"\u0000\u007f"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if dec.Decode(&v) != nil {
			return
		}
		checkSameAsEncodingJSON(t, v)
	})
}
