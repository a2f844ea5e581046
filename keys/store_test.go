package keys

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/did"
)

// cheapKDF keeps tests fast; the stored parameters are what later opens use.
var cheapKDF = KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

var passphrase = []byte("correct horse battery staple")

func openStore(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path, &Options{KDF: cheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func unlockedStore(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", DefaultFile)
	s := openStore(t, path)
	if err := s.Unlock(passphrase); err != nil {
		t.Fatal(err)
	}
	return s, path
}

func reopen(t *testing.T, s *Store) *Store {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return openStore(t, s.Path())
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func verifies(pub crypto.PublicKey, msg, sig []byte) bool {
	return ed25519.Verify(pub.(ed25519.PublicKey), msg, sig)
}

func TestOpenCreatesPrivateFolderAndFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home", "diplomat-data")
	path := filepath.Join(dir, DefaultFile)
	openStore(t, path)
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s has mode %o, want %o", p, got, want)
		}
	}
}

func TestArgon2ParametersAreStoredWithTheStore(t *testing.T) {
	s, _ := unlockedStore(t)
	in, err := s.Info()
	if err != nil {
		t.Fatal(err)
	}
	if in.KDF.Time != cheapKDF.Time || in.KDF.MemoryKiB != cheapKDF.MemoryKiB || in.KDF.Threads != cheapKDF.Threads {
		t.Fatalf("stored KDF %+v, want %+v", in.KDF, cheapKDF)
	}
	// Reopening with other options keeps the stored parameters.
	s.Close()
	s2, err := Open(s.Path(), &Options{KDF: KDFParams{Time: 2, MemoryKiB: 128, Threads: 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.Unlock(passphrase); err != nil {
		t.Fatalf("unlock with stored parameters: %v", err)
	}
	in2, _ := s2.Info()
	if in2.KDF.MemoryKiB != cheapKDF.MemoryKiB {
		t.Fatalf("parameters changed on reopen: %+v", in2.KDF)
	}
}

func TestWrongPassphraseIsReportedAndChangesNothing(t *testing.T) {
	s, path := unlockedStore(t)
	if _, err := s.Create("registrar", Ed25519, Assertion); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s)
	before := fileSum(t, path)
	err := s.Unlock([]byte("wrong passphrase"))
	if !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("Unlock(wrong) = %v, want ErrWrongPassphrase", err)
	}
	if strings.Contains(err.Error(), "wrong passphrase") && strings.Contains(err.Error(), "horse") {
		t.Fatalf("error leaks the passphrase: %v", err)
	}
	if s.Unlocked() {
		t.Fatal("store unlocked after a wrong passphrase")
	}
	if _, err := s.Signer("registrar"); !errors.Is(err, ErrLocked) {
		t.Fatalf("Signer after wrong passphrase = %v, want ErrLocked", err)
	}
	if after := fileSum(t, path); after != before {
		t.Fatal("the store file changed after a wrong passphrase")
	}
	if err := s.Unlock(passphrase); err != nil {
		t.Fatalf("right passphrase after a wrong one: %v", err)
	}
	sg, err := s.Signer("registrar")
	if err != nil {
		t.Fatal(err)
	}
	sig, err := sg.Sign(nil, []byte("m"), crypto.Hash(0))
	if err != nil || !verifies(sg.Public(), []byte("m"), sig) {
		t.Fatalf("signing after unlock: %v", err)
	}
}

func TestPublicMaterialIsReadableWhileLocked(t *testing.T) {
	s, _ := unlockedStore(t)
	k, err := s.Create("registrar", P256, Assertion)
	if err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s)
	got, err := s.Key("registrar")
	if err != nil || got.ID != k.ID || !got.Public.(interface{ Equal(crypto.PublicKey) bool }).Equal(k.Public) {
		t.Fatalf("Key while locked = %+v, %v", got, err)
	}
	set, err := s.JWKS("")
	if err != nil || len(set.Keys) != 1 || set.Keys[0].Kid != k.ID || set.Keys[0].Alg != "ES256" {
		t.Fatalf("JWKS while locked = %+v, %v", set, err)
	}
	if _, err := s.WebDocument("did:web:registrar.example.edu"); err != nil {
		t.Fatalf("WebDocument while locked: %v", err)
	}
	if _, err := s.Signer("registrar"); !errors.Is(err, ErrLocked) {
		t.Fatalf("Signer while locked = %v, want ErrLocked", err)
	}
	if _, err := s.Create("other", Ed25519, Assertion); !errors.Is(err, ErrLocked) {
		t.Fatalf("Create while locked = %v, want ErrLocked", err)
	}
}

