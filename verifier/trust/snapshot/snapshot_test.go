package snapshot

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/verifier/trust"
)

func openStore(t *testing.T) *Store {
	t.Helper()
	ks, err := keys.Open(filepath.Join(t.TempDir(), "diplomat.db"), &keys.Options{KDF: keys.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ks.Close() })
	return New(ks, func() time.Time { return time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC) })
}

func TestPutKeepsNewerSnapshot(t *testing.T) {
	s := openStore(t)
	day := func(d int) time.Time { return time.Date(2025, 1, d, 0, 0, 0, 0, time.UTC) }
	put := func(seq int64, issued time.Time, data string) (bool, error) {
		return s.Put(Snapshot{Meta: Meta{Kind: KindTL, Name: "SE", Sequence: seq, Issued: issued, Entities: 3}, Data: []byte(data)})
	}
	if ok, err := put(55, day(10), "v55"); err != nil || !ok {
		t.Fatalf("first put: %v %v", ok, err)
	}
	cases := []struct {
		name     string
		seq      int64
		issued   time.Time
		data     string
		replaced bool
		err      error
	}{
		{"older sequence refused", 54, day(11), "v54", false, trust.ErrOlder},
		{"same sequence, other content refused", 55, day(10), "v55b", false, trust.ErrOlder},
		{"same bytes again changes nothing", 55, day(10), "v55", false, nil},
		{"newer sequence replaces", 56, day(12), "v56", true, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ok, err := put(c.seq, c.issued, c.data)
			if !errors.Is(err, c.err) || ok != c.replaced {
				t.Fatalf("replaced %v err %v", ok, err)
			}
		})
	}
	got, err := s.Get(KindTL, "SE")
	if err != nil || string(got.Data) != "v56" || got.Sequence != 56 || !got.Imported.Equal(time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("held %+v %v", got, err)
	}
	if _, err := s.Get(KindTL, "FR"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
}

func TestFailedImportChangesNothing(t *testing.T) {
	s := openStore(t)
	if _, _, err := s.ImportETSI([]byte("<not a list/>"), ImportOptions{}); !errors.Is(err, trust.ErrMalformed) {
		t.Fatalf("err = %v", err)
	}
	if _, _, err := s.ImportEBSI([]byte(`{"name":"x","issuers":[{"did":"did:ebsi:z","attributes":[{"hash":"00","body":"a.b.c","issuerType":"TI"}]}]}`), ImportOptions{Roots: []string{"did:ebsi:z"}}); !errors.Is(err, trust.ErrSignature) {
		t.Fatalf("err = %v", err)
	}
	if _, _, err := s.ImportEBSI([]byte(`{"name":"x","issuers":[]}`), ImportOptions{}); !errors.Is(err, trust.ErrNotPinned) {
		t.Fatalf("no roots: err = %v", err)
	}
	metas, err := s.List()
	if err != nil || len(metas) != 0 {
		t.Fatalf("held %v %v", metas, err)
	}
	srcs, err := s.Load(LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := srcs.Trust(t.Context(), verifierQuery())
	if err != nil || a.Trusted || a.Reason != "not trusted: no European trust list is imported" {
		t.Fatalf("answer %+v %v", a, err)
	}
}

func TestImportEBSIThenLoad(t *testing.T) {
	s := openStore(t)
	data := []byte(`{"name":"empty","sequence":2,"issuers":[]}`)
	m, ok, err := s.ImportEBSI(data, ImportOptions{Roots: []string{"did:ebsi:zRoot"}})
	if err != nil || !ok || m.Kind != KindEBSI || m.Name != "empty" || m.Sequence != 2 {
		t.Fatalf("meta %+v %v %v", m, ok, err)
	}
	if _, _, err := s.ImportEBSI([]byte(`{"name":"empty","sequence":1,"issuers":[]}`), ImportOptions{Roots: []string{"did:ebsi:zRoot"}}); !errors.Is(err, trust.ErrOlder) {
		t.Fatalf("older: %v", err)
	}
	srcs, err := s.Load(LoadOptions{})
	if err != nil || len(srcs.EBSI) != 1 || len(srcs.All()) != 1 {
		t.Fatalf("sources %+v %v", srcs, err)
	}
	a, _ := srcs.Trust(t.Context(), verifierQuery())
	if a.Trusted || a.Source != "ebsi-tir:empty" {
		t.Fatalf("answer %+v", a)
	}
}

// TestBucketCarriesThePackageName: the snapshots live in a bucket named
// for this package, as every package's buckets are ("keys.", "issuer.").
func TestBucketCarriesThePackageName(t *testing.T) {
	s := openStore(t)
	if _, err := s.Put(Snapshot{Meta: Meta{Kind: KindTL, Name: "SE", Sequence: 1}, Data: []byte("v1")}); err != nil {
		t.Fatal(err)
	}
	var names []string
	err := s.st.(boltStorage).db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
			names = append(names, string(name))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if Bucket != "snapshot.lists" || !slices.Contains(names, "snapshot.lists") || slices.Contains(names, "trust.snapshots") {
		t.Fatalf("Bucket %q; buckets in the store: %v", Bucket, names)
	}
}
