-- CRLs as bytes, in parts of 1 MiB: a CRL of a million entries is 49 MB of
-- DER (65 MB more as base64 text). The ca role writes the parts one after
-- another from its kept list, so no whole copy of the CRL is made in memory.
-- New CRLs leave crls.der empty; older rows keep their base64 text there.
CREATE TABLE crl_parts (
  issuer TEXT NOT NULL,
  number BIGINT NOT NULL,
  part INTEGER NOT NULL,
  bytes BYTEA NOT NULL,
  PRIMARY KEY (issuer, number, part),
  FOREIGN KEY (issuer, number) REFERENCES crls(issuer, number) ON DELETE CASCADE
);