func TestKeyIDIsTheThumbprintAndTypesAreKnown(t *testing.T) {
	s, _ := unlockedStore(t)
	for _, tc := range []struct {
		typ    KeyType
		prefix string
		alg    string
	}{{Ed25519, "did:key:z6Mk", "EdDSA"}, {P256, "did:key:zDn", "ES256"}, {P384, "did:key:z82", "ES384"}} {
		k, err := s.Create("k-"+string(tc.typ), tc.typ, Authentication)
		if err != nil {
			t.Fatal(err)
		}
		tp, _ := did.Thumbprint(k.Public)
		kd, _ := k.KeyDID()
		if k.ID != tp || !strings.HasPrefix(kd, tc.prefix) || k.Alg() != tc.alg || k.State != Active || k.Purpose != Authentication {
			t.Errorf("%s: id %s (thumbprint %s), did %s, alg %s, state %s", tc.typ, k.ID, tp, kd, k.Alg(), k.State)
		}
	}
	for _, bad := range []struct {
		name string
		typ  KeyType
		p    Purpose
	}{{"ok", "rsa", Assertion}, {"ok", Ed25519, "signing"}, {"-bad", Ed25519, Assertion}, {"k-ed25519", Ed25519, Assertion}} {
		if _, err := s.Create(bad.name, bad.typ, bad.p); !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrExists) {
			t.Errorf("Create(%q, %q, %q) = %v, want ErrInvalid or ErrExists", bad.name, bad.typ, bad.p, err)
		}
	}
}

// editRecord changes a stored key record directly, as an attacker with
// write access to the file could.
func editRecord(t *testing.T, s *Store, fn func(rs map[string]*keyRecord)) {
	t.Helper()
	err := s.Update(func(tx *bbolt.Tx) error {
		all, err := records(boltTx{tx: tx}, "")
		if err != nil {
			return err
		}
		rs := map[string]*keyRecord{}
		for _, r := range all {
			rs[r.Name] = r
		}
		fn(rs)
		for _, r := range rs {
			if err := putRecord(boltTx{tx: tx}, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTamperedCiphertextDoesNotOpen(t *testing.T) {
	s, _ := unlockedStore(t)
	if _, err := s.Create("registrar", Ed25519, Assertion); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s)
	editRecord(t, s, func(rs map[string]*keyRecord) { rs["registrar"].Sealed[30] ^= 1 })
	if err := s.Unlock(passphrase); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Signer("registrar"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Signer on a tampered key = %v, want ErrCorrupt", err)
	}
}

func TestCiphertextSwappedBetweenRecordsDoesNotOpen(t *testing.T) {
	s, _ := unlockedStore(t)
	for _, n := range []string{"a", "b"} {
		if _, err := s.Create(n, Ed25519, Assertion); err != nil {
			t.Fatal(err)
		}
	}
	s = reopen(t, s)
	editRecord(t, s, func(rs map[string]*keyRecord) {
		rs["a"].Sealed, rs["b"].Sealed = rs["b"].Sealed, rs["a"].Sealed
	})
	if err := s.Unlock(passphrase); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b"} {
		_, err := s.Signer(n)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "does not open under its id") {
			t.Errorf("Signer(%s) with a swapped ciphertext = %v, want ErrCorrupt", n, err)
		}
	}
}

func TestStoreFromNewerSchemaIsRefused(t *testing.T) {
	s, path := unlockedStore(t)
	if err := s.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(TableMeta)).Put(metaSchema, []byte("7"))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(path, &Options{KDF: cheapKDF})
	var se *SchemaError
	if !errors.Is(err, ErrNewerSchema) || !errors.As(err, &se) || se.Found != 7 || se.Readable != SchemaVersion {
		t.Fatalf("Open(newer schema) = %v, want a SchemaError for 7", err)
	}
	if !strings.Contains(err.Error(), "newer diplomat") || !strings.Contains(err.Error(), path) {
		t.Fatalf("message %q does not say the store is from a newer diplomat", err)
	}
}

const helperEnv = "DIPLOMAT_KEYS_TEST_OPEN"

// TestHelperProcessOpen is not a test: TestSecondProcessGetsInUse runs the
// test binary again with helperEnv set, and this opens the store from that
// second process.
func TestHelperProcessOpen(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process for TestSecondProcessGetsInUse")
	}
	s, err := Open(path, nil)
	if err == nil {
		s.Close()
		os.Stdout.WriteString("opened\n")
		os.Exit(0)
	}
	os.Stdout.WriteString(err.Error() + "\n")
	if errors.Is(err, ErrInUse) {
		os.Exit(3)
	}
	os.Exit(4)
}

