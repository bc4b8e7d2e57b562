// Card shipments: hazırlanıyor (preparing) → kargoya verildi (shipped) →
// teslim edildi (delivered), forward only, each change in the audit chain.
// find() is also the lookup behind the public "Gönderi Sorgulama" page: a
// tracking number gives states and dates, never the holder's details.
#pragma once

#include <optional>
#include <string>

#include "store/production_records.hpp"

namespace tugra::store {
class Ledger;
}

namespace tugra::ra {

// 12 digits, the last a Luhn check digit (a mistyped number is caught
// before it is looked up).
std::string new_tracking_number();
bool valid_tracking_number(const std::string& text);
// "preparing" | "shipped" | "delivered"; throws UserError for anything else.
// Turkish input ("kargoya-verildi") is accepted too.
std::string parse_shipment_state(const std::string& text);

class Shipments {
 public:
  explicit Shipments(store::Ledger& ledger) : ledger_(ledger) {}
  std::optional<store::ShipmentRecord> find(const std::string& tracking_number);
  // Audited as `actor` (the ledger's own when empty).
  store::ShipmentRecord update(const std::string& tracking_number, const std::string& state,
                               const std::string& note, const std::string& actor = "");

 private:
  store::Ledger& ledger_;
};

}  // namespace tugra::ra
