-- Work that only one process may do at a time, however many run the role:
-- publishing CRLs (the `ca` role on several hosts for availability). The
-- holder renews its lease every round; another takes it over once it expires.
CREATE TABLE role_leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
