// Sertifika Sorgulama's reads: certificates made for an application, with
// the application's form (whose "publish" choice decides whether the
// certificate may be shown) and the institution's name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/states.hpp"

namespace tugra::store {

class Database;

struct DirectoryRow {
  std::string serial, subject, institution, form;  // form: the application's JSON
  CertStatus status = CertStatus::valid;
  std::int64_t not_before = 0, not_after = 0, revoked_at = 0;
  std::string certificate;  // base64 DER
};

class DirectoryRepository {
 public:
  explicit DirectoryRepository(Database& db) : db_(db) {}
  // Certificates whose subject is LIKE `subject_pattern` (with "\" as the
  // escape character) at the institution named exactly so, newest first.
  std::vector<DirectoryRow> search(const std::string& subject_pattern, const std::string& institution, int limit);
  std::optional<DirectoryRow> find(const std::string& serial);

 private:
  Database& db_;
};

}  // namespace tugra::store
