package wallet

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	testenv "github.com/diplomat-edu/diplomat/internal/oid4vctest"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
	"github.com/diplomat-edu/diplomat/verifier"
)

// TestReceiveThenPresentEachFormat is the student's round trip for each
// format: an offer with a transaction code, the credential verified,
// trusted and stored byte-exact, then a request for the diploma's title
// answered with only that, which the verifier's report says is verified.
func TestReceiveThenPresentEachFormat(t *testing.T) {
	e := testenv.New(t, testenv.Options{LDP: true})
	ctx := context.Background()
	cases := []struct {
		name, config, format, query string
		mode                        string
		keyType                     keys.KeyType
		did                         string
		knownBy                     string // how the wallet knows the verifier: roots or registry
	}{
		{"dc+sd-jwt", testenv.ConfigSDJWT, "dc+sd-jwt", sdjwtTitleQuery, vp.ModeDirectPostJWT, keys.P256, DIDJWK, "roots"},
		{"jwt_vc_json", testenv.ConfigJWTVC, "jwt_vc_json", jwtTitleQuery, vp.ModeDirectPost, keys.P256, DIDKey, "registry"},
		{"ldp_vc", testenv.ConfigLDPVC, "ldp_vc", ldpTitleQuery, vp.ModeDirectPostJWT, keys.Ed25519, DIDJWK, "roots"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := Options{KeyType: c.keyType, DID: c.did}
			if c.knownBy == "roots" {
				opts.VerifierRoots = e.Roots
			}
			w := newWallet(t, e, walletOptions{contexts: c.format == "ldp_vc", opts: opts})
			if c.knownBy == "registry" {
				ca := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: e.CA.Raw}))
				if _, err := w.Store().AddTrust(keys.TrustEntry{Certificate: ca, Name: "Verifiers of the Dutch universities", Country: "NL"}); err != nil {
					t.Fatal(err)
				}
			}
			o := offer(t, e, vci.OfferRequest{Configurations: []string{c.config}, TxCode: &vci.TxCodeRequest{}})
			in, err := w.Receive(ctx, o.Link)
			if err != nil {
				t.Fatal(err)
			}
			if in.TxCode == nil || in.TxCode.Length != 6 || in.IssuerName != "Université Exemple (Example University)" || len(in.Offered) != 1 || in.Offered[0].Format != c.format {
				t.Fatalf("incoming %+v", in)
			}
			if err := in.Redeem(ctx, o.TxCode); err != nil {
				t.Fatal(err)
			}
			got, err := in.Fetch(ctx, FetchOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Report.Verdict != verifier.Verified || !got[0].Encrypted {
				t.Fatalf("received %+v (report %s)", got, jsonString(got[0].Report))
			}
			if n, _ := w.List(); len(n) != 0 {
				t.Fatal("stored before Keep")
			}
			kept, err := in.Keep(ctx, false)
			if err != nil || len(kept) != 1 {
				t.Fatalf("kept %v, %v", kept, err)
			}
			c1 := kept[0]
			if c1.Format != c.format || !c1.Trusted || c1.Title != "Master of Science in Computer Science" || c1.IssuerName != "Université Exemple" || c1.Status.Word() != "valid" || c1.Origin != e.URL {
				t.Fatalf("stored %s", jsonString(c1))
			}
			raw, err := w.Raw(c1, 0)
			if err != nil || !bytes.Equal(raw, got[0].raws[0]) {
				t.Fatalf("the bytes kept are not the bytes received (%v)", err)
			}
			// What show reads: the summary offline, the disclosable claims.
			if rep, err := w.Report(ctx, c1); err != nil || rep.Summary == nil || rep.Summary.Grade == "" {
				t.Fatalf("offline report: %v %+v", err, rep)
			}
			claims, selective, err := w.Disclosable(c1)
			dob := "credentialSubject.dateOfBirth"
			if c.format == "dc+sd-jwt" {
				dob = "elm." + dob
			}
			if err != nil || selective != (c.format == "dc+sd-jwt") || !contains(claims, dob) {
				t.Fatalf("disclosable: %v, selective %v, %d claims", err, selective, len(claims))
			}
			if c1.Copies[0].HolderKey != "holder-"+string(c.keyType) || !strings.HasPrefix(c1.Copies[0].HolderKeyID, "did:"+c.did+":") {
				t.Fatalf("holder %+v", c1.Copies[0])
			}

			req := request(t, e.RP, c.query, vp.RequestOptions{ResponseMode: c.mode})
			p, err := w.Prepare(ctx, req.Link, PrepareOptions{})
			if err != nil {
				t.Fatal(err)
			}
			name := "Universiteit Voorbeeld, Admissions, Universiteit Voorbeeld"
			if c.knownBy == "registry" {
				name = "Verifiers of the Dutch universities"
			}
			if !p.Verifier.Trusted || p.Verifier.Name != name || p.Verifier.Prefix != vp.PrefixX509Hash {
				t.Fatalf("verifier %+v", p.Verifier)
			}
			if len(p.Shares) != 1 || p.Shares[0].Credential.ID != c1.ID {
				t.Fatalf("shares %+v", p.Shares)
			}
			sh := p.Shares[0]
			if c.format == "dc+sd-jwt" {
				if !sh.Selective || strings.Join(sh.Disclosed, " ") != "elm.credentialSubject.familyName elm.credentialSubject.familyName.en" &&
					strings.Join(sh.Disclosed, " ") != "elm.credentialSubject.familyName.en" {
					t.Fatalf("disclosed %v", sh.Disclosed)
				}
				for _, withheld := range []string{"elm.credentialSubject.givenName", "elm.credentialSubject.dateOfBirth"} {
					if contains(sh.Visible, withheld) {
						t.Fatalf("%s would be shown: %v", withheld, sh.Visible)
					}
				}
			} else if sh.Selective || !contains(sh.Visible, "credentialSubject") {
				t.Fatalf("a whole %s credential should be shown as such: %+v", c.format, sh)
			}
			if _, err := p.Send(ctx); err != nil {
				t.Fatal(err)
			}
			res, err := e.RP.Result(ctx, req.TransactionID, "")
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != vp.StatusAnswered || res.Presentations["diploma"][0].Report.Verdict != verifier.Verified {
				t.Fatalf("result %s", jsonString(res))
			}
			if c.format == "dc+sd-jwt" {
				// Only what was asked: the titles and the family name, not
				// the given name, the date of birth or the grades. (The full
				// name stays: the DC4EU layout does not make it selectively
				// disclosable.)
				claims := string(res.Presentations["diploma"][0].Claims)
				for _, withheld := range []string{"2001-04-17", "15.2", "dateOfBirth", "provenBy", `"Camille"`} {
					if strings.Contains(claims, withheld) {
						t.Fatalf("%q reached the verifier: %s", withheld, claims)
					}
				}
				if !strings.Contains(claims, "Dupont") || !strings.Contains(claims, "Master of Science in Computer Science") {
					t.Fatalf("what was asked did not reach the verifier: %s", claims)
				}
			}
			after, _ := w.Get(c1.ID)
			if after.Copies[0].Presented != 1 {
				t.Fatalf("presentation not counted: %+v", after.Copies[0])
			}
			if _, err := p.Send(ctx); err == nil {
				t.Fatal("a request answered twice")
			}
		})
	}
}

