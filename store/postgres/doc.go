// Package postgres keeps a Diplomat store in PostgreSQL, so that several
// "diplomat serve" nodes behind a load balancer share one store: the same
// keys (sealed; every node unlocks them with the passphrase), trust
// registry and snapshots, issued register, status lists, tokens, audit
// log, batches and OpenID4VC state as a store file holds.
//
// A *DB is a keys.Backend (pass it to keys.New) and provides the storage
// interfaces the other packages declare, which they find on the store's
// backend: issuer.Storage (IssuerStorage), server's Records and BatchStore
// (ServerRecords, ServerBatches), snapshot.Storage (SnapshotStorage); and
// the server's optional abilities: a change count (Generation), Ping and
// the pool's metrics (Collectors).
//
// What the database guarantees, across nodes: a status index is given to
// one credential only (the open list's row is locked while a node
// allocates from it, and the register has a unique constraint on list and
// index), a full list opens the next once, an idempotency key maps to one
// credential (its primary key; a node that loses the race retries and
// finds the winner's credential), a record with an expiry (a code, a
// nonce, a batch lease) is created or taken by one request only, and the
// audit log's sequence has no gaps.
//
// The schema is versioned: Migrate applies the embedded migrations
// (diplomat store migrate), and Open refuses a database whose schema is
// newer than this build knows, or older (migrate it first). Copy moves a
// whole store between a file and a database, either way, and checks the
// copy.
//
// It is chosen by cmd/diplomat (the store setting): no other package
// imports it.
package postgres
