package wallet

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials/did"
	testenv "github.com/diplomat-edu/diplomat/internal/oid4vctest"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
	"github.com/diplomat-edu/diplomat/templates"
	"github.com/diplomat-edu/diplomat/verifier"
)

// TestEcdsaSDCredentialIsDerivedToTheClaimsAsked: a Data Integrity
// credential secured with ecdsa-sd-2023 (received by e-mail, bound to the
// wallet's key) is presented with a derived proof of the claims asked
// only; the verifier verifies it and never sees the grades.
func TestEcdsaSDCredentialIsDerivedToTheClaimsAsked(t *testing.T) {
	e := testenv.New(t, testenv.Options{LDP: true})
	ctx := context.Background()
	w := newWallet(t, e, walletOptions{contexts: true})
	k, err := w.Store().Create("holder-p256", keys.P256, keys.Authentication)
	if err != nil {
		t.Fatal(err)
	}
	holderDID, _ := did.JWKDID(k.Public)
	tm, _ := templates.Builtin("diploma")
	rec, _ := tm.Example()
	out, err := e.Issuer.IssueTo(ctx, tm, rec, issuer.Profile{Name: issuer.W3C, Proof: issuer.ProofECDSASD}, []issuer.Holder{{Key: k.Public, DID: holderDID}})
	if err != nil {
		t.Fatal(err)
	}
	c, rep, err := w.Import(ctx, out[0].Credential, "diploma.json", false)
	if err != nil {
		t.Fatalf("import: %v (%s)", err, jsonString(rep))
	}
	if c.Format != "ldp_vc" || c.Copies[0].HolderKey != "holder-p256" {
		t.Fatalf("imported %s", jsonString(c))
	}
	req := request(t, e.RP, ldpTitleQuery, vp.RequestOptions{})
	p, err := w.Prepare(ctx, req.Link, PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Shares[0].Selective || contains(p.Shares[0].Visible, "credentialSubject.hasClaim[0].provenBy") {
		t.Fatalf("share %+v", p.Shares[0])
	}
	if _, err := p.Send(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := e.RP.Result(ctx, req.TransactionID, "")
	if err != nil || len(res.Presentations["diploma"]) != 1 {
		t.Fatalf("result %s %v", jsonString(res), err)
	}
	got := res.Presentations["diploma"][0]
	if got.Report.Verdict != verifier.Verified {
		t.Fatalf("report %s", jsonString(got.Report))
	}
	claims := string(got.Claims)
	if strings.Contains(claims, "15.2") || strings.Contains(claims, "dateOfBirth") || !strings.Contains(claims, "Master of Science in Computer Science") {
		t.Fatalf("the verifier received: %s", claims)
	}
	var doc map[string]any
	json.Unmarshal(got.Claims, &doc)
	if proof, _ := doc["proof"].(map[string]any); proof != nil && proof["cryptosuite"] != "ecdsa-sd-2023" {
		t.Fatalf("proof %v", proof)
	}
}
