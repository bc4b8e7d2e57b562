-- The REST API's keys (tugra institution api-key add|list|revoke): an
-- institution's key works on its staff list, applications and webhook; an
-- operator key (institution_id 0) on the production queue, shipments and
-- holder unblocking. Only the SHA-256 of the key's secret is kept.
CREATE TABLE api_keys (
  id BIGINT PRIMARY KEY,
  kind TEXT NOT NULL,
  institution_id BIGINT NOT NULL,
  name TEXT NOT NULL,
  scopes TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX api_keys_institution ON api_keys (institution_id);

-- A POST's answer kept under its Idempotency-Key for a day, so that a
-- retried request is answered again, not done again. status 0: in progress.
CREATE TABLE api_idempotency (
  key_id BIGINT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (key_id, idempotency_key)
);
CREATE INDEX api_idempotency_created ON api_idempotency (created_at);

-- One webhook per institution: an HTTPS address and the HMAC secret,
-- sealed by the master key (the portal must sign with it, so it cannot be
-- kept as a hash).
CREATE TABLE webhooks (
  institution_id BIGINT PRIMARY KEY,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

-- The outbox: events written in the transaction of the change they tell
-- of, delivered with retries and backoff. delivered_at 0: not yet;
-- failed_at set when the retries ran out. lease_until keeps two portal
-- processes from sending the same event at once.
CREATE TABLE webhook_events (
  id BIGINT PRIMARY KEY,
  institution_id BIGINT NOT NULL,
  type TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  lease_until BIGINT NOT NULL DEFAULT 0,
  delivered_at BIGINT NOT NULL DEFAULT 0,
  failed_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX webhook_events_due ON webhook_events (delivered_at, failed_at, next_attempt_at);
CREATE INDEX webhook_events_institution ON webhook_events (institution_id, id);

-- Every attempt: the receiver's HTTP status (0: no answer) and why.
CREATE TABLE webhook_deliveries (
  id BIGINT PRIMARY KEY,
  event_id BIGINT NOT NULL,
  institution_id BIGINT NOT NULL,
  attempted_at BIGINT NOT NULL,
  status INTEGER NOT NULL,
  error TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_institution ON webhook_deliveries (institution_id, id);

-- How far a follower of the certificates' change sequence has come: the
-- webhooks' events ("webhooks"), the LDAP directory ("ldap"), and the CRL
-- numbers the LDAP directory holds ("ldap-crl:<authority>").
CREATE TABLE cursors (
  name TEXT PRIMARY KEY,
  position BIGINT NOT NULL
);
