-- Status publication: every change to a certificate's status carries the
-- sequence number of its audit record, so a responder can poll for changes
-- made by any process.
ALTER TABLE certificates ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX certificates_change_seq ON certificates(change_seq);

-- Every CRL published, newest number last.
CREATE TABLE crls (
  issuer TEXT NOT NULL REFERENCES authorities(id),
  number BIGINT NOT NULL,
  this_update BIGINT NOT NULL,
  next_update BIGINT NOT NULL,
  entries BIGINT NOT NULL,
  der TEXT NOT NULL,
  PRIMARY KEY (issuer, number)
);
