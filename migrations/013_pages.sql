-- The operator's pages (tugra pages add|list|remove): help pages, forms,
-- legal notices and announcements (Duyurular) in Markdown, one per slug and
-- language. A page here replaces the built-in page of the same slug.
CREATE TABLE pages (
  slug TEXT NOT NULL,
  lang TEXT NOT NULL,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (slug, lang)
);
CREATE INDEX pages_kind ON pages (kind, updated_at);
