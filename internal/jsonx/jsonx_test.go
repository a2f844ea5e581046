package jsonx

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/diplomat-edu/diplomat/internal/reftest"
)

func TestCheckAcceptsWellFormedJSON(t *testing.T) {
	for _, in := range []string{
		`{}`, `[]`, `0`, `-0.5e+10`, `1E3`, `"x"`, `true`, `false`, `null`,
		" \t\r\n{\"a\" : [1, 2.5, {\"b\": null}], \"c\": \"\\u00e9\\n\\\"\"} \n",
		`{"a":1,"A":1,"\u0062":2}`,
		`"\ud83d\ude00 😀 é"`,
		`[[[[[[[[[[1]]]]]]]]]]`,
		`{"a":{"a":{"a":1}},"b":{"a":1}}`, // same names at different levels
	} {
		if err := Check([]byte(in), Limits{}); err != nil {
			t.Errorf("Check(%q) = %v, want nil", in, err)
		}
	}
}

func TestCheckReportsEveryErrorKindWithPathAndOffset(t *testing.T) {
	manyMembers := func(dup string) string {
		var b strings.Builder
		b.WriteString(`{"x":{`)
		for i := range 40 {
			fmt.Fprintf(&b, `"m%d":%d,`, i, i)
		}
		b.WriteString(dup + `:0}}`)
		return b.String()
	}
	big := manyMembers(`"m33"`)
	tests := []struct {
		name   string
		in     string
		lim    Limits
		path   string
		offset int64
		reason string // substring
		limit  bool
	}{
		{"empty input", ``, Limits{}, "$", 0, "unexpected end of input", false},
		{"only whitespace", "  \n", Limits{}, "$", 3, "unexpected end of input", false},
		{"trailing data", `{} {}`, Limits{}, "$", 3, "after the top-level value", false},
		{"trailing comma in object", `{"a":1,}`, Limits{}, "$", 7, "looking for an object member name", false},
		{"trailing comma in array", `{"a":[1,]}`, Limits{}, "$.a[1]", 8, "beginning of a value", false},
		{"missing colon", `{"a" 1}`, Limits{}, "$.a", 5, "expecting ':'", false},
		{"missing comma in object", `{"a":1 "b":2}`, Limits{}, "$.a", 7, "expecting ',' or '}'", false},
		{"missing comma in array", `[1 2]`, Limits{}, "$[0]", 3, "expecting ',' or ']'", false},
		{"unquoted name", `{a:1}`, Limits{}, "$", 1, "object member name", false},
		{"single quotes", `{"a":'x'}`, Limits{}, "$.a", 5, "beginning of a value", false},
		{"unterminated string", `{"a":"xyz`, Limits{}, "$.a", 9, "end of input in string", false},
		{"unterminated object", `{"a":1`, Limits{}, "$.a", 6, "unexpected end of input", false},
		{"control character in string", "{\"a\":\"x\ty\"}", Limits{}, "$.a", 7, "control character", false},
		{"invalid escape", `{"a":"\x"}`, Limits{}, "$.a", 6, "invalid escape 'x'", false},
		{"short unicode escape", `{"a":"\u12"}`, Limits{}, "$.a", 6, `invalid \u escape`, false},
		{"lone high surrogate", `{"a":"\ud800x"}`, Limits{}, "$.a", 6, "lone surrogate", false},
		{"lone low surrogate", `["\udc00"]`, Limits{}, "$[0]", 2, "lone surrogate", false},
		{"invalid UTF-8", "{\"a\":[\"ok\",\"\xff\"]}", Limits{}, "$.a[1]", 12, "invalid UTF-8", false},
		{"overlong UTF-8", "[\"\xc0\xaf\"]", Limits{}, "$[0]", 2, "invalid UTF-8", false},
		{"UTF-8 surrogate", "[\"\xed\xa0\x80\"]", Limits{}, "$[0]", 2, "invalid UTF-8", false},
		{"invalid UTF-8 in name", "{\"\xfe\":1}", Limits{}, "$", 2, "invalid UTF-8", false},
		{"leading zero", `{"n":01}`, Limits{}, "$.n", 6, "expecting ',' or '}'", false},
		{"bare minus", `[-]`, Limits{}, "$[0]", 2, "expecting a digit", false},
		{"no fraction digits", `[1.]`, Limits{}, "$[0]", 3, "after the decimal point", false},
		{"no exponent digits", `[1e+]`, Limits{}, "$[0]", 4, "in the exponent", false},
		{"bad literal", `{"t":tru}`, Limits{}, "$.t", 8, "in literal true", false},
		{"truncated literal", `[nul`, Limits{}, "$[0]", 4, "end of input in literal null", false},
		{"NaN", `[NaN]`, Limits{}, "$[0]", 1, "beginning of a value", false},
		{"duplicate member", `{"id":1,"id":2}`, Limits{}, "$.id", 8, `duplicate member name "id"`, false},
		{"duplicate after escapes", `{"a":1,"\u0061":2}`, Limits{}, "$.a", 7, `duplicate member name "a"`, false},
		{"duplicate deep", `{"credentialSubject":{"hasClaim":[{"title":"x","title":"y"}]}}`, Limits{}, "$.credentialSubject.hasClaim[0].title", 47, `duplicate member name "title"`, false},
		{"duplicate in large object", big, Limits{}, `$.x.m33`, int64(strings.LastIndex(big, `"m33"`)), `duplicate member name "m33"`, false},
		{"odd name in path", `{"a.b":{"":[1,}]}}`, Limits{}, `$["a.b"][""][1]`, 14, "beginning of a value", false},
		{"too deep", `{"a":[[{"b":1}]]}`, Limits{MaxDepth: 3}, "$.a[0][0]", 7, "nesting deeper than 3 levels", true},
		{"too big", `[1,2,3]`, Limits{MaxBytes: 6}, "", 6, "over the limit of 6 bytes", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Check([]byte(tc.in), tc.lim)
			var je *Error
			if !errors.As(err, &je) {
				t.Fatalf("Check(%q) = %v, want *Error", tc.in, err)
			}
			if je.Path != tc.path || je.Offset != tc.offset || !strings.Contains(je.Reason, tc.reason) {
				t.Errorf("Check(%q) = path %q offset %d reason %q; want path %q offset %d reason containing %q",
					tc.in, je.Path, je.Offset, je.Reason, tc.path, tc.offset, tc.reason)
			}
			if got := errors.Is(err, ErrLimit); got != tc.limit {
				t.Errorf("errors.Is(err, ErrLimit) = %v, want %v", got, tc.limit)
			}
		})
	}
}

