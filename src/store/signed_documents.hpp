// Documents holders signed with their card (migration 012): the application
// of E-İmzalı Başvuru and the E-Onay documents, each kept signed with its
// validation report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tugra::store {

class Database;

struct SignedDocument {
  std::int64_t id = 0;
  std::string tckn;
  std::string kind;     // "application" | "acceptance" | "renewal_undertaking"
  std::string subject;  // the application id, or the certificate serial
  std::string signed_document;  // base64 PDF
  std::string report;           // JSON validation report
  std::string verdict;          // "TOTAL-PASSED", …
  std::string signer;           // the signing certificate's serial
  std::int64_t signed_at = 0;
};

class SignedDocumentRepository {
 public:
  explicit SignedDocumentRepository(Database& db) : db_(db) {}
  // False when (kind, subject) was signed already: the first one stays.
  bool insert(SignedDocument& d);  // assigns the id
  std::optional<SignedDocument> find(const std::string& kind, const std::string& subject);
  // Newest first, without the PDFs and reports (a list's columns).
  std::vector<SignedDocument> for_holder(const std::string& tckn);

 private:
  Database& db_;
};

}  // namespace tugra::store
