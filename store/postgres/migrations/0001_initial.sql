-- Diplomat's first PostgreSQL schema: every record a store file keeps, in
-- tables of its own. Values are the bytes a store file holds under the same
-- key (JSON records, sealed keys, encoded status bitmaps), so that a store
-- copied between a file and the database is the same store.

-- Package keys: the records of its buckets, by key. The private keys stay
-- sealed under the master key, itself wrapped under the passphrase.
CREATE TABLE keys_meta     (k bytea PRIMARY KEY, v bytea NOT NULL);
CREATE TABLE keys_keys     (k bytea PRIMARY KEY, v bytea NOT NULL);
CREATE TABLE keys_trust    (k bytea PRIMARY KEY, v bytea NOT NULL);
CREATE TABLE keys_contexts (k bytea PRIMARY KEY, v bytea NOT NULL);
CREATE TABLE keys_audit    (k bytea PRIMARY KEY, v bytea NOT NULL);
CREATE TABLE keys_tokens   (k bytea PRIMARY KEY, v bytea NOT NULL);
-- The audit log's sequence: gapless, one row locked per append.
CREATE TABLE keys_sequences (t text PRIMARY KEY, n bigint NOT NULL);

-- The count of changes every node's caches depend on (status changes,
-- keys, trust registry, issuer configuration).
CREATE TABLE diplomat_generation (id integer PRIMARY KEY CHECK (id = 1), n bigint NOT NULL);
INSERT INTO diplomat_generation VALUES (1, 0);

-- Package issuer.
CREATE TABLE issuer_config (k text PRIMARY KEY, v bytea NOT NULL);

CREATE TABLE issuer_register (
	id           text PRIMARY KEY,
	issued       timestamptz NOT NULL,
	template     text NOT NULL,
	profile      text NOT NULL,
	state        text NOT NULL,
	subject_hash text NOT NULL,
	status_list  text NOT NULL,
	status_index integer NOT NULL,
	entry        bytea NOT NULL, -- issuer.Entry JSON
	-- No two credentials ever share a status index, whatever a node does.
	UNIQUE (status_list, status_index)
);
CREATE INDEX issuer_register_issued ON issuer_register (issued);
CREATE INDEX issuer_register_subject ON issuer_register (subject_hash) WHERE subject_hash <> '';

-- One credential per idempotency key, across every node.
CREATE TABLE issuer_idempotency (
	key           text PRIMARY KEY,
	credential_id text NOT NULL REFERENCES issuer_register (id) DEFERRABLE INITIALLY DEFERRED
);

-- The next list number of each profile.
CREATE TABLE issuer_list_counters (profile text PRIMARY KEY, next bigint NOT NULL);

CREATE TABLE issuer_lists (
	id     text PRIMARY KEY,
	record bytea, -- issuer.ListRecord JSON
	alloc  bytea  -- the allocation bitmap, encoded
);

-- The open list of each profile, key version and issuer. Its row is locked
-- while a node allocates from the list: a full list opens the next once.
CREATE TABLE issuer_list_heads (
	profile text NOT NULL,
	key_id  text NOT NULL,
	issuer  text NOT NULL,
	list_id text REFERENCES issuer_lists (id) DEFERRABLE INITIALLY DEFERRED,
	PRIMARY KEY (profile, key_id, issuer)
);

-- The revocation and suspension bitmaps, encoded.
CREATE TABLE issuer_bits (
	list_id text NOT NULL REFERENCES issuer_lists (id) DEFERRABLE INITIALLY DEFERRED,
	purpose text NOT NULL,
	bits    bytea NOT NULL,
	PRIMARY KEY (list_id, purpose)
);

CREATE TABLE issuer_credentials (id text PRIMARY KEY, credential bytea NOT NULL);

-- Package server: records with an expiry (OpenID4VC state, nonces, leases).
CREATE TABLE server_records (
	kind    text NOT NULL,
	key     text NOT NULL,
	expires bigint NOT NULL, -- Unix nanoseconds
	value   bytea NOT NULL,
	PRIMARY KEY (kind, key)
);
CREATE INDEX server_records_expires ON server_records (expires);

CREATE TABLE server_batches (
	id     text PRIMARY KEY,
	record bytea, -- server.BatchRecord JSON
	input  bytea  -- the CSV, until the batch is done
);
CREATE TABLE server_batch_credentials (
	batch_id      text NOT NULL,
	credential_id text NOT NULL,
	value         bytea NOT NULL, -- header JSON, newline, credential
	PRIMARY KEY (batch_id, credential_id)
);

-- Package snapshot: the imported trust lists.
CREATE TABLE snapshot_lists (k text PRIMARY KEY, v bytea NOT NULL);