func TestSecondProcessGetsInUse(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	_, path := unlockedStore(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcessOpen$")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	start := time.Now()
	out, err := cmd.Output()
	elapsed := time.Since(start)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("second process: %v, output %q; want exit 3 (ErrInUse)", err, out)
	}
	want := "the store " + path + " is in use by another diplomat process"
	if !strings.Contains(string(out), want) {
		t.Fatalf("second process said %q, want %q", out, want)
	}
	if elapsed > 3*time.Second {
		t.Fatalf("second process took %v to fail, want about a second", elapsed)
	}
	t.Logf("second process failed after %v", elapsed)
}

func TestBackupWhileOpenThenSignWithTheCopy(t *testing.T) {
	s, _ := unlockedStore(t)
	k, err := s.Create("registrar", Ed25519, Assertion)
	if err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := s.BackupFile(backup); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(backup); st.Mode().Perm() != 0o600 {
		t.Fatalf("backup mode %o, want 600", st.Mode().Perm())
	}
	if err := s.BackupFile(backup); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second backup over the first = %v, want an exists error", err)
	}
	// The original is still open and usable.
	if _, err := s.Create("second", Ed25519, Assertion); err != nil {
		t.Fatal(err)
	}
	c := openStore(t, backup)
	if err := c.Unlock(passphrase); err != nil {
		t.Fatal(err)
	}
	sg, err := c.Signer("registrar")
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("diploma")
	sig, err := sg.Sign(nil, msg, crypto.Hash(0))
	if err != nil || !verifies(k.Public, msg, sig) {
		t.Fatalf("signature from the backup does not verify with the original key: %v", err)
	}
	if _, err := c.Key("second"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("key created after the backup is in it: %v", err)
	}
}

func webResolver(t *testing.T, s *Store, webDID string) did.Resolver {
	return did.Resolver{Web: func(_ context.Context, u string) ([]byte, error) {
		want, _ := did.WebURL(webDID)
		if u != want {
			return nil, errors.New("not found")
		}
		doc, err := s.WebDocument(webDID)
		if err != nil {
			return nil, err
		}
		return json.Marshal(doc)
	}}
}

