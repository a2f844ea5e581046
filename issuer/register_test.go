package issuer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/templates"
)

// TestIdempotencyKeysRevealNoRow: the idempotency index is keyed by an HMAC
// under the store's secret, so the same row gives unrelated keys in two
// stores, none is the plain SHA-256 of the row, and the register entry (which
// `issued show` prints) holds no idempotency key at all.
func TestIdempotencyKeysRevealNoRow(t *testing.T) {
	tm := builtin(t, "diploma")
	ex, _ := tm.Example()
	p, _ := Profile{Name: W3C}.normalize()
	h := sha256.New()
	fmt.Fprintf(h, "diplomat-issue-v1\x00%s\x00%s\x00%s\x00", tm.Name(), p.Name, p.Proof)
	h.Write(ex.Canonical())
	plain := hex.EncodeToString(h.Sum(nil))
	var idx []string
	for range 2 {
		s := newTestStore(t, t.TempDir())
		out, err := newTestIssuer(t, s).Issue(context.Background(), tm, ex, p)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(out.Entry)
		if strings.Contains(string(raw), `"key":`) {
			t.Errorf("register entry carries the idempotency key: %s", raw)
		}
		err = s.View(func(tx *bbolt.Tx) error {
			return tx.Bucket(bucketIdempotency).ForEach(func(k, _ []byte) error {
				idx = append(idx, string(k))
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		again, err := newTestIssuer(t, s).Issue(context.Background(), tm, ex, p)
		if err != nil || !again.Existing || again.Entry.ID != out.Entry.ID {
			t.Errorf("issuing again: %v, %v; want the same credential", again, err)
		}
	}
	if len(idx) != 2 {
		t.Fatalf("idempotency keys %q, want one per store", idx)
	}
	if idx[0] == idx[1] {
		t.Error("the same row has the same idempotency key in two stores: anyone can test a guess at a row")
	}
	for _, k := range idx {
		if strings.Contains(k, plain) {
			t.Errorf("idempotency key %s is the unkeyed SHA-256 of the row", k)
		}
	}
}

// TestATruncatedStatusBitmapIsCorruptNotClear: a status bitmap of the wrong
// size in the store is reported as corrupt, never published as a list in
// which revoked credentials look valid.
func TestATruncatedStatusBitmapIsCorruptNotClear(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	tm := builtin(t, "diploma")
	ex, _ := tm.Example()
	out, err := iss.Issue(context.Background(), tm, ex, Profile{Name: W3C})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Revoke(out.Entry.ID, "mistake"); err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketBits).Put([]byte(out.Entry.StatusList+"/"+PurposeRevocation), []byte{0x80, 0, 0})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := StatusLists(s); !errors.Is(err, keys.ErrCorrupt) {
		t.Errorf("StatusLists with a truncated bitmap: %v, want keys.ErrCorrupt", err)
	}
	if _, err := iss.PublishStatus(context.Background(), 0); !errors.Is(err, keys.ErrCorrupt) {
		t.Errorf("PublishStatus with a truncated bitmap: %v, want keys.ErrCorrupt", err)
	}
}

// TestStatusBitmapsStoredAsEncodedListsAreStillRead: stores written before
// status bitmaps were kept as raw bits hold them as encodedLists. Such a
// store keeps its revocations, and never hands out an allocated index
// again; what is written back is the raw form.
func TestStatusBitmapsStoredAsEncodedListsAreStillRead(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	tm := builtin(t, "diploma")
	ex, _ := tm.Example()
	first, err := iss.Issue(context.Background(), tm, ex, Profile{Name: W3C})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Revoke(first.Entry.ID, "mistake"); err != nil {
		t.Fatal(err)
	}
	list := first.Entry.StatusList
	// Rewrite every bitmap of the list in the old form.
	err = s.Update(func(tx *bbolt.Tx) error {
		bk := tx.Bucket(bucketBits)
		for _, what := range []string{"alloc", PurposeRevocation} {
			k := []byte(list + "/" + what)
			v := bk.Get(k)
			if len(v) == 0 || v[0] != rawBits {
				return fmt.Errorf("%s is stored as %.10q, not raw bits", k, v)
			}
			b, err := DecodeBits(string(k), v)
			if err != nil {
				return err
			}
			enc, err := b.Encode()
			if err != nil {
				return err
			}
			if err := bk.Put(k, []byte(enc)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	lists, err := StatusLists(s)
	if err != nil {
		t.Fatal(err)
	}
	revoked := false
	for _, l := range lists {
		if l.ID == list && l.Purpose == PurposeRevocation {
			revoked, _ = l.Bits.Get(first.Entry.StatusIndex)
		}
	}
	if !revoked {
		t.Errorf("credential %s at %s[%d] is no longer revoked once its bitmap is read from an encodedList", first.Entry.ID, list, first.Entry.StatusIndex)
	}
	for n := range 40 {
		rec := templates.Record{}
		for k, v := range ex {
			rec[k] = v
		}
		rec["familyName"] = fmt.Sprintf("Other-%d", n)
		out, err := iss.Issue(context.Background(), tm, rec, Profile{Name: W3C})
		if err != nil {
			t.Fatal(err)
		}
		if out.Entry.StatusList == list && out.Entry.StatusIndex == first.Entry.StatusIndex {
			t.Fatalf("index %d of %s handed out again after reading its allocation bitmap from an encodedList", first.Entry.StatusIndex, list)
		}
	}
	err = s.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketBits).Get([]byte(list + "/alloc"))
		b, err := DecodeBits("alloc", v)
		if err != nil {
			return err
		}
		if len(v) == 0 || v[0] != rawBits {
			return fmt.Errorf("allocation bitmap written back as %.10q, not raw bits", v)
		}
		if used, _ := b.Get(first.Entry.StatusIndex); !used {
			return fmt.Errorf("index %d lost from the allocation bitmap", first.Entry.StatusIndex)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

// TestDecodeBitsRefusesWhatIsNotABitmap: a raw bitmap of another length, or
// anything else that is neither form, is corrupt.
func TestDecodeBitsRefusesWhatIsNotABitmap(t *testing.T) {
	for name, v := range map[string][]byte{
		"raw, one byte short": append([]byte{rawBits}, make([]byte, ListSize/8-1)...),
		"raw, one byte long":  append([]byte{rawBits}, make([]byte, ListSize/8+1)...),
		"raw, empty":          {rawBits},
		"neither form":        []byte("x"),
		"encodedList, broken": []byte("uH4sIAAAA"),
	} {
		if _, err := DecodeBits("b", v); !errors.Is(err, keys.ErrCorrupt) {
			t.Errorf("%s: %v, want keys.ErrCorrupt", name, err)
		}
	}
}