// TestUntrustedIssuerIsStoredOnlyWhenAccepted: an authentic credential of
// an issuer no trust source of the wallet knows is refused, with nothing
// left behind (no credential, no key), unless the student accepts it.
func TestUntrustedIssuerIsStoredOnlyWhenAccepted(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	w := newWallet(t, e, walletOptions{untrusting: true, opts: Options{}})
	for _, accept := range []bool{false, true} {
		in, got := fetch(t, w, offer(t, e, vci.OfferRequest{Configurations: []string{testenv.ConfigSDJWT}}), FetchOptions{Unlinkable: true})
		if got[0].Report.Verdict != verifier.Untrusted {
			t.Fatalf("verdict %s", got[0].Report.Verdict)
		}
		kept, err := in.Keep(ctx, accept)
		list, _ := w.List()
		ks, _ := w.Store().Keys()
		if !accept {
			var re *RefusedError
			if !errors.Is(err, ErrUntrusted) || !errors.As(err, &re) || !strings.Contains(err.Error(), "no trust source of this wallet knows its issuer; it was not stored") {
				t.Fatalf("untrusted, not accepted: %v", err)
			}
			if len(kept)+len(list)+len(ks) != 0 {
				t.Fatalf("something was stored: %d credentials, %d keys", len(list), len(ks))
			}
			continue
		}
		if err != nil || len(list) != 1 || list[0].Trusted || len(ks) != 1 || !ownKey(list[0].ID, ks[0].Name) {
			t.Fatalf("accepted: %v, %+v, keys %d", err, list, len(ks))
		}
	}
}

