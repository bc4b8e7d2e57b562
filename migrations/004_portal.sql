-- The application portal (seed 000): the identity registry, institutions with
-- their officers and staff lists, applications, notifications, the driver
-- catalog and the failure counters that stop identity probing.

-- The identity registry's local copy (the national civil registry in
-- production), imported with `tugra registry import`.
CREATE TABLE registry_people (
  tckn TEXT PRIMARY KEY,
  given_name TEXT NOT NULL,
  surname TEXT NOT NULL,
  birth_place TEXT NOT NULL,
  birth_date TEXT NOT NULL             -- YYYY-MM-DD
);

CREATE TABLE institutions (
  id BIGINT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  address TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);

-- Institution officers: their approval leads to issuance, so they log in
-- with a password (Argon2id) and a TOTP second factor (RFC 6238).
CREATE TABLE officers (
  id BIGINT PRIMARY KEY,
  institution_id BIGINT NOT NULL REFERENCES institutions(id),
  username TEXT NOT NULL UNIQUE,
  tckn TEXT NOT NULL,
  full_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  totp_secret TEXT NOT NULL,           -- base32, wrapped like holder secrets
  created_at BIGINT NOT NULL
);

-- The institution's staff list (CSV import): who may apply, and the
-- details that prefill step 2/6.
CREATE TABLE staff (
  institution_id BIGINT NOT NULL REFERENCES institutions(id),
  tckn TEXT NOT NULL,
  sicil_no TEXT NOT NULL,
  unit TEXT NOT NULL,
  title TEXT NOT NULL,
  address TEXT NOT NULL,
  il TEXT NOT NULL,
  ilce TEXT NOT NULL,
  postal_code TEXT NOT NULL,
  PRIMARY KEY (institution_id, tckn)
);
CREATE INDEX staff_tckn ON staff(tckn);

-- Applications. `form` is the JSON document of step 2/6 (what the printed
-- form shows); the columns are what is searched or decided on.
CREATE TABLE applications (
  id BIGINT PRIMARY KEY,
  tckn TEXT NOT NULL,
  institution_id BIGINT NOT NULL REFERENCES institutions(id),
  state TEXT NOT NULL,   -- draft | confirmed | submitted | received | approved | rejected
  form TEXT NOT NULL,
  security_word_hash TEXT NOT NULL DEFAULT '',
  security_word_hint TEXT NOT NULL DEFAULT '',   -- first and last characters only
  receipt_no TEXT NOT NULL DEFAULT '',
  form_received_at BIGINT NOT NULL DEFAULT 0,
  decided_by BIGINT NOT NULL DEFAULT 0,
  decided_at BIGINT NOT NULL DEFAULT 0,
  reject_reason TEXT NOT NULL DEFAULT '',
  production_request_id BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX applications_tckn ON applications(tckn, id);
CREATE INDEX applications_institution ON applications(institution_id, state);

-- Messages written by the default (outbox) SMS and e-mail adapters.
CREATE TABLE outbox (
  id BIGINT PRIMARY KEY,
  channel TEXT NOT NULL,               -- sms | email
  recipient TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX outbox_recipient ON outbox(recipient, id);

-- Card reader and card drivers for the Sürücü Yükleme Servisi.
CREATE TABLE drivers (
  id BIGINT PRIMARY KEY,
  os TEXT NOT NULL,
  os_version TEXT NOT NULL,
  bits INTEGER NOT NULL,
  reader TEXT NOT NULL,
  card TEXT NOT NULL,
  name TEXT NOT NULL,
  file_name TEXT NOT NULL,             -- under HOME/drivers
  sha256 TEXT NOT NULL,
  size BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);

-- Failed attempts at a guessable secret, by what was guessed ("apply:TCKN",
-- "officer:NAME"): a lock-out that survives restarts and is shared by every
-- portal process.
CREATE TABLE login_failures (
  scope TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  locked_until BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
