#include "ra/directory.hpp"

#include <nlohmann/json.hpp>

#include "common/bytes.hpp"
#include "common/display.hpp"
#include "common/text.hpp"
#include "store/ledger.hpp"
#include "store/portal_records.hpp"

namespace tugra::ra {
namespace {

bool published(const store::DirectoryRow& row) {
  auto form = nlohmann::json::parse(row.form, nullptr, false);
  return form.is_object() && form.value("publish", "") == "yes";
}

PublishedCertificate entry(const store::DirectoryRow& row) {
  PublishedCertificate c{row.serial, "", row.institution, row.status, row.not_before, row.not_after,
                         row.revoked_at, ""};
  for (const auto& [field, value] : dn_fields(row.subject))
    if (field == "CN") c.name = value;
  Bytes der = base64_decode(row.certificate);
  c.der.assign(der.begin(), der.end());
  return c;
}

// A LIKE pattern matching the value literally.
std::string like_literal(const std::string& text) {
  std::string out;
  for (char ch : text) {
    if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
    out += ch;
  }
  return out;
}

}  // namespace

std::vector<PublishedCertificate> Directory::search(const std::string& full_name, const std::string& institution) {
  std::string name = normalise_name(full_name);
  if (utf8_length(name) < 3 || utf8_length(institution) < 1) return {};
  // The subject is "CN=<NAME>,…": the whole name, from its start to its comma.
  std::string pattern = "CN=" + like_literal(name) + ",%";
  std::vector<PublishedCertificate> out;
  for (const auto& row : store::DirectoryRepository(ledger_.database()).search(pattern, institution, 20))
    if (published(row)) out.push_back(entry(row));
  return out;
}

std::optional<PublishedCertificate> Directory::find(const std::string& serial) {
  auto row = store::DirectoryRepository(ledger_.database()).find(serial);
  if (!row || !published(*row)) return std::nullopt;
  return entry(*row);
}

std::vector<std::string> Directory::institutions() {
  std::vector<std::string> names;
  for (const auto& i : store::InstitutionRepository(ledger_.database()).list()) names.push_back(i.name);
  return names;
}

}  // namespace tugra::ra