// TestCopiesAreBoundToKeysOfTheirOwn: with batch issuance every copy has
// its own key, and presentations use the least presented copy, so that two
// verifiers see two keys.
func TestCopiesAreBoundToKeysOfTheirOwn(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	w := newWallet(t, e, walletOptions{})
	c := receive(t, w, offer(t, e, vci.OfferRequest{Configurations: []string{testenv.ConfigSDJWT}}), FetchOptions{Copies: 3})[0]
	if len(c.Copies) != 3 || c.Copies[0].HolderKeyID == c.Copies[1].HolderKeyID || c.Copies[1].HolderKeyID == c.Copies[2].HolderKeyID {
		t.Fatalf("copies %+v", c.Copies)
	}
	seen := map[string]bool{}
	for range 3 {
		req := request(t, e.RP, sdjwtTitleQuery, vp.RequestOptions{})
		p, err := w.Prepare(ctx, req.Link, PrepareOptions{})
		if err != nil {
			t.Fatal(err)
		}
		seen[p.Shares[0].Credential.Copies[p.Shares[0].Copy].HolderKeyID] = true
		if _, err := p.Send(ctx); err != nil {
			t.Fatal(err)
		}
		if res, _ := e.RP.Result(ctx, req.TransactionID, ""); res.Presentations["diploma"][0].Report.Verdict != verifier.Verified {
			t.Fatalf("copy not verified: %s", jsonString(res))
		}
	}
	if len(seen) != 3 {
		t.Fatalf("3 presentations used %d keys", len(seen))
	}
	// Deleting the credential destroys the keys made for it.
	if err := w.Delete(c); err != nil {
		t.Fatal(err)
	}
	for _, cp := range c.Copies {
		if _, err := w.Store().Signer(cp.HolderKey); !errors.Is(err, keys.ErrDestroyed) {
			t.Fatalf("key %s after delete: %v", cp.HolderKey, err)
		}
	}
	if _, err := w.Get(c.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
	if _, err := w.Raw(c, 0); err == nil {
		t.Fatal("the bytes are still there")
	}
}

// TestStudentChoosesWhichCredentialAnswers: with two credentials that
// would do, the first answers unless the student names another.
func TestStudentChoosesWhichCredentialAnswers(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	w := newWallet(t, e, walletOptions{})
	first := receive(t, w, offer(t, e, vci.OfferRequest{Configurations: []string{testenv.ConfigSDJWT}}), FetchOptions{})[0]
	second := receive(t, w, offer(t, e, vci.OfferRequest{Configurations: []string{testenv.ConfigSDJWT}}), FetchOptions{Unlinkable: true})[0]
	for _, c := range []struct {
		use  []string
		want string
	}{{nil, first.ID}, {[]string{second.ID}, second.ID}} {
		req := request(t, e.RP, sdjwtTitleQuery, vp.RequestOptions{})
		p, err := w.Prepare(ctx, req.Link, PrepareOptions{Use: c.use})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Shares[0].Credential.ID; got != c.want {
			t.Fatalf("use %v: %s answered, want %s", c.use, got, c.want)
		}
	}
	var nm *NoMatchError
	if _, err := w.Prepare(ctx, request(t, e.RP, sdjwtTitleQuery, vp.RequestOptions{}).Link, PrepareOptions{Use: []string{"nothing"}}); !errors.As(err, &nm) {
		t.Fatalf("use of a credential not held: %v", err)
	}
}
