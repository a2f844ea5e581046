package vp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
	"github.com/diplomat-edu/diplomat/openid4vc/memstore"
	"github.com/diplomat-edu/diplomat/verifier"
)

// fuzzRP is a relying party with a self-signed certificate and the offline
// verifier.
func fuzzRP(f *testing.F) (*RelyingParty, *ecdsa.PrivateKey, *x509.Certificate) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "v"}, DNSNames: []string{"client.example.org"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	cert, _ := x509.ParseCertificate(der)
	v, err := verifier.New(verifier.Options{})
	if err != nil {
		f.Fatal(err)
	}
	rp, err := New(Options{Prefix: PrefixX509Hash, Signer: k, Chain: []*x509.Certificate{cert}, ResponseURI: "https://client.example.org/post",
		RequestURIBase: "https://client.example.org/request/", Records: memstore.New(nil), Verify: v})
	if err != nil {
		f.Fatal(err)
	}
	return rp, k, cert
}

// FuzzRequestObject: the wallet's check of request objects never panics,
// and accepts only objects signed by the certificate the x509_hash names.
func FuzzRequestObject(f *testing.F) {
	rp, _, cert := fuzzRP(f)
	q, _ := os.ReadFile("../dcql/testdata/spec/encrypted-request-query.json")
	query, _ := dcql.Parse(q)
	cr, err := rp.CreateRequest(context.Background(), RequestOptions{Query: *query, ByValue: true})
	if err != nil {
		f.Fatal(err)
	}
	l, _ := ParseRequestLink(cr.Link)
	f.Add(l.Request)
	f.Add("eyJ0eXAiOiJvYXV0aC1hdXRoei1yZXErand0IiwiYWxnIjoibm9uZSJ9.e30.")
	w := &Wallet{}
	clientID := rp.ClientID()
	f.Fuzz(func(t *testing.T, tok string) {
		r, err := w.checkObject(context.Background(), tok, clientID, PrefixX509Hash, X509Hash(cert), "")
		if err != nil {
			var e *openid4vc.Error
			if !errors.As(err, &e) {
				t.Fatalf("not a protocol error: %v", err)
			}
			return
		}
		if r.Query == nil || r.Nonce == "" || len(r.Chain) == 0 || !r.Chain[0].Equal(cert) {
			t.Fatalf("accepted %+v", r)
		}
	})
}

// FuzzRequestLink: wallet invocation links never panic the parser.
func FuzzRequestLink(f *testing.F) {
	f.Add("openid4vp://?client_id=x509_san_dns%3Aclient.example.org&request_uri=https%3A%2F%2Fclient.example.org%2Frequest%2Fvapof4ql2i7m41m68uep&request_uri_method=post")
	f.Add("https://wallet.example.com?client_id=https%3A%2F%2Fclient.example.org%2Fcb&request_uri=https%3A%2F%2Fclient.example.org%2F567545564")
	f.Add("openid4vp://?response_type=vp_token&client_id=redirect_uri%3Ahttps%3A%2F%2Fclient.example.org%2Fcb&redirect_uri=https%3A%2F%2Fclient.example.org%2Fcb&nonce=n-0S6_WzA2Mj")
	f.Fuzz(func(t *testing.T, link string) {
		l, err := ParseRequestLink(link)
		if err != nil {
			return
		}
		if l.ClientID == "" || l.Request != "" && l.RequestURI != "" {
			t.Fatalf("%+v", l)
		}
	})
}

// FuzzVPToken: vp_tokens never panic the verifier's response check; a
// token built for another nonce is never answered.
func FuzzVPToken(f *testing.F) {
	rp, _, _ := fuzzRP(f)
	q, _ := dcql.Parse([]byte(`{"credentials":[{"id":"d","format":"dc+sd-jwt","meta":{"vct_values":["urn:x"]},"claims":[{"path":["name"]}]}]}`))
	issuerKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	holder, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	issued, err := sdjwt.Issue([]byte(`{"vct":"urn:x","iss":"https://issuer.example","name":"Ada","age":36}`),
		credentials.SigningKey{Signer: issuerKey}, sdjwt.IssueOptions{Holder: &holder.PublicKey, Frame: sdjwt.Frame{Disclosable: []sdjwt.Path{{"name"}, {"age"}}}})
	if err != nil {
		f.Fatal(err)
	}
	pres, _ := sdjwt.Present(issued, sdjwt.PresentOptions{Disclose: []sdjwt.Path{{"name"}}, Holder: holder, Nonce: "other", Audience: rp.ClientID()})
	tok, _ := json.Marshal(map[string][]any{"d": {pres}})
	f.Add(tok)
	f.Add([]byte(`{"d":[{"@context":[],"verifiableCredential":[]}]}`))
	f.Add([]byte(`{"x":["a"]}`))
	f.Fuzz(func(t *testing.T, token []byte) {
		_, perr, err := rp.verifyToken(context.Background(), q, token, "the-nonce")
		if err != nil {
			t.Fatalf("verifier failure: %v", err)
		}
		if perr == nil {
			t.Fatalf("a vp_token without a presentation for this nonce was accepted: %s", token)
		}
	})
}

// FuzzDescribe: credentials of every format never panic Describe.
func FuzzDescribe(f *testing.F) {
	files, _ := filepath.Glob("../vci/testdata/spec/*.jwt")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add("jwt_vc_json", b)
	}
	f.Add("ldp_vc", []byte(`{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiableCredential"],"credentialSubject":{"id":"did:key:z"}}`))
	f.Add("dc+sd-jwt", []byte("eyJhbGciOiJFUzI1NiJ9.eyJ2Y3QiOiJ4In0.AA~WyJzIiwibiIsInYiXQ~"))
	f.Fuzz(func(t *testing.T, format string, raw []byte) {
		c, err := Describe(context.Background(), format, raw, nil)
		if err == nil && c.Format != format {
			t.Fatalf("format %s, want %s", c.Format, format)
		}
	})
}
