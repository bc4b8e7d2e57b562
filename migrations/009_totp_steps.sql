-- The last TOTP time step an officer's code was accepted for: a code is
-- accepted once, never replayed within its window (RFC 6238 §5.2).
ALTER TABLE officers ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
