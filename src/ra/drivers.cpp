#include "ra/drivers.hpp"

#include <nlohmann/json.hpp>

#include "ca/certificates.hpp"
#include "store/ledger.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/text.hpp"
#include "crypto/openssl.hpp"

namespace tugra::ra {
namespace {

bool field_ok(const std::string& s) {
  int n = utf8_length(s);
  return n > 0 && n <= 64;
}

// A file name safe in a Content-Disposition header and on any disk.
std::string safe_file_name(const std::string& name) {
  std::string out;
  for (char c : name)
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
  if (out.empty() || out[0] == '.') out = "driver" + out;
  return out.substr(0, 100);
}

}  // namespace

DriverCatalog::DriverCatalog(store::Ledger& ledger, std::filesystem::path dir)
    : ledger_(ledger), dir_(std::move(dir)) {}

store::DriverRecord DriverCatalog::add(store::DriverRecord d, const std::filesystem::path& file) {
  if (!std::filesystem::is_regular_file(file)) throw UserError("drivers.no_file", {{"file", file.string()}});
  if (!field_ok(d.os) || !field_ok(d.os_version) || !field_ok(d.reader) || !field_ok(d.card) || !field_ok(d.name))
    throw UserError("drivers.bad_field");
  if (d.bits != 32 && d.bits != 64) throw UserError("drivers.bad_bits");
  std::string data = read_file(file);
  d.sha256 = ossl::sha256_hex(as_bytes(data));
  d.size = static_cast<std::int64_t>(data.size());
  d.file_name = d.sha256.substr(0, 16) + "-" + safe_file_name(file.filename().string());
  std::filesystem::create_directories(dir_);
  write_file_atomic(dir_ / d.file_name, data);
  ledger_.write([&] {
    store::DriverRepository(ledger_.database()).insert(d);
    ledger_.record("driver.added", std::to_string(d.id),
               nlohmann::json{{"name", d.name}, {"file", d.file_name}, {"sha256", d.sha256}}.dump());
  });
  ledger_.checkpoint();
  return d;
}

void DriverCatalog::remove(std::int64_t id) {
  auto d = store::DriverRepository(ledger_.database()).find(id);
  if (!d) throw UserError("drivers.not_found", {{"id", std::to_string(id)}});
  ledger_.write([&] {
    store::DriverRepository(ledger_.database()).remove(id);
    ledger_.record("driver.removed", std::to_string(id), nlohmann::json{{"name", d->name}}.dump());
  });
  ledger_.checkpoint();
  // The file goes after the row: a crash in between leaves an unused file, never a dead link.
  std::error_code ec;
  std::filesystem::remove(dir_ / d->file_name, ec);
}

std::vector<store::DriverRecord> DriverCatalog::list() { return store::DriverRepository(ledger_.database()).list(); }

std::vector<store::DriverRecord> DriverCatalog::find(const DriverQuery& q) {
  std::vector<store::DriverRecord> out;
  for (auto& d : list()) {
    bool os_ok = q.os.empty() || (d.os == q.os && (q.os_version.empty() || d.os_version == q.os_version) &&
                                  (q.bits == 0 || d.bits == q.bits));
    // A driver is for a reader or for a card; "*" fits every reader or card.
    bool device_ok = (d.reader == "*" || q.reader.empty() || d.reader == q.reader) &&
                     (d.card == "*" || q.card.empty() || d.card == q.card);
    if (os_ok && device_ok) out.push_back(std::move(d));
  }
  return out;
}

std::filesystem::path DriverCatalog::file_of(const store::DriverRecord& d) const { return dir_ / d.file_name; }

}  // namespace tugra::ra
