package verifier

import (
	"strings"
	"testing"
)

// When a challenge or a domain is expected, whatever does not prove it is
// invalid, with a check of its own (issue 10, item 2): a bare credential, an
// SD-JWT whose key-binding JWT was stripped, a presentation that does not
// carry them.
func TestExpectedChallengeMustBeProved(t *testing.T) {
	w := newWorld(t)
	issued := w.sdJWT() // bound to the holder (cnf), no KB-JWT
	for _, tc := range []struct {
		name    string
		input   []byte
		req     Request
		problem string
	}{
		{"a bare vc+jwt where a presentation was asked for", w.vcJWT(nil), Request{Challenge: "n-1"}, ProblemChallengeNotProved},
		{"a bare credential where a domain was asked for", w.vcJWT(nil), Request{Domain: "https://verifier.example"}, ProblemChallengeNotProved},
		{"an SD-JWT with cnf whose KB-JWT was stripped", []byte(issued), Request{Challenge: "n-1", Domain: "https://verifier.example"}, ProblemChallengeNotProved},
		{"a JAdES seal", w.jades(), Request{Challenge: "n-1"}, ProblemChallengeNotProved},
		{"a vp+jwt without nonce", w.vpJWT(w.holder, "", "", w.vcJWT(nil)), Request{Challenge: "n-1"}, ProblemWrongChallenge},
		{"a vp+jwt without aud", w.vpJWT(w.holder, "n-1", "", w.vcJWT(nil)), Request{Challenge: "n-1", Domain: "https://verifier.example"}, ProblemWrongChallenge},
		{"an SD-JWT+KB for another nonce", w.sdJWTPresented("n-2", "https://verifier.example"), Request{Challenge: "n-1", Domain: "https://verifier.example"}, ProblemWrongChallenge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := verifyWith(t, w, tc.input, tc.req, nil)
			assertReport(t, rep, Invalid, CheckChallenge, tc.problem)
		})
	}

	// Without an expectation, the same bare credential verifies, and the
	// challenge is not a check of it.
	rep := verifyWith(t, w, w.vcJWT(nil), Request{}, nil)
	if rep.Check(CheckChallenge) != nil {
		t.Errorf("a challenge check for a credential nothing was expected of:\n%s", dump(rep))
	}
	// With the challenge proved, it passes.
	rep = verifyWith(t, w, w.sdJWTPresented("n-1", "https://verifier.example"), Request{Challenge: "n-1", Domain: "https://verifier.example"}, nil)
	if c := rep.Check(CheckChallenge); c == nil || c.Result != Passed || !strings.Contains(c.Message, "n-1") {
		t.Errorf("challenge check of a good SD-JWT+KB:\n%s", dump(rep))
	}
}
