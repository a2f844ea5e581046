package vp_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	testenv "github.com/diplomat-edu/diplomat/internal/oid4vctest"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
	"github.com/diplomat-edu/diplomat/verifier"
)

// receive gets a credential of configuration cfg bound to holder through
// OpenID4VCI.
func receive(t testing.TB, e *testenv.Env, cfg string, holder crypto.Signer) []byte {
	t.Helper()
	ctx := context.Background()
	o, err := e.VCI.CreateOffer(ctx, vci.OfferRequest{Configurations: []string{cfg}, Dataset: testenv.DiplomaDataset(t)})
	if err != nil {
		t.Fatal(err)
	}
	client, _ := e.Wallet()
	s, err := client.Start(ctx, o.Link, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PreAuthorized(ctx, ""); err != nil {
		t.Fatal(err)
	}
	got, err := s.RequestCredential(ctx, vci.CredentialOptions{Holders: []vci.ProofSigner{{Signer: holder}}})
	if err != nil {
		t.Fatal(err)
	}
	return got.Credential(0)
}

func p256(t testing.TB) *ecdsa.PrivateKey {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	return k
}

func query(t testing.TB, s string) dcql.Query {
	t.Helper()
	q, err := dcql.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return *q
}

// The queries of the tests: a diploma's title and the holder's family
// name, and nothing else.
const (
	sdjwtQuery = `{"credentials":[{"id":"diploma","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:elm:1"]},
	  "claims":[{"path":["elm","credentialSubject","hasClaim",null,"title"]},{"path":["elm","credentialSubject","familyName"]}]}]}`
	jwtQuery = `{"credentials":[{"id":"diploma","format":"jwt_vc_json","meta":{"type_values":[["VerifiableCredential","EuropeanDigitalCredential"]]},
	  "claims":[{"path":["credentialSubject","hasClaim",null,"title"]}]}]}`
	ldpQuery = `{"credentials":[{"id":"diploma","format":"ldp_vc","meta":{"type_values":[["https://www.w3.org/2018/credentials#VerifiableCredential","http://data.europa.eu/snb/model/elm/EuropeanDigitalCredential"]]},
	  "claims":[{"path":["credentialSubject","hasClaim",null,"title"]}]}]}`
)

// present runs the wallet's side of a request: fetch, select, present,
// respond.
func present(t testing.TB, w *vp.Wallet, link string, held []vp.Held) (*vp.Request, map[string][]any, *vp.Ack, error) {
	t.Helper()
	ctx := context.Background()
	req, err := w.FetchRequest(ctx, link)
	if err != nil {
		return nil, nil, nil, err
	}
	sel, err := w.Select(ctx, req, held)
	if err != nil {
		return req, nil, nil, err
	}
	tok, err := w.Presentations(ctx, req, sel, held)
	if err != nil {
		return req, nil, nil, err
	}
	ack, err := w.Respond(ctx, req, tok)
	return req, tok, ack, err
}

func TestPresentationRoundTrip(t *testing.T) {
	e := testenv.New(t, testenv.Options{LDP: true})
	ctx := context.Background()
	_, wallet := e.Wallet()
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	cases := []struct {
		name, cfg, format, query string
		holder                   crypto.Signer
		mode                     string
	}{
		{"dc+sd-jwt", testenv.ConfigSDJWT, dcql.FormatSDJWT, sdjwtQuery, p256(t), vp.ModeDirectPostJWT},
		{"jwt_vc_json in jwt_vp_json", testenv.ConfigJWTVC, dcql.FormatJWTVC, jwtQuery, p256(t), vp.ModeDirectPost},
		{"ldp_vc in ldp_vp", testenv.ConfigLDPVC, dcql.FormatLDPVC, ldpQuery, edKey, vp.ModeDirectPostJWT},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := receive(t, e, c.cfg, c.holder)
			held := []vp.Held{{Format: c.format, Raw: raw, Holder: c.holder}}
			cr, err := e.RP.CreateRequest(ctx, vp.RequestOptions{Query: query(t, c.query), ResponseMode: c.mode, RedirectURI: e.URL + "/done"})
			if err != nil {
				t.Fatal(err)
			}
			req, tok, ack, err := present(t, wallet, cr.Link, held)
			if err != nil {
				t.Fatal(err)
			}
			if !req.Trusted || req.Prefix != vp.PrefixX509Hash || req.Name != "Universiteit Voorbeeld, Admissions, Universiteit Voorbeeld" {
				t.Fatalf("request seen as %+v", req)
			}
			if !strings.HasPrefix(ack.RedirectURI, e.URL+"/done?response_code=") {
				t.Fatalf("ack %+v", ack)
			}
			code := testenv.RedirectParams(ack.RedirectURI).Get("response_code")
			if _, err := e.RP.Result(ctx, cr.TransactionID, "wrong"); !errors.Is(err, vp.ErrResponseCode) {
				t.Fatalf("result without the response_code: %v", err)
			}
			res, err := e.RP.Result(ctx, cr.TransactionID, code)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != vp.StatusAnswered {
				t.Fatalf("result %s: %s %s", res.Status, res.Error, res.Description)
			}
			p := res.Presentations["diploma"]
			if len(p) != 1 || p[0].Report.Verdict != verifier.Verified {
				b, _ := json.MarshalIndent(p[0].Report, "", " ")
				t.Fatalf("report:\n%s", b)
			}
			for _, id := range []string{verifier.CheckChallenge, verifier.CheckHolder} {
				if ch := p[0].Report.Check(id); ch == nil || ch.Result != verifier.Passed {
					t.Fatalf("check %s: %+v", id, ch)
				}
			}
			if !strings.Contains(string(p[0].Claims), "Master of Science in Computer Science") {
				t.Fatalf("the title is not in the claims: %s", p[0].Claims)
			}
			if c.format == dcql.FormatSDJWT {
				// Only what was asked: the family name, not the given name,
				// the date of birth or the grades.
				presented := tok["diploma"][0].(string)
				sd, err := sdjwt.Parse(presented)
				if err != nil {
					t.Fatal(err)
				}
				proc, err := sd.Process()
				if err != nil {
					t.Fatal(err)
				}
				got := strings.Join(proc.DisclosedPaths(), " ")
				if got != "$.elm.credentialSubject.familyName.en" {
					t.Fatalf("disclosed %q", got)
				}
				claims := string(p[0].Claims)
				// (fullName stays visible: the DC4EU layout does not make it
				// selectively disclosable.)
				for _, withheld := range []string{"2001-04-17", "15.2", "provenBy", "dateOfBirth"} {
					if strings.Contains(claims, withheld) || strings.Contains(presented, withheld) {
						t.Fatalf("%q reached the verifier", withheld)
					}
				}
				var parsed struct {
					ELM struct {
						CredentialSubject struct {
							GivenName map[string]any `json:"givenName"`
						} `json:"credentialSubject"`
					} `json:"elm"`
				}
				json.Unmarshal(p[0].Claims, &parsed)
				if len(parsed.ELM.CredentialSubject.GivenName) != 0 {
					t.Fatalf("the given name reached the verifier: %v", parsed.ELM.CredentialSubject.GivenName)
				}
				if !strings.Contains(claims, "Dupont") {
					t.Fatalf("the family name asked for is missing: %s", claims)
				}
			}
		})
	}
}

