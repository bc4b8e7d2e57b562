#include "store/directory_records.hpp"

#include <soci/soci.h>

#include "store/database.hpp"

namespace tugra::store {
namespace {

// A certificate made for an application: production request → certificate.
constexpr const char* kSelect =
    "SELECT c.serial, c.subject, i.name, a.form, c.status, c.not_before, c.not_after, "
    "COALESCE(c.revoked_at, 0), COALESCE(c.certificate, '') "
    "FROM applications a JOIN production_requests p ON p.id = a.production_request_id "
    "JOIN certificates c ON c.serial = p.certificate_serial JOIN institutions i ON i.id = a.institution_id ";

}  // namespace

std::vector<DirectoryRow> DirectoryRepository::search(const std::string& subject_pattern,
                                                      const std::string& institution, int limit) {
  std::vector<DirectoryRow> out;
  DirectoryRow r;
  std::string status;
  long long not_before = 0, not_after = 0, revoked_at = 0;
  soci::statement st =
      (db_.sql().prepare << std::string(kSelect) +
                                "WHERE c.subject LIKE :p ESCAPE '\\' AND i.name = :i AND c.status <> 'pending' "
                                "ORDER BY c.not_before DESC LIMIT " + std::to_string(limit),
       soci::use(subject_pattern), soci::use(institution), soci::into(r.serial), soci::into(r.subject),
       soci::into(r.institution), soci::into(r.form), soci::into(status), soci::into(not_before),
       soci::into(not_after), soci::into(revoked_at), soci::into(r.certificate));
  st.execute();
  while (st.fetch()) {
    r.status = parse_cert_status(status);
    r.not_before = not_before;
    r.not_after = not_after;
    r.revoked_at = revoked_at;
    out.push_back(r);
  }
  return out;
}

std::optional<DirectoryRow> DirectoryRepository::find(const std::string& serial) {
  DirectoryRow r;
  std::string status;
  long long not_before = 0, not_after = 0, revoked_at = 0;
  db_.sql() << std::string(kSelect) + "WHERE c.serial = :s AND c.status <> 'pending'", soci::use(serial),
      soci::into(r.serial), soci::into(r.subject), soci::into(r.institution), soci::into(r.form), soci::into(status),
      soci::into(not_before), soci::into(not_after), soci::into(revoked_at), soci::into(r.certificate);
  if (!db_.sql().got_data()) return std::nullopt;
  r.status = parse_cert_status(status);
  r.not_before = not_before;
  r.not_after = not_after;
  r.revoked_at = revoked_at;
  return r;
}

}  // namespace tugra::store
