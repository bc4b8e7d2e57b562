-- Delta CRLs (RFC 5280 §5.2.4): a delta lists what changed since its base
-- full CRL. Full and delta CRLs of an issuer share one number sequence.
-- delta_base: 0 for a full CRL, else the number of the delta's base.
ALTER TABLE crls ADD COLUMN delta_base BIGINT NOT NULL DEFAULT 0;
-- The newest certificates.change_seq a full CRL includes: its delta lists
-- the certificates changed after it.
ALTER TABLE crls ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
