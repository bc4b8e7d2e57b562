// Who a TCKN belongs to: the national civil registry (MERNİS/KPS) in
// production, behind this interface; the default answers from the local
// table that `tugra registry import` fills.
#pragma once

#include <optional>
#include <string>

#include "store/portal_records.hpp"

namespace tugra::ra {

class IdentityRegistry {
 public:
  virtual ~IdentityRegistry() = default;
  // The registered person, or nullopt for an unknown number. Names and the
  // birth place come back in Turkish upper case, the date as YYYY-MM-DD.
  virtual std::optional<store::Person> find(const std::string& tckn) = 0;
};

class LocalRegistry : public IdentityRegistry {
 public:
  explicit LocalRegistry(store::Database& db) : db_(db) {}
  std::optional<store::Person> find(const std::string& tckn) override {
    return store::RegistryRepository(db_).find(tckn);
  }

 private:
  store::Database& db_;
};

}  // namespace tugra::ra
