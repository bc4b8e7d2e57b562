-- Certification requests of keys that are not the CA's: the status role puts
-- a new OCSP responder key's public half here (the key itself stays in the
-- status token) and the ca role certifies it, so neither holds the other's key.
CREATE TABLE signing_requests (
  id BIGINT PRIMARY KEY,
  authority_id TEXT NOT NULL,          -- the authority whose key this renews: 'nes-ocsp'
  key_label TEXT NOT NULL,             -- the new key's label in its token
  public_key TEXT NOT NULL,            -- base64 SubjectPublicKeyInfo
  state TEXT NOT NULL,                 -- pending | done
  certificate TEXT,                    -- base64 DER, once done
  created_at BIGINT NOT NULL,
  done_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX signing_requests_state ON signing_requests(state, id);
