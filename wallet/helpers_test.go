package wallet

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	testenv "github.com/diplomat-edu/diplomat/internal/oid4vctest"
	"github.com/diplomat-edu/diplomat/internal/reftest"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
)

// cheapKDF keeps the wallet stores of the tests fast to unlock.
var cheapKDF = keys.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

// newStore opens and unlocks a fresh wallet store.
func newStore(t testing.TB) *keys.Store {
	t.Helper()
	s, err := keys.Open(filepath.Join(t.TempDir(), "wallet", keys.DefaultFile), &keys.Options{KDF: cheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Unlock([]byte("a student's passphrase")); err != nil {
		t.Fatal(err)
	}
	return s
}

type walletOptions struct {
	untrusting bool // trust no issuer
	contexts   bool // import the reference JSON-LD contexts (ldp_vc)
	opts       Options
}

// newWallet returns a wallet over a fresh store that reaches the test
// service (its CA, loopback) and, unless untrusting, trusts the service's
// issuers as the student would have added them.
func newWallet(t testing.TB, e *testenv.Env, wo walletOptions) *Wallet {
	t.Helper()
	s := newStore(t)
	if !wo.untrusting {
		entries, err := e.Store.TrustEntries()
		if err != nil {
			t.Fatal(err)
		}
		for _, te := range entries {
			te.ID, te.Source, te.Added = "", "", te.Added.UTC().Truncate(0)
			if _, err := s.AddTrust(te); err != nil {
				t.Fatal(err)
			}
		}
	}
	if wo.contexts {
		if _, err := jsonld.Import(reftest.Path(t, "contexts"), s); err != nil {
			t.Fatal(err)
		}
	}
	o := wo.opts
	o.Local, o.RootCAs = true, e.Roots
	w, err := New(s, o)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// offer makes a diploma offer of configs.
func offer(t testing.TB, e *testenv.Env, req vci.OfferRequest) *vci.CreatedOffer {
	t.Helper()
	if req.Dataset == nil {
		req.Dataset = testenv.DiplomaDataset(t)
	}
	o, err := e.VCI.CreateOffer(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// fetch runs a pre-authorized receipt up to the verified credentials,
// stored nothing yet.
func fetch(t testing.TB, w *Wallet, o *vci.CreatedOffer, fo FetchOptions) (*Incoming, []*Received) {
	t.Helper()
	ctx := context.Background()
	in, err := w.Receive(ctx, o.Link)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Redeem(ctx, o.TxCode); err != nil {
		t.Fatal(err)
	}
	got, err := in.Fetch(ctx, fo)
	if err != nil {
		t.Fatal(err)
	}
	return in, got
}

// receive runs a whole pre-authorized receipt and keeps the credentials.
func receive(t testing.TB, w *Wallet, o *vci.CreatedOffer, fo FetchOptions) []*Credential {
	t.Helper()
	in, _ := fetch(t, w, o, fo)
	kept, err := in.Keep(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	return kept
}

func query(t testing.TB, s string) dcql.Query {
	t.Helper()
	q, err := dcql.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return *q
}

// request makes a request of the test verifier.
func request(t testing.TB, rp *vp.RelyingParty, q string, o vp.RequestOptions) *vp.CreatedRequest {
	t.Helper()
	o.Query = query(t, q)
	r, err := rp.CreateRequest(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The queries of the tests: a diploma's title (and, for SD-JWT, the family
// name), nothing else.
const (
	sdjwtTitleQuery = `{"credentials":[{"id":"diploma","format":"dc+sd-jwt","meta":{"vct_values":["urn:eudi:elm:1"]},
	  "claims":[{"path":["elm","credentialSubject","hasClaim",null,"title"]},{"path":["elm","credentialSubject","familyName"]}]}]}`
	jwtTitleQuery = `{"credentials":[{"id":"diploma","format":"jwt_vc_json","meta":{"type_values":[["VerifiableCredential","EuropeanDigitalCredential"]]},
	  "claims":[{"path":["credentialSubject","hasClaim",null,"title"]}]}]}`
	ldpTitleQuery = `{"credentials":[{"id":"diploma","format":"ldp_vc","meta":{"type_values":[["https://www.w3.org/2018/credentials#VerifiableCredential","http://data.europa.eu/snb/model/elm/EuropeanDigitalCredential"]]},
	  "claims":[{"path":["credentialSubject","hasClaim",null,"title"]}]}]}`
)

// qrPNG renders text as a QR code PNG, as a service would.
func qrPNG(t testing.TB, text string) []byte {
	t.Helper()
	m, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, 600, 600, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jsonString(v any) string {
	b, _ := json.MarshalIndent(v, "", " ")
	return string(b)
}

func contains(claims []Claim, path string) bool {
	for _, c := range claims {
		if c.Path == path || strings.HasPrefix(c.Path, path+".") || strings.HasPrefix(c.Path, path+"[") {
			return true
		}
	}
	return false
}