func TestPresentationWithOtherPrefixes(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	_, wallet := e.Wallet()
	holder := p256(t)
	raw := receive(t, e, testenv.ConfigSDJWT, holder)
	held := []vp.Held{{Format: dcql.FormatSDJWT, Raw: raw, Holder: holder}}
	for _, prefix := range []string{vp.PrefixX509SanDNS, vp.PrefixDID, vp.PrefixRedirectURI} {
		t.Run(prefix, func(t *testing.T) {
			base := e.URL
			if prefix == vp.PrefixX509SanDNS {
				base = e.Local // the certificate names localhost
			}
			path := "/vp-" + prefix + "/"
			rp, err := e.NewRP(prefix, base, path)
			if err != nil {
				t.Fatal(err)
			}
			e.Mux.HandleFunc("GET "+path+"request/{state}", rp.ServeRequestObject)
			e.Mux.HandleFunc("POST "+path+"request/{state}", rp.ServeRequestObject)
			e.Mux.HandleFunc("POST "+path+"response", rp.ServeResponse)
			mode := vp.ModeDirectPostJWT
			if prefix == vp.PrefixRedirectURI {
				mode = vp.ModeDirectPost
			}
			cr, err := rp.CreateRequest(ctx, vp.RequestOptions{Query: query(t, sdjwtQuery), ResponseMode: mode, RequestURIMethodPost: prefix == vp.PrefixDID})
			if err != nil {
				t.Fatal(err)
			}
			req, _, _, err := present(t, wallet, cr.Link, held)
			if err != nil {
				t.Fatal(err)
			}
			if req.Signed != (prefix != vp.PrefixRedirectURI) {
				t.Fatalf("signed = %v", req.Signed)
			}
			res, err := rp.Result(ctx, cr.TransactionID, "")
			if err != nil || res.Status != vp.StatusAnswered {
				t.Fatalf("%+v %v", res, err)
			}
			if v := res.Presentations["diploma"][0].Report.Verdict; v != verifier.Verified {
				t.Fatalf("verdict %s", v)
			}
		})
	}
}

