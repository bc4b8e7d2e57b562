-- Kilit Çözme through the card agent: the portal's X25519 key of the
-- operation (its secret half sealed by the master key), the agent's new PUK
-- (sealed by the master key) once the old one was released, and when.
-- token_hash is now the hash of the portal's nonce; sealed_pin stays empty
-- (the new PIN is typed on the agent's page and never reaches the portal).
ALTER TABLE unlock_authorizations ADD COLUMN server_key TEXT NOT NULL DEFAULT '';
ALTER TABLE unlock_authorizations ADD COLUMN new_puk TEXT NOT NULL DEFAULT '';
ALTER TABLE unlock_authorizations ADD COLUMN released_at BIGINT NOT NULL DEFAULT 0;

-- Documents holders signed with their card through the card agent:
-- E-İmzalı Başvuru (kind "application", subject the application id) and
-- E-Onay (kind "acceptance", subject the certificate serial; kind
-- "renewal_undertaking", subject the renewal's application id). The signed
-- PDF (base64), its validation report (JSON, ETSI TS 119 102-2 shaped) and
-- verdict, and the signing certificate's serial. One per kind and subject.
CREATE TABLE signed_documents (
  id BIGINT PRIMARY KEY,
  tckn TEXT NOT NULL,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  signed_document TEXT NOT NULL,
  report TEXT NOT NULL,
  verdict TEXT NOT NULL,
  signer TEXT NOT NULL,
  signed_at BIGINT NOT NULL,
  UNIQUE (kind, subject)
);
CREATE INDEX signed_documents_tckn ON signed_documents (tckn);
