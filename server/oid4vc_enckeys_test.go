package server

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net"
	"os"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/verifier"
)

// requestKey returns the key a running node's metadata tells wallets to
// encrypt credential requests to.
func (o *oidEnv) requestKey(t testing.TB) openid4vc.EncryptionJWK {
	t.Helper()
	code, body, _ := o.do("GET", "/.well-known/openid-credential-issuer", "", "", nil)
	var m vci.Metadata
	if code != 200 || json.Unmarshal(body, &m) != nil || m.CredentialRequestEncryption == nil || len(m.CredentialRequestEncryption.JWKS.Keys) != 1 {
		t.Fatalf("metadata: %d %s", code, body)
	}
	return m.CredentialRequestEncryption.JWKS.Keys[0]
}

// restart stops the node and starts another on the same store file, at the
// same address and with the same configuration, as a restart (or the next
// node of a store file, which one process holds at a time) does. between,
// when set, runs on the store while no node holds it (the CLI).
func (o *oidEnv) restart(t *testing.T, between func(*keys.Store)) {
	t.Helper()
	cfg, tlsConf, path, signIn := o.srv.cfg, o.srv.tls, o.store.Path(), o.box
	o.stop()
	s, err := keys.Open(path, &keys.Options{Now: o.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Unlock([]byte("test passphrase")); err != nil {
		t.Fatal(err)
	}
	if between != nil {
		between(s)
	}
	iss, err := issuer.New(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	vopts := verifier.Options{Trust: []verifier.TrustSource{verifier.RegistrySource{Registry: s}}, Contexts: jsonld.New(jsonld.Options{Cache: s})}
	srv, err := New(Options{Config: cfg, Store: s, Issuer: iss, TLS: tlsConf, SignIn: signIn, Verifier: vopts})
	if err != nil {
		t.Fatal(err)
	}
	var ln net.Listener
	for i := 0; ; i++ { // the port was just released
		if ln, err = net.Listen("tcp", cfg.Listen); err == nil || i == 50 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		if err := srv.Serve(ctx, ln); err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	o.srv, o.store, o.stopped = srv, s, stopped
	stopped2 := false
	o.stop = func() {
		if !stopped2 {
			stopped2 = true
			cancel()
			<-stopped
			s.Close()
		}
	}
	t.Cleanup(o.stop)
}

// startEncrypted runs a wallet up to the credential request: the offer,
// the metadata (with the request encryption key of the node that answers
// now) and the token.
func (o *oidEnv) startEncrypted(t *testing.T) *vci.Session {
	t.Helper()
	offer := o.offer(t, map[string]any{"template": "diploma", "format": "dc+sd-jwt", "record": recordJSON(t, "diploma")})
	s, err := o.client.Start(context.Background(), offer.Link, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PreAuthorized(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	return s
}

func (o *oidEnv) requestEncrypted(t *testing.T, s *vci.Session) error {
	t.Helper()
	got, err := s.RequestCredential(context.Background(), vci.CredentialOptions{Holders: []vci.ProofSigner{{Signer: p256Key(t)}}, Encrypt: true})
	if err == nil {
		if !got.Encrypted || len(got.Credentials) != 1 {
			t.Fatalf("encrypted=%v, %d credentials", got.Encrypted, len(got.Credentials))
		}
		o.verified(t, got.Credential(0))
	}
	return err
}

// A store file is served by one process at a time: the node after a
// restart publishes the same request encryption key, decrypts a request a
// wallet encrypted to the metadata of the node before, and the file never
// holds the private key in plaintext.
func TestRequestEncryptionKeyIsTheStoresAcrossRestarts(t *testing.T) {
	o := newOIDEnv(t, false, nil)
	before := o.requestKey(t)
	if before.Kid == "" || before.Alg != openid4vc.AlgECDHES || before.Use != "enc" {
		t.Fatalf("published key %+v", before)
	}
	s := o.startEncrypted(t) // the wallet read node A's metadata
	o.restart(t, nil)
	if after := o.requestKey(t); after != before {
		t.Fatalf("the key changed across a restart:\n%+v\n%+v", before, after)
	}
	if err := o.requestEncrypted(t, s); err != nil {
		t.Fatalf("a request encrypted to the metadata of the node before the restart: %v", err)
	}
	// The key in the store is the one published, and never in plaintext.
	set, err := o.store.EncryptionKeys(EncryptionKeySet)
	if err != nil {
		t.Fatal(err)
	}
	if len(set) != 1 || set[0].ID != before.Kid {
		t.Fatalf("the store's set %+v, published %s", set, before.Kid)
	}
	path := o.store.Path()
	o.stop()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	noPlainKey(t, raw, set[0])
}

// noPlainKey fails when raw holds k's private scalar or PKCS #8 form, raw
// or encoded as JSON or JWK would encode them.
func noPlainKey(t *testing.T, raw []byte, k keys.EncryptionKey) {
	t.Helper()
	d := k.Private.D.FillBytes(make([]byte, 32))
	der, _ := x509.MarshalPKCS8PrivateKey(k.Private)
	for name, form := range map[string][]byte{"scalar": d, "scalar (base64)": []byte(base64.StdEncoding.EncodeToString(d)),
		"scalar (JWK d)": []byte(base64.RawURLEncoding.EncodeToString(d)), "scalar (hex)": []byte(hex.EncodeToString(d)),
		"PKCS #8": der, "PKCS #8 (base64)": []byte(base64.StdEncoding.EncodeToString(der))} {
		if bytes.Contains(raw, form) {
			t.Errorf("the store holds the private request encryption key (%s) in plaintext", name)
		}
	}
}

// Rotation: the new key is published after the restart, the one before
// still decrypts during its grace period (a wallet that read the metadata
// before the rotation), and not after a rotation without grace.
func TestRotatedRequestEncryptionKeyDecryptsDuringItsGrace(t *testing.T) {
	o := newOIDEnv(t, false, nil)
	first := o.requestKey(t)
	cached := o.startEncrypted(t)
	o.restart(t, func(s *keys.Store) {
		if _, err := s.RotateEncryptionKey(EncryptionKeySet, time.Hour); err != nil {
			t.Fatal(err)
		}
	})
	second := o.requestKey(t)
	if second.Kid == first.Kid {
		t.Fatal("the rotated key is not published after the restart")
	}
	if err := o.requestEncrypted(t, cached); err != nil {
		t.Fatalf("a request to the previous key within its grace period: %v", err)
	}
	if err := o.requestEncrypted(t, o.startEncrypted(t)); err != nil {
		t.Fatalf("a request to the new key: %v", err)
	}
	cached = o.startEncrypted(t) // reads the second key
	o.restart(t, func(s *keys.Store) {
		if _, err := s.RotateEncryptionKey(EncryptionKeySet, 0); err != nil {
			t.Fatal(err)
		}
	})
	err := o.requestEncrypted(t, cached)
	if oauthCode(err) != openid4vc.CodeInvalidEncryptionParameters {
		t.Fatalf("a request to a key rotated without grace: %v, want invalid_encryption_parameters", err)
	}
}