func TestWalletDeclines(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	_, wallet := e.Wallet()
	cr, err := e.RP.CreateRequest(ctx, vp.RequestOptions{Query: query(t, sdjwtQuery)})
	if err != nil {
		t.Fatal(err)
	}
	req, err := wallet.FetchRequest(ctx, cr.Link)
	if err != nil {
		t.Fatal(err)
	}
	// The student holds only a jwt_vc_json diploma: nothing matches.
	k := p256(t)
	held := []vp.Held{{Format: dcql.FormatJWTVC, Raw: receive(t, e, testenv.ConfigJWTVC, k), Holder: k}}
	if _, err := wallet.Select(ctx, req, held); !errors.Is(err, dcql.ErrNoMatch) {
		t.Fatalf("select: %v", err)
	}
	if err := wallet.Decline(ctx, req, openid4vc.CodeAccessDenied, "the student holds no such credential"); err != nil {
		t.Fatal(err)
	}
	res, _ := e.RP.Result(ctx, cr.TransactionID, "")
	if res.Status != vp.StatusDeclined || res.Error != openid4vc.CodeAccessDenied {
		t.Fatalf("%+v", res)
	}
}

// holderDID is used by tests that sign W3C presentations with did:key.
func holderDID(t testing.TB, pub crypto.PublicKey) string {
	d, err := did.KeyDID(pub)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// "Any ELM credential with EQF level 6 or more": a value list on the
// level's concept; a diploma of level 7 answers it, a query for level 8
// finds nothing.
func TestEQFQuery(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	_, wallet := e.Wallet()
	k := p256(t)
	held := []vp.Held{{Format: dcql.FormatJWTVC, Raw: receive(t, e, testenv.ConfigJWTVC, k), Holder: k}}
	eqf := func(levels ...string) dcql.Query {
		var vals []string
		for _, l := range levels {
			vals = append(vals, `"http://data.europa.eu/snb/eqf/`+l+`"`)
		}
		return query(t, `{"credentials":[{"id":"elm","format":"jwt_vc_json","meta":{"type_values":[["EuropeanDigitalCredential"]]},
		  "claims":[{"path":["credentialSubject","hasClaim",null,"specifiedBy","eqfLevel","id"],"values":[`+strings.Join(vals, ",")+`]}]}]}`)
	}
	cr, err := e.RP.CreateRequest(ctx, vp.RequestOptions{Query: eqf("6", "7", "8")})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := present(t, wallet, cr.Link, held); err != nil {
		t.Fatal(err)
	}
	res, _ := e.RP.Result(ctx, cr.TransactionID, "")
	if res.Status != vp.StatusAnswered || res.Presentations["elm"][0].Report.Verdict != verifier.Verified {
		t.Fatalf("%+v", res)
	}
	cr, _ = e.RP.CreateRequest(ctx, vp.RequestOptions{Query: eqf("8")})
	req, _ := wallet.FetchRequest(ctx, cr.Link)
	if _, err := wallet.Select(ctx, req, held); !errors.Is(err, dcql.ErrNoMatch) {
		t.Fatalf("a level-7 diploma answered a level-8 query: %v", err)
	}
}

// A signed request object can also travel in the link itself (request=…).
func TestRequestByValue(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	_, wallet := e.Wallet()
	k := p256(t)
	held := []vp.Held{{Format: dcql.FormatSDJWT, Raw: receive(t, e, testenv.ConfigSDJWT, k), Holder: k}}
	cr, err := e.RP.CreateRequest(ctx, vp.RequestOptions{Query: query(t, sdjwtQuery), ByValue: true, Scheme: "haip-vp://"})
	if err != nil {
		t.Fatal(err)
	}
	if cr.RequestURI != "" || !strings.HasPrefix(cr.Link, "haip-vp://?") || !strings.Contains(cr.Link, "request=") {
		t.Fatalf("link %s", cr.Link)
	}
	req, _, _, err := present(t, wallet, cr.Link, held)
	if err != nil {
		t.Fatal(err)
	}
	if !req.Signed || req.ResponseMode != vp.ModeDirectPostJWT {
		t.Fatalf("%+v", req)
	}
	if res, _ := e.RP.Result(ctx, cr.TransactionID, ""); res.Status != vp.StatusAnswered {
		t.Fatalf("%+v", res)
	}
}
