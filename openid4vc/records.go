package openid4vc

import (
	"context"
	"errors"
	"time"
)

// Records is the storage the protocol state lives in: small records (an
// offer, a pre-authorized or authorization code, an access token, a nonce,
// a presentation request, a seen DPoP proof), each of a kind, stored under
// a key, until it expires. The key is Key(handle): the digest of an
// unguessable handle, never the handle itself.
//
// A backend (the bbolt store, PostgreSQL) implements Records so that several
// service nodes share the state; memstore is an in-memory implementation
// and storetest.Run the contract every implementation must pass. All
// methods are safe for concurrent use, and each is atomic: two concurrent
// Updates of one record run one after the other, so that a single-use code
// is taken once however many requests race for it.
//
// A record is live from Create until its Expires (exclusive): at or after
// Expires it is as if absent (Get and Update return ErrNotFound, Create may
// store a new record under its key), whether or not the backend has removed
// it yet. Backends remove expired records eventually. The time is the
// backend's clock.
type Records interface {
	// Create stores rec under (kind, key). It returns an error wrapping
	// ErrExists when a live record is already there, and leaves it
	// unchanged.
	Create(ctx context.Context, kind, key string, rec Record) error
	// Get returns the live record under (kind, key), or an error wrapping
	// ErrNotFound. The returned Value is the caller's to keep.
	Get(ctx context.Context, kind, key string) (Record, error)
	// Update reads the live record under (kind, key) and replaces it with
	// what fn returns, atomically: a non-nil *Record replaces it, nil
	// deletes it. When fn returns an error, nothing changes and Update
	// returns that error as it is. Without a live record, fn is not called
	// and the error wraps ErrNotFound. fn may be called more than once
	// (backends that retry on conflict) and must not keep rec.Value.
	Update(ctx context.Context, kind, key string, fn func(rec Record) (*Record, error)) error
	// Delete removes the record under (kind, key). Deleting a record that
	// is absent is not an error.
	Delete(ctx context.Context, kind, key string) error
}

// Record is one stored record: an opaque value and when it expires.
type Record struct {
	Value   []byte
	Expires time.Time
}

// Errors of Records implementations, for errors.Is.
var (
	// ErrNotFound: no live record under that kind and key.
	ErrNotFound = errors.New("no such record")
	// ErrExists: Create found a live record under that kind and key.
	ErrExists = errors.New("record exists")
)

// Kinds of records, as vci and vp store them. A backend may keep each kind
// apart (one bbolt bucket, one table partition); the contract does not
// require it.
const (
	KindOffer        = "offer"        // vci: an offer, its dataset and state
	KindOfferURI     = "offer-uri"    // vci: credential_offer_uri id → offer
	KindPreAuthCode  = "preauth-code" // vci: pre-authorized code → offer
	KindAuthSession  = "auth-session" // vci: a pending authorization (PAR, sign-in)
	KindAuthCode     = "auth-code"    // vci: authorization code → grant
	KindAccessToken  = "access-token" // vci: access token → grant
	KindCNonce       = "c-nonce"      // vci: a c_nonce not yet used
	KindNotification = "notification" // vci: notification_id → issuance
	KindDPoPProof    = "dpop-jti"     // a DPoP proof seen (replay)
	KindVPRequest    = "vp-request"   // vp: a presentation request, by state
	KindVPRequestURI = "vp-request-uri"
	KindVPResult     = "vp-result" // vp: transaction id → result
	KindVPNonce      = "vp-nonce"  // vp: a presentation nonce used (replay)
)

// Take deletes and returns the live record under (kind, key): the record is
// used once however many callers race for it. The error wraps ErrNotFound
// when there is none.
func Take(ctx context.Context, r Records, kind, key string) (Record, error) {
	var out Record
	err := r.Update(ctx, kind, key, func(rec Record) (*Record, error) {
		out = Record{Value: append([]byte(nil), rec.Value...), Expires: rec.Expires}
		return nil, nil
	})
	return out, err
}

// Once records (kind, key) until exp and returns nil the first time it is
// called for them while the record lives, and an error wrapping ErrExists
// afterwards: replay detection for DPoP proofs and presentations.
func Once(ctx context.Context, r Records, kind, key string, exp time.Time) error {
	return r.Create(ctx, kind, key, Record{Value: []byte{1}, Expires: exp})
}
