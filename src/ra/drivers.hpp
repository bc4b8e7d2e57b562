// The driver catalog of the Sürücü Yükleme Servisi: card reader and card
// drivers for an operating system, version and word size, kept as files
// under HOME/drivers and served as downloads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "store/portal_records.hpp"

namespace tugra::store {
class Ledger;
}

namespace tugra::ra {

struct DriverQuery {
  std::string os, os_version, reader, card;
  int bits = 0;  // 0: any
};

class DriverCatalog {
 public:
  // `dir` holds the driver files (the home's drivers/).
  DriverCatalog(store::Ledger& ledger, std::filesystem::path dir);
  // Copies `file` into the catalog; UserError on a missing file or bad fields.
  store::DriverRecord add(store::DriverRecord fields, const std::filesystem::path& file);
  void remove(std::int64_t id);
  std::vector<store::DriverRecord> list();
  std::vector<store::DriverRecord> find(const DriverQuery& query);
  // The stored file of a driver.
  std::filesystem::path file_of(const store::DriverRecord& d) const;

 private:
  store::Ledger& ledger_;
  std::filesystem::path dir_;
};

}  // namespace tugra::ra
