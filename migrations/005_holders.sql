-- The holder's portal (Bireysel İşlemler, seeds 001-004).

-- A holder's account, made from the application when it is approved: the
-- security word (Argon2id) and the contact details the holder keeps current.
CREATE TABLE holders (
  tckn TEXT PRIMARY KEY,
  given_name TEXT NOT NULL,
  surname TEXT NOT NULL,
  security_word_hash TEXT NOT NULL,
  mobile TEXT NOT NULL,
  email TEXT NOT NULL,
  channel TEXT NOT NULL,                 -- email | sms | both
  details TEXT NOT NULL,                 -- JSON: address, il, ilce, postal_code, phones
  session_epoch BIGINT NOT NULL DEFAULT 0, -- raised on a security word change: every session ends
  updated_at BIGINT NOT NULL
);

-- Certificates the holder has put into use ("Kullanıma Aç"). A suspended
-- certificate without a row here was delivered on hold and never activated.
CREATE TABLE activations (
  serial TEXT PRIMARY KEY REFERENCES certificates(serial),
  tckn TEXT NOT NULL,
  activated_at BIGINT NOT NULL
);

-- Single-use links of "Güvenlik Sözcüğümü Unuttum"; only the token's SHA-256 is kept.
CREATE TABLE reset_links (
  token_hash TEXT PRIMARY KEY,
  tckn TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE INDEX reset_links_tckn ON reset_links(tckn);

-- One-time card unlock authorisations ("Kilit Çözme") that the card agent
-- carries out: the new PIN sealed by the master key, the token hashed.
CREATE TABLE unlock_authorizations (
  id BIGINT PRIMARY KEY,
  tckn TEXT NOT NULL,
  card_serial TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  sealed_pin TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);

-- The certificate a renewal replaces, carried from the application to issuance.
ALTER TABLE production_requests ADD COLUMN renews TEXT NOT NULL DEFAULT '';

-- Call-centre operators log in like institution officers (password + TOTP).
ALTER TABLE officers ADD COLUMN role TEXT NOT NULL DEFAULT 'officer';
