// Package issuer issues signed ELM credentials: one at a time (Issuer.Issue)
// or a whole class from validated records (Issuer.Batch), in one of four
// profiles (edc, ebsi, w3c, eudi; see Profile), each credential recorded in the
// issued register and given a place in a status list, so that it can later be
// revoked or suspended (Issuer.Revoke, Issuer.Suspend, Issuer.Reinstate) and
// the lists published (Issuer.PublishStatus).
//
// Everything it keeps lives in the store file of package keys, in buckets
// named "issuer.*": the institution's configuration (Config), the register,
// the status lists and the idempotency index that makes batches resumable.
// Status indexes are allocated at random, with crypto/rand, inside the same
// bbolt transaction that records the credential, so a crash never gives two
// credentials one index.
//
// It is not a verifier (package verifier checks credentials; this package
// never imports it), not an HTTP service (handlers come with the service), and
// does not render ELM itself: templates does, and the securing mechanisms of
// credentials/... sign. It never logs; progress is reported through
// BatchOptions.Progress.
package issuer
