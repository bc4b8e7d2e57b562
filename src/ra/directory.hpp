// Sertifika Sorgulama: the public directory of the certificates whose
// holders chose, on the application form, that they be published
// ("Sertifikam dizinde yayınlansın mı?", seed 000). Looked up by full name
// and institution only — never by identity number, never by a part of a
// name — so the directory cannot be walked; a revoked or suspended
// certificate is shown as such.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/directory_records.hpp"

namespace tugra::store {
class Ledger;
}

namespace tugra::ra {

struct PublishedCertificate {
  std::string serial, name, institution;
  store::CertStatus status = store::CertStatus::valid;
  std::int64_t not_before = 0, not_after = 0, revoked_at = 0;
  std::string der;  // the certificate
};

class Directory {
 public:
  explicit Directory(store::Ledger& ledger) : ledger_(ledger) {}
  // The published certificates of the person named exactly `full_name` (in
  // any case) at the institution named exactly `institution`; at most 20.
  std::vector<PublishedCertificate> search(const std::string& full_name, const std::string& institution);
  // One published certificate; nullopt when unknown or not published.
  std::optional<PublishedCertificate> find(const std::string& serial);
  // The institutions to choose from.
  std::vector<std::string> institutions();

 private:
  store::Ledger& ledger_;
};

}  // namespace tugra::ra
