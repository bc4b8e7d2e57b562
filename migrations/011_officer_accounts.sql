-- Officer and operator accounts can be disabled (log-in refused, open
-- sessions ended) and enabled again; 0 while enabled.
ALTER TABLE officers ADD COLUMN disabled_at BIGINT NOT NULL DEFAULT 0;