func TestCheckDepthLimitIsInclusive(t *testing.T) {
	in := []byte(strings.Repeat("[", 5) + strings.Repeat("]", 5))
	if err := Check(in, Limits{MaxDepth: 5}); err != nil {
		t.Errorf("depth 5 at limit 5: %v", err)
	}
	if err := Check(in, Limits{MaxDepth: 4}); !errors.Is(err, ErrLimit) {
		t.Errorf("depth 5 at limit 4: %v, want ErrLimit", err)
	}
	deep := []byte(strings.Repeat("[", DefaultMaxDepth+1) + strings.Repeat("]", DefaultMaxDepth+1))
	if err := Check(deep, Limits{}); !errors.Is(err, ErrLimit) {
		t.Errorf("default depth: %v, want ErrLimit", err)
	}
}

func TestCheckFindsDuplicatesInEveryObjectSize(t *testing.T) {
	for n := 1; n <= 40; n++ {
		for dupOf := 0; dupOf < n; dupOf++ {
			var b strings.Builder
			b.WriteString("{")
			for i := range n {
				fmt.Fprintf(&b, `"k%d":0,`, i)
			}
			fmt.Fprintf(&b, `"k%d":1}`, dupOf)
			if err := Check([]byte(b.String()), Limits{}); err == nil {
				t.Fatalf("%d members, duplicate of #%d: accepted", n, dupOf)
			}
		}
	}
	// Reusing a frame's map between sibling objects must not leak names.
	var b strings.Builder
	b.WriteString("[")
	for j := range 3 {
		if j > 0 {
			b.WriteString(",")
		}
		b.WriteString("{")
		for i := range 30 {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"k%d":0`, i)
		}
		b.WriteString("}")
	}
	b.WriteString("]")
	if err := Check([]byte(b.String()), Limits{}); err != nil {
		t.Errorf("sibling objects with the same names: %v", err)
	}
}

func TestDecodeReportsTypeErrorsWithPath(t *testing.T) {
	var v struct {
		Subject struct {
			Age int `json:"age"`
		} `json:"credentialSubject"`
	}
	err := Decode([]byte(`{"credentialSubject":{"age":"old"}}`), &v, Limits{})
	var je *Error
	if !errors.As(err, &je) || je.Path != "$.credentialSubject.age" {
		t.Fatalf("Decode = %v, want *Error at $.credentialSubject.age", err)
	}
	if err := Decode([]byte(`{"credentialSubject":{"age":7}}`), &v, Limits{}); err != nil || v.Subject.Age != 7 {
		t.Fatalf("Decode = %v, age %d; want 7", err, v.Subject.Age)
	}
	if err := Decode([]byte(`{"a":1,"a":2}`), &v, Limits{}); err == nil {
		t.Fatal("Decode accepted a duplicate member")
	}
}

func TestCheckAcceptsReferenceCredential(t *testing.T) {
	data := reftest.Read(t, "elm", "Sample-MC-Annex1-unsigned.jsonld")
	if err := Check(data, Limits{}); err != nil {
		t.Fatal(err)
	}
	// One byte less is truncated, and must be refused.
	if err := Check(data[:len(data)-2], Limits{}); err == nil {
		t.Fatal("truncated credential accepted")
	}
}

// BenchmarkCheck measures Check on a 110 KB ELM credential and reports its
// cost as a fraction of json.Unmarshal into any (the floor a caller pays
// anyway). The two alternate in each iteration, so that the ratio holds on a
// loaded machine; check-ns/op is Check alone.
func BenchmarkCheck(b *testing.B) {
	data := reftest.Read(b, "elm", "Sample-MC-Annex1-unsigned.jsonld")
	b.SetBytes(int64(len(data)))
	var check, unmarshal time.Duration
	for b.Loop() {
		t0 := time.Now()
		if err := Check(data, Limits{}); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
		check += t1.Sub(t0)
		unmarshal += time.Since(t1)
	}
	b.ReportMetric(float64(check.Nanoseconds())/float64(b.N), "check-ns/op")
	b.ReportMetric(float64(check)/float64(unmarshal), "x-unmarshal")
}

// BenchmarkValid is the standard library's validator on the same input, for
// comparison.
func BenchmarkValid(b *testing.B) {
	data := reftest.Read(b, "elm", "Sample-MC-Annex1-unsigned.jsonld")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if !json.Valid(data) {
			b.Fatal("invalid")
		}
	}
}

// FuzzCheck compares Check with json.Valid: whatever json.Valid rejects,
// Check rejects; whatever it accepts, Check accepts unless the input has a
// duplicate member name, is too deep or big, or has a string that I-JSON
// forbids (invalid UTF-8, lone surrogate escape).
func FuzzCheck(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,2,{"b":"\u0061"}]}`, `{"a":1,"\u0061":2}`, `[1.5e-3,true,null]`, `"\ud83d\ude00"`, "\"\xff\"", `{"a" 1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := Check(data, Limits{MaxDepth: 1000})
		valid := json.Valid(data)
		if !valid && err == nil {
			t.Fatalf("Check accepted what json.Valid rejects: %q", data)
		}
		if valid && err != nil {
			var je *Error
			if !errors.As(err, &je) {
				t.Fatalf("error of type %T", err)
			}
			ok := strings.Contains(je.Reason, "duplicate member name") ||
				strings.Contains(je.Reason, "lone surrogate") ||
				strings.Contains(je.Reason, "invalid UTF-8") && !utf8.Valid(data) ||
				errors.Is(err, ErrLimit)
			if !ok {
				t.Fatalf("Check rejected what json.Valid accepts: %q: %v", data, err)
			}
		}
		if err != nil {
			var je *Error
			if errors.As(err, &je) && (je.Offset < 0 || je.Offset > int64(len(data))) {
				t.Fatalf("offset %d out of range for %d bytes", je.Offset, len(data))
			}
		}
	})
}

func TestMembersSplitsTopLevelObject(t *testing.T) {
	in := ` {"a" : [1, {"x": "]}\"\\"}], "\u0062":"s\"t",  "c":{"d":null} , "e":-1.5e3}`
	var got []string
	err := Members([]byte(in), func(name string, value []byte) bool {
		got = append(got, name+"="+string(value))
		return true
	})
	want := []string{`a=[1, {"x": "]}\"\\"}]`, `b="s\"t"`, `c={"d":null}`, `e=-1.5e3`}
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Members = %q, %v; want %q", got, err, want)
	}
	if err := Members([]byte(`[1]`), func(string, []byte) bool { return true }); err == nil {
		t.Error("Members accepted an array")
	}
	long := `{"k":"` + strings.Repeat(`abcdefgh\"`, 20) + `","z":1}`
	got = nil
	_ = Members([]byte(long), func(name string, value []byte) bool { got = append(got, name); return true })
	if fmt.Sprint(got) != "[k z]" {
		t.Errorf("long string: %v", got)
	}
}

func TestUnquoteDecodesAndChecks(t *testing.T) {
	got, err := Unquote([]byte(`"a\u00e9\n\"\ud83d\ude00"`))
	if err != nil || string(got) != "aé\n\"😀" {
		t.Errorf("Unquote = %q, %v", got, err)
	}
	for _, bad := range []string{`"abc`, `"a"b`, `abc`, `"\ud800"`, "\"\xff\""} {
		if _, err := Unquote([]byte(bad)); err == nil {
			t.Errorf("Unquote(%q) accepted", bad)
		}
	}
}

func TestElementsSplitsTopLevelArray(t *testing.T) {
	var got []string
	err := Elements([]byte(` [ {"a":"]"}, 2 ,"x", [3,[4]] ] `), func(i int, v []byte) bool {
		got = append(got, fmt.Sprintf("%d:%s", i, v))
		return true
	})
	if err != nil || fmt.Sprint(got) != `[0:{"a":"]"} 1:2 2:"x" 3:[3,[4]]]` {
		t.Errorf("Elements = %v, %v", got, err)
	}
	if err := Elements([]byte(`{}`), func(int, []byte) bool { return true }); err == nil {
		t.Error("Elements accepted an object")
	}
}

func TestMemberBytesDecodesEscapedNamesOnly(t *testing.T) {
	data := []byte(`{"a\u0062": 1, "c": [2, {"d": 3}]}`)
	var names, values []string
	if err := MemberBytes(data, func(name, value []byte) bool {
		names, values = append(names, string(name)), append(values, string(value))
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "ab,c" || strings.Join(values, "|") != `1|[2, {"d": 3}]` {
		t.Errorf("names %q values %q", names, values)
	}
	if err := MemberBytes([]byte(`[1]`), func(_, _ []byte) bool { return true }); err == nil {
		t.Error("an array was read as an object")
	}
}

// TestCheckMembersGivesWhatMembersGives: the members CheckMembers reports in
// its one pass are those Members reads from the checked document (names
// decoded, values as written, whitespace around them left out), and its
// verdict is Check's.
func TestCheckMembersGivesWhatMembersGives(t *testing.T) {
	for _, doc := range []string{
		`{}`, ` { } `, `{"a":1}`, `{ "a" : 1 , "b" : [ 1 , { "c" : "d" } ] , "e" : { } }`,
		`{"a\u0062":"x\"y","c":{"a":{"a":[]}},"d":null,"e":true,"f":-1.5e3}`,
		"{\n\t\"@context\": [\"https://www.w3.org/ns/credentials/v2\"],\n\t\"type\": \"VerifiableCredential\"\n}\n",
		`[1,2,{"a":1}]`, `"text"`, `12`,
		`{"a":1,"a":2}`, `{"a":1,}`, `{"a":[1,}`, `{"a":1} x`, `{"a":"\ud800"}`,
	} {
		type member struct{ name, value string }
		var got, want []member
		err := CheckMembers([]byte(doc), Limits{}, func(name, value []byte) {
			got = append(got, member{string(name), string(value)})
		})
		if cerr := Check([]byte(doc), Limits{}); (err == nil) != (cerr == nil) || err != nil && err.Error() != cerr.Error() {
			t.Errorf("%s: CheckMembers says %v, Check %v", doc, err, cerr)
			continue
		}
		if err != nil {
			continue
		}
		if MemberBytes([]byte(doc), func(name, value []byte) bool {
			want = append(want, member{string(name), string(value)})
			return true
		}) != nil {
			want = nil // not an object: no members
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: CheckMembers gives %q, Members %q", doc, got, want)
		}
	}
}

// skipStringByBytes is skipString as it was written first, byte by byte:
// a backslash skips the byte after it.
func skipStringByBytes(d []byte, p int) int {
	if p >= len(d) || d[p] != '"' {
		return -1
	}
	for p++; p < len(d); p++ {
		switch d[p] {
		case '\\':
			p++
		case '"':
			return p + 1
		}
	}
	return -1
}

func TestSkipStringEndsWhereAByteLoopEnds(t *testing.T) {
	long := strings.Repeat("QUJD", 40)
	for _, in := range []string{
		`""`, `"a"`, `"\\"`, `"\""`, `"\\\""`, `"\\\\"`, `"a\\\"b\"c"`, `"\u0022"`,
		`"abc`, `"abc\"`, `"\`, `"\\`, `"`, `x`, ``, `"` + long + `"`, `"` + long + `\"` + long + `"`,
		`"` + long + `\\"` + long + `"`, `"\\\\\"\\"`,
	} {
		for _, tail := range []string{"", `,"x":1}`, `"`} {
			d := []byte(in + tail)
			if got, want := skipString(d, 0), skipStringByBytes(d, 0); got != want {
				t.Errorf("skipString(%q) = %d, want %d", d, got, want)
			}
		}
	}
}

func FuzzSkipString(f *testing.F) {
	for _, s := range []string{`"a\\\"b"`, `"\\\\"x`, `"abc`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, d []byte) {
		if got, want := skipString(d, 0), skipStringByBytes(d, 0); got != want {
			t.Errorf("skipString(%q) = %d, want %d", d, got, want)
		}
	})
}

// BenchmarkMembers splits the 110 KB ELM credential into its top-level
// members, as the verifier does several times for each credential, and
// reports its cost as a fraction of Check's on the same input, measured
// in the same run.
func BenchmarkMembers(b *testing.B) {
	data := reftest.Read(b, "elm", "Sample-MC-Annex1-unsigned.jsonld")
	b.SetBytes(int64(len(data)))
	var members, check time.Duration
	for b.Loop() {
		t0 := time.Now()
		n := 0
		if err := Members(data, func(string, []byte) bool { n++; return true }); err != nil || n == 0 {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := Check(data, Limits{}); err != nil {
			b.Fatal(err)
		}
		members += t1.Sub(t0)
		check += time.Since(t1)
	}
	b.ReportMetric(float64(members)/float64(check), "x-check")
}
