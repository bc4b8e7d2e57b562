#include "ra/shipments.hpp"

#include <sodium.h>

#include <array>
#include <nlohmann/json.hpp>

#include "ca/certificates.hpp"
#include "store/ledger.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"

namespace tugra::ra {
namespace {

constexpr std::array<const char*, 3> kStates = {"preparing", "shipped", "delivered"};

int rank(const std::string& state) {
  for (std::size_t i = 0; i < kStates.size(); ++i)
    if (state == kStates[i]) return static_cast<int>(i);
  return -1;
}

int luhn_digit(const std::string& digits) {
  int sum = 0;
  bool twice = true;  // the check digit is appended on the right
  for (auto it = digits.rbegin(); it != digits.rend(); ++it, twice = !twice) {
    int d = *it - '0';
    if (twice && (d *= 2) > 9) d -= 9;
    sum += d;
  }
  return (10 - sum % 10) % 10;
}

}  // namespace

std::string new_tracking_number() {
  std::string s(1, static_cast<char>('1' + randombytes_uniform(9)));
  for (int i = 0; i < 10; ++i) s += static_cast<char>('0' + randombytes_uniform(10));
  return s + static_cast<char>('0' + luhn_digit(s));
}

bool valid_tracking_number(const std::string& text) {
  if (text.size() != 12 || text.find_first_not_of("0123456789") != std::string::npos) return false;
  return luhn_digit(text.substr(0, 11)) == text[11] - '0';
}

std::string parse_shipment_state(const std::string& text) {
  if (rank(text) >= 0) return text;
  if (text == "hazirlaniyor" || text == "hazırlanıyor") return "preparing";
  if (text == "kargoya-verildi" || text == "kargoya_verildi") return "shipped";
  if (text == "teslim-edildi" || text == "teslim_edildi") return "delivered";
  throw UserError("shipment.bad_state", {{"state", text}});
}

std::optional<store::ShipmentRecord> Shipments::find(const std::string& tracking_number) {
  if (!valid_tracking_number(tracking_number)) throw UserError("shipment.bad_number", {{"number", tracking_number}});
  return store::ShipmentRepository(ledger_.database()).find(tracking_number);
}

store::ShipmentRecord Shipments::update(const std::string& tracking_number, const std::string& state_text,
                                        const std::string& note, const std::string& actor) {
  std::string state = parse_shipment_state(state_text);
  if (!valid_tracking_number(tracking_number)) throw UserError("shipment.bad_number", {{"number", tracking_number}});
  ledger_.write([&] {
    store::ShipmentRepository repo(ledger_.database());
    auto current = repo.find(tracking_number);
    if (!current) throw UserError("shipment.not_found", {{"number", tracking_number}});
    if (rank(state) <= rank(current->state))
      throw UserError("shipment.backwards", {{"from", message("shipment.state." + current->state)},
                                              {"to", message("shipment.state." + state)}});
    repo.set_state(tracking_number, state, note, now_seconds());
    ledger_.record("shipment.updated", tracking_number,
               nlohmann::json{{"from", current->state}, {"to", state}, {"note", note}}.dump(), actor);
  });
  ledger_.checkpoint();
  return *store::ShipmentRepository(ledger_.database()).find(tracking_number);
}

}  // namespace tugra::ra