func TestRotateKeepsTheOldKeyInTheDIDDocument(t *testing.T) {
	s, _ := unlockedStore(t)
	const web = "did:web:registrar.example.edu"
	old, err := s.Create("registrar", Ed25519, Assertion)
	if err != nil {
		t.Fatal(err)
	}
	nk, err := s.Rotate("registrar")
	if err != nil {
		t.Fatal(err)
	}
	if nk.ID == old.ID || nk.State != Active || nk.Name != "registrar" {
		t.Fatalf("rotated key %+v", nk)
	}
	versions, _ := s.KeyVersions("registrar")
	if len(versions) != 2 || versions[0].State != Retired || versions[0].Retired.IsZero() || versions[1].ID != nk.ID {
		t.Fatalf("versions after rotate: %+v", versions)
	}
	doc, err := s.WebDocument(web)
	if err != nil {
		t.Fatal(err)
	}
	r := webResolver(t, s, web)
	for _, k := range []*Key{old, nk} {
		mk, _ := did.Multikey(k.Public)
		for _, id := range []string{web + "#" + k.ID, web + "#" + mk} {
			if !doc.Related(id, did.AssertionMethod) {
				t.Errorf("assertionMethod lacks %s", id)
			}
			vm, err := r.ResolveKey(context.Background(), id)
			if err != nil || !vm.Key.(ed25519.PublicKey).Equal(k.Public) {
				t.Errorf("ResolveKey(%s) = %v", id, err)
			}
		}
	}
	if len(doc.VerificationMethod) != 4 {
		t.Fatalf("document has %d methods, want 4 (two keys, two forms)", len(doc.VerificationMethod))
	}
	sg, err := s.Signer("registrar")
	if err != nil || !sg.Public().(ed25519.PublicKey).Equal(nk.Public) {
		t.Fatalf("Signer after rotate does not use the new key: %v", err)
	}
}

