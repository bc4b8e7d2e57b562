-- The CA's own keys and certificates: root, issuing CA, OCSP responder, audit key.
CREATE TABLE authorities (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  key_label TEXT NOT NULL,
  key_algorithm TEXT NOT NULL,
  public_key TEXT NOT NULL,
  certificate TEXT,
  created_at BIGINT NOT NULL
);

-- Every certificate ever issued. A row is written as an issuance intent
-- (status 'pending', with the exact TBSCertificate to sign) before the CA
-- key signs, and completed after.
CREATE TABLE certificates (
  serial TEXT PRIMARY KEY,
  issuer TEXT NOT NULL REFERENCES authorities(id),
  tckn TEXT NOT NULL,
  subject TEXT NOT NULL,
  not_before BIGINT NOT NULL,
  not_after BIGINT NOT NULL,
  status TEXT NOT NULL,
  revoked_at BIGINT,
  revocation_reason INTEGER,
  renews TEXT REFERENCES certificates(serial),
  request_key TEXT NOT NULL UNIQUE,
  request TEXT NOT NULL,
  tbs TEXT NOT NULL,
  certificate TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX certificates_tckn ON certificates(tckn);
CREATE INDEX certificates_status ON certificates(status);

-- The hash-chained audit log: each record holds the hash of the one before.
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  at BIGINT NOT NULL,
  event TEXT NOT NULL,
  actor TEXT NOT NULL,
  subject TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);

-- Signed checkpoints over the audit chain (signature by the token's audit key).
CREATE TABLE audit_checkpoints (
  seq BIGINT PRIMARY KEY,
  hash TEXT NOT NULL,
  signature TEXT NOT NULL,
  at BIGINT NOT NULL
);
