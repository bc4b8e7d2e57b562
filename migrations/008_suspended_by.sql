-- Who placed a suspension: a holder may lift only their own; one placed by
-- the CA, the call centre or an officer is lifted by an operator.
ALTER TABLE certificates ADD COLUMN suspended_by TEXT NOT NULL DEFAULT '';
