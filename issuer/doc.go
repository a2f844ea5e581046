// Package issuer issues signed ELM credentials: one at a time (Issuer.Issue)
// or a whole class from validated records (Issuer.Batch), in one of four
// profiles (edc, ebsi, w3c, eudi; see Profile), each credential recorded in the
// issued register and given a place in a status list, so that it can later be
// revoked or suspended (Issuer.Revoke, Issuer.Suspend, Issuer.Reinstate) and
// the lists published (Issuer.PublishStatus).
//
// Everything it keeps lives in a Storage: the institution's configuration
// (Config), the register, the status lists and the idempotency index that
// makes batches resumable. In a store file (BoltStorage) they are buckets
// named "issuer.*"; a database shared by several service nodes implements
// Storage itself (store/postgres, found by StorageOf). Status indexes are
// allocated at random, with crypto/rand, inside the same transaction that
// records the credential (Allocate), so a crash never gives two credentials
// one index, nor do two nodes sharing a database.
//
// It is not a verifier (package verifier checks credentials; this package
// never imports it), not an HTTP service (handlers come with the service), and
// does not render ELM itself: templates does, and the securing mechanisms of
// credentials/... sign. It never logs; progress is reported through
// BatchOptions.Progress.
package issuer
