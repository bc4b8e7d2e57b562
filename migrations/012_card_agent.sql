-- Kilit Çözme through the card agent: the portal's X25519 key of the
-- operation (its secret half sealed by the master key), the agent's new PUK
-- (sealed by the master key) once the old one was released, and when.
-- token_hash is now the hash of the portal's nonce; sealed_pin stays empty
-- (the new PIN is typed on the agent's page and never reaches the portal).
ALTER TABLE unlock_authorizations ADD COLUMN server_key TEXT NOT NULL DEFAULT '';
ALTER TABLE unlock_authorizations ADD COLUMN new_puk TEXT NOT NULL DEFAULT '';
ALTER TABLE unlock_authorizations ADD COLUMN released_at BIGINT NOT NULL DEFAULT 0;