func TestDestroyStopsSigningButThePublicKeyStillResolves(t *testing.T) {
	s, _ := unlockedStore(t)
	k, err := s.Create("registrar", Ed25519, Assertion)
	if err != nil {
		t.Fatal(err)
	}
	before, err := s.Signer("registrar")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Destroy("registrar"); err != nil {
		t.Fatal(err)
	}
	if _, err := before.Sign(nil, []byte("m"), crypto.Hash(0)); !errors.Is(err, ErrDestroyed) {
		t.Fatalf("signer from before Destroy: %v, want ErrDestroyed", err)
	}
	_, err = s.Signer("registrar")
	if !errors.Is(err, ErrDestroyed) || !strings.Contains(err.Error(), `"registrar" was destroyed`) {
		t.Fatalf("Signer after Destroy = %v, want a clear ErrDestroyed", err)
	}
	got, err := s.Key("registrar")
	if err != nil || got.State != Destroyed || got.Destroyed.IsZero() {
		t.Fatalf("Key after Destroy = %+v, %v", got, err)
	}
	err = s.View(func(tx *bbolt.Tx) error {
		r, _ := current(boltTx{tx: tx}, "registrar")
		if len(r.Sealed) != 0 {
			t.Error("the sealed private key is still in the record")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := got.KeyDID()
	vm, err := did.Resolver{}.ResolveKey(context.Background(), kd)
	if err != nil || !vm.Key.(ed25519.PublicKey).Equal(k.Public) {
		t.Fatalf("did:key of a destroyed key does not resolve: %v", err)
	}
	const web = "did:web:registrar.example.edu"
	if _, err := webResolver(t, s, web).ResolveKey(context.Background(), web+"#"+k.ID); err != nil {
		t.Fatalf("destroyed key gone from the DID document: %v", err)
	}
	// Still destroyed after reopening.
	s = reopen(t, s)
	s.Unlock(passphrase)
	if _, err := s.Signer("registrar"); !errors.Is(err, ErrDestroyed) {
		t.Fatalf("Signer after reopen = %v, want ErrDestroyed", err)
	}
}

func TestLockAndCloseStopSigners(t *testing.T) {
	s, _ := unlockedStore(t)
	s.Create("registrar", Ed25519, Assertion)
	sg, err := s.Signer("registrar")
	if err != nil {
		t.Fatal(err)
	}
	s.Lock()
	if _, err := sg.Sign(nil, []byte("m"), crypto.Hash(0)); !errors.Is(err, ErrLocked) {
		t.Fatalf("Sign after Lock = %v, want ErrLocked", err)
	}
}

func TestImportKeyFromJWKAndPEM(t *testing.T) {
	s, _ := unlockedStore(t)
	pub, priv, _ := ed25519.GenerateKey(nil)
	tp, _ := did.Thumbprint(pub)
	j, _ := did.PublicJWK(pub)
	jwk, _ := json.Marshal(map[string]string{"kty": "OKP", "crv": "Ed25519", "x": j.X, "d": b64(priv.Seed())})
	k, err := s.ImportKey("imported", Assertion, jwk)
	if err != nil {
		t.Fatal(err)
	}
	if k.ID != tp || !k.Imported {
		t.Fatalf("imported key %+v, want id %s", k, tp)
	}
	sg, _ := s.Signer("imported")
	sig, _ := sg.Sign(nil, []byte("m"), crypto.Hash(0))
	if !ed25519.Verify(pub, []byte("m"), sig) {
		t.Fatal("imported key does not sign as the original")
	}
	if _, err := s.ImportKey("again", Assertion, jwk); !errors.Is(err, ErrExists) {
		t.Fatalf("importing the same key twice = %v, want ErrExists", err)
	}
	_, other, _ := ed25519.GenerateKey(nil)
	bad, _ := json.Marshal(map[string]string{"kty": "OKP", "crv": "Ed25519", "x": j.X, "d": b64(other.Seed())})
	if _, err := s.ImportKey("bad", Assertion, bad); !errors.Is(err, ErrInvalid) {
		t.Fatalf("JWK with a d of another key = %v, want ErrInvalid", err)
	}
	ecPEM := pemPKCS8(t, newP256(t))
	k2, err := s.ImportKey("from-pem", Authentication, ecPEM)
	if err != nil || k2.Type != P256 {
		t.Fatalf("PEM import = %+v, %v", k2, err)
	}
	if _, err := s.ImportKey("rsa", Assertion, pemPKCS8(t, newRSA(t, 2048))); !errors.Is(err, ErrInvalid) {
		t.Fatalf("RSA DID key import = %v, want ErrInvalid", err)
	}
}

func TestAuditRecordsOperationsInOrderWithoutSecrets(t *testing.T) {
	s, _ := unlockedStore(t)
	k, _ := s.Create("registrar", Ed25519, Assertion)
	nk, _ := s.Rotate("registrar")
	s.Destroy("registrar")
	recs, err := s.Audit()
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for i, r := range recs {
		if r.Seq != uint64(i+1) {
			t.Fatalf("record %d has seq %d", i, r.Seq)
		}
		ops = append(ops, r.Op)
	}
	want := "store.create store.passphrase-set keys.create keys.retire keys.rotate keys.destroy keys.destroy"
	if strings.Join(ops, " ") != want {
		t.Fatalf("audit ops %q, want %q", strings.Join(ops, " "), want)
	}
	if recs[2].Subject != k.ID || recs[4].Subject != nk.ID || recs[2].Name != "registrar" {
		t.Fatalf("audit subjects %+v", recs)
	}
	raw, _ := json.Marshal(recs)
	if bytes.Contains(raw, passphrase) || bytes.Contains(raw, []byte("sealed")) {
		t.Fatal("audit log holds secret material")
	}
}

func TestInfoCountsEverything(t *testing.T) {
	s, path := unlockedStore(t)
	s.Create("a", Ed25519, Assertion)
	s.Rotate("a")
	s.CreateTestSeal("seal", TestSealOptions{Subject: SealSubject{Organization: "Université Exemple", Country: "FR"}})
	s.PutContext("https://www.w3.org/ns/credentials/v2", []byte(`{"@context":{}}`))
	if _, err := s.AddTrust(TrustEntry{DID: "did:web:uni.example.de", Name: "Uni", Country: "DE"}); err != nil {
		t.Fatal(err)
	}
	in, err := s.Info()
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if in.Keys != 3 || in.Certificates != 1 || in.TrustEntries != 1 || in.Contexts != 1 || in.AuditRecords != 8 ||
		in.SchemaVersion != SchemaVersion || !in.Initialised || in.Path != path || in.Size != st.Size() {
		t.Fatalf("Info = %+v (file size %d)", in, st.Size())
	}
}

func TestContextCache(t *testing.T) {
	s, _ := unlockedStore(t)
	const u = "https://www.w3.org/ns/credentials/v2"
	if _, err := s.LookupContext(u); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("LookupContext before Put = %v, want fs.ErrNotExist", err)
	}
	data := []byte(`{"@context":{"id":"@id"}}`)
	if err := s.PutContext(u, data); err != nil {
		t.Fatal(err)
	}
	got, err := s.LookupContext(u)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("LookupContext = %q, %v", got, err)
	}
	list, _ := s.ListContexts()
	sum := sha256.Sum256(data)
	if len(list) != 1 || list[0].URL != u || list[0].Size != len(data) || list[0].SHA256 != hexs(sum[:]) || list[0].Imported.IsZero() {
		t.Fatalf("ListContexts = %+v", list)
	}
	if err := s.PutContext("file:///etc/passwd", data); !errors.Is(err, ErrInvalid) {
		t.Fatalf("PutContext(file URL) = %v, want ErrInvalid", err)
	}
}

func TestSignerSatisfiesTheMechanismKey(t *testing.T) {
	s, _ := unlockedStore(t)
	k, _ := s.Create("registrar", P384, Assertion)
	sg, err := s.Signer("registrar")
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := k.KeyDID()
	sk := credentials.SigningKey{Signer: sg, ID: kd + "#" + strings.TrimPrefix(kd, "did:key:")}
	vm, err := did.Resolver{}.ResolveKey(context.Background(), sk.ID)
	if err != nil || !vm.Key.(interface{ Equal(crypto.PublicKey) bool }).Equal(sk.Signer.Public()) {
		t.Fatalf("the signer's did:key does not resolve to its public key: %v", err)
	}
}

func TestWebDocumentListsTheSealsKeyButNoKeyAwaitingItsCertificate(t *testing.T) {
	s, _ := unlockedStore(t)
	const web = "did:web:registrar.example.edu"
	seal, err := s.CreateTestSeal("seal", TestSealOptions{Subject: SealSubject{Organization: "Université Exemple", Country: "FR"}})
	if err != nil {
		t.Fatal(err)
	}
	pending, err := s.Create("pending", P256, Assertion)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CSR("pending", SealSubject{CommonName: "x", Organization: "Université Exemple", Country: "FR", OrganizationIdentifier: "VATFR-12345678901"}); err != nil {
		t.Fatal(err)
	}
	doc, err := s.WebDocument(web)
	if err != nil {
		t.Fatal(err)
	}
	if !doc.Related(web+"#"+seal.ID, did.AssertionMethod) {
		t.Errorf("assertionMethod lacks the seal's key %s", seal.ID)
	}
	vm, err := webResolver(t, s, web).ResolveKey(context.Background(), web+"#"+seal.ID)
	if err != nil || !vm.Key.(interface{ Equal(crypto.PublicKey) bool }).Equal(seal.Chain[0].PublicKey) {
		t.Errorf("ResolveKey(seal) = %v", err)
	}
	for _, m := range doc.VerificationMethod {
		if strings.HasSuffix(m.ID, "#"+pending.ID) {
			t.Errorf("the key awaiting its certificate is published as %s", m.ID)
		}
	}
}
