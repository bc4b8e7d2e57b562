#include "store/signed_documents.hpp"

#include <soci/soci.h>

#include "store/database.hpp"

namespace tugra::store {

bool SignedDocumentRepository::insert(SignedDocument& d) {
  // Checked first inside the caller's transaction; UNIQUE (kind, subject)
  // stops a second one should two sessions race past the check.
  if (find(d.kind, d.subject)) return false;
  d.id = next_id(db_, "signed_documents");
  long long id = d.id, at = d.signed_at;
  db_.sql() << "INSERT INTO signed_documents (id, tckn, kind, subject, signed_document, report, verdict, signer, "
               "signed_at) VALUES (:i, :t, :k, :s, :d, :r, :v, :g, :a)",
      soci::use(id), soci::use(d.tckn), soci::use(d.kind), soci::use(d.subject), soci::use(d.signed_document),
      soci::use(d.report), soci::use(d.verdict), soci::use(d.signer), soci::use(at);
  return true;
}

std::optional<SignedDocument> SignedDocumentRepository::find(const std::string& kind, const std::string& subject) {
  SignedDocument d;
  long long id = 0, at = 0;
  db_.sql() << "SELECT id, tckn, kind, subject, signed_document, report, verdict, signer, signed_at "
               "FROM signed_documents WHERE kind = :k AND subject = :s",
      soci::use(kind), soci::use(subject), soci::into(id), soci::into(d.tckn), soci::into(d.kind),
      soci::into(d.subject), soci::into(d.signed_document), soci::into(d.report), soci::into(d.verdict),
      soci::into(d.signer), soci::into(at);
  if (!db_.sql().got_data()) return std::nullopt;
  d.id = id;
  d.signed_at = at;
  return d;
}

std::vector<SignedDocument> SignedDocumentRepository::for_holder(const std::string& tckn) {
  std::vector<SignedDocument> out;
  SignedDocument d;
  d.tckn = tckn;
  long long id = 0, at = 0;
  soci::statement st = (db_.sql().prepare << "SELECT id, kind, subject, verdict, signer, signed_at "
                                             "FROM signed_documents WHERE tckn = :t ORDER BY id DESC",
                        soci::use(tckn), soci::into(id), soci::into(d.kind), soci::into(d.subject),
                        soci::into(d.verdict), soci::into(d.signer), soci::into(at));
  st.execute();
  while (st.fetch()) {
    d.id = id;
    d.signed_at = at;
    out.push_back(d);
  }
  return out;
}

}  // namespace tugra::store
