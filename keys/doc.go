// Package keys is Diplomat's store: one bbolt file holding the institution's
// signing keys (encrypted), their DIDs and X.509 eSeal certificates, the
// verifier's trust registry, the JSON-LD context cache and an append-only
// audit log.
//
// Open the file with Open, read public material at once (Keys, Key, JWKS,
// WebDocument, Chain, TrustEntries, Audit, Info), and call Unlock with the
// passphrase before anything that needs a private key (Create, Rotate,
// ImportKey, ImportPKCS12, ImportPEM, CreateTestSeal, CSR, Signer). Private
// keys are sealed with XChaCha20-Poly1305 under a random master key, itself
// wrapped with a key derived from the passphrase by Argon2id; each sealed
// key's associated data is its id (RFC 7638 thumbprint), so a ciphertext
// moved to another record does not open. Signing goes through the
// crypto.Signer that Signer returns; the key is decrypted once per process.
//
// Other packages of this module keep their own data in the same file
// through Update and View, in buckets named after themselves.
//
// The same Store runs over another Backend (New): a database that several
// service nodes share (store/postgres). The cryptography stays here: the
// backend holds the sealed keys and the wrapped master key as the file
// does, and every process unlocks the store with the passphrase. Other
// packages then keep their data through interfaces they declare, which the
// backend implements (found by type assertion on Store.Backend).
//
// It is not a key server or an HSM driver: keys live in the file and in
// process memory. It does not prompt for passphrases (the CLI does), fetch
// anything from the network, or judge trust (the verifier does, using the
// registry kept here). Libraries built on it never log.
package keys
