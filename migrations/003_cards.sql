-- Card production: approved requests waiting for a card, and what each got.
-- Steps are recorded as they happen, so a crash leaves a row that the next
-- `tugra production run` completes (state 'in_progress').
CREATE TABLE production_requests (
  id BIGINT PRIMARY KEY,
  tckn TEXT NOT NULL,
  given_name TEXT NOT NULL,
  surname TEXT NOT NULL,
  phone TEXT NOT NULL,
  email TEXT NOT NULL,
  years INTEGER NOT NULL,
  monetary_limit TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,                    -- queued | in_progress | done | failed
  attempt INTEGER NOT NULL DEFAULT 1,     -- a new certificate request id after a rollback
  card_label TEXT NOT NULL DEFAULT '',    -- finds the card again after a crash
  card_serial TEXT NOT NULL DEFAULT '',
  certificate_serial TEXT NOT NULL DEFAULT '',
  tracking_number TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX production_requests_state ON production_requests(state, id);
CREATE INDEX production_requests_tckn ON production_requests(tckn);

-- Each personalised card: serial <-> holder <-> certificate.
CREATE TABLE cards (
  serial TEXT PRIMARY KEY,
  request_id BIGINT NOT NULL REFERENCES production_requests(id),
  tckn TEXT NOT NULL,
  certificate_serial TEXT NOT NULL REFERENCES certificates(serial),
  label TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX cards_tckn ON cards(tckn);

-- A card's PIN and PUK, envelope-encrypted: a data key of its own per row,
-- wrapped by the master key. Deleting the row destroys the secret for good.
CREATE TABLE holder_secrets (
  request_id BIGINT PRIMARY KEY REFERENCES production_requests(id),
  tckn TEXT NOT NULL,
  wrapped_key TEXT NOT NULL,
  ciphertext TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX holder_secrets_tckn ON holder_secrets(tckn);

-- Shipments of cards to holders ("Gönderi Sorgulama").
CREATE TABLE shipments (
  tracking_number TEXT PRIMARY KEY,
  request_id BIGINT NOT NULL UNIQUE REFERENCES production_requests(id),
  card_serial TEXT NOT NULL,
  state TEXT NOT NULL,                    -- preparing | shipped | delivered
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE shipment_events (
  tracking_number TEXT NOT NULL REFERENCES shipments(tracking_number),
  at BIGINT NOT NULL,
  state TEXT NOT NULL,
  note TEXT NOT NULL
);
CREATE INDEX shipment_events_tracking ON shipment_events(tracking_number, at);
