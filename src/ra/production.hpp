// Card production (personalisation): approved requests become working,
// suspended NES cards. For each request, in this order, each step recorded
// before the next starts:
//
//   claim      random PIN and PUK stored encrypted for the holder, card label chosen
//   initialise C_InitToken(PUK, label) on a blank card, SO login, C_InitPIN(PIN)
//   key        signing key pair generated on the card
//   issue      NES certificate issued on hold (suspended until the holder activates it)
//   write      certificate written to the card beside its key
//   complete   card <-> holder <-> certificate recorded, shipment created
//
// A crash (kill -9) at any point leaves a request 'in_progress'; the next
// run looks at the card and the CA and carries on from what is really
// there. A card that cannot be trusted to match (no key, or a key that is
// not the certificate's) is initialised again with the stored PUK, which
// wipes it, and a certificate issued for the lost key is revoked.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "crypto/algorithm.hpp"
#include "store/production_records.hpp"

namespace tugra::ca {
class CertificateAuthority;
}
namespace tugra::store {
class Ledger;
}
namespace tugra::card {
class CardReader;
}

namespace tugra::notify {
class Notifications;
}

namespace tugra::ra {

class HolderSecrets;

struct ProductionOrder {
  std::string tckn, given_name, surname, phone, email;
  int years = 3;
  std::optional<std::string> limit;
  std::optional<std::string> renews;  // serial of the certificate a renewal replaces
};

// Where time goes, in seconds, summed over the cards of a run.
struct ProductionTimes {
  double card = 0;      // C_InitToken, PIN
  double key = 0;       // key generation on the card
  double issue = 0;     // certificate issuance
  double storage = 0;   // certificate onto the card, records, shipment, secrets
};

struct ProductionReport {
  int done = 0;
  int failed = 0;
  int resumed = 0;  // requests a crash had interrupted
  std::int64_t remaining = 0;  // still queued or in progress after the run
  ProductionTimes times;
};

struct ProductionProgress {
  int index = 0, total = 0;
  const store::ProductionRequest* request = nullptr;
  bool resumed = false;
  std::string failure;  // empty when the card was made
};

// Checks the order (TCKN, names, phone, e-mail, years, limit) and queues it;
// no card is touched until a production run.
// UserError("production.already_open") when the person already has a queued
// or unfinished request, unless `force` (a deliberate second card, audited).
// Audited as `actor` (the ledger's own when empty).
store::ProductionRequest enqueue_production(store::Ledger& ledger, const ProductionOrder& order,
                                            const std::string& currency, bool force = false,
                                            const std::string& actor = "");
// The same in two halves, for a caller that queues inside its own write
// transaction (an officer's approval): the checked request, then the insert
// and its audit record.
store::ProductionRequest production_request_for(const ProductionOrder& order, const std::string& currency);
void queue_production_request(store::Ledger& ledger, store::ProductionRequest& r, const std::string& actor = "");

class Production {
 public:
  // Issues through `ca` (the CA token must be at hand) and writes through its
  // ledger. With `notifications`, each holder is told that the card is made
  // and its shipment's tracking number.
  Production(ca::CertificateAuthority& ca, const card::CardReader& reader, HolderSecrets& secrets, KeyType key_type,
             notify::Notifications* notifications = nullptr);

  // Personalises up to `batch` cards (0: the whole queue): interrupted
  // requests first, then the queue.
  ProductionReport run(int batch, const std::function<void(const ProductionProgress&)>& progress = {});

  // The issuance request id of the request's current attempt.
  static std::string issue_request_id(const store::ProductionRequest& r);

 private:
  void claim(store::ProductionRequest& r);
  void personalise(store::ProductionRequest& r, ProductionTimes& times);
  void fail(store::ProductionRequest& r, const std::string& why);
  void step(const store::ProductionRequest& r, const char* event, const std::string& details);
  // Writes the request's new state if it is still in `expected`.
  void save(const store::ProductionRequest& r, store::ProductionState expected);
  // The card is made: the holder hears of it on their channel, with the tracking number.
  void tell_holder(const store::ProductionRequest& r);

  ca::CertificateAuthority& ca_;
  store::Ledger& ledger_;
  const card::CardReader& reader_;
  HolderSecrets& secrets_;
  KeyType key_type_;
  notify::Notifications* notifications_;
};

}  // namespace tugra::ra
