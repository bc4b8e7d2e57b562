// The card agent's operations in flight, in memory: one per request a
// portal page made, bound to that page's origin and the portal's nonce. A
// nonce is taken once (a replayed request is refused), an operation moves
// forward only (waiting → needs_puk → done | failed), and everything is
// forgotten after a few minutes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/request.hpp"
#include "crypto/sealed_box.hpp"

namespace tugra::agent {

enum class State { waiting, needs_puk, done, failed };
const char* to_string(State state);

struct Operation {
  std::string id;          // random, in the agent page's URL
  std::string form_token;  // random, in the agent page's form (only that page can confirm)
  std::string origin;      // the portal page's, as its browser said
  OperationRequest request;
  State state = State::waiting;
  std::int64_t created = 0;
  nlohmann::json result = nlohmann::json::object();  // what the portal page may read
  std::string error_key;                            // failed: the catalog key
  std::string error_text;                           // failed: a card's own words, when it gave some
  // unlock, between the holder's confirmation and the PUK's arrival.
  std::unique_ptr<BoxKeyPair> box;
  std::string new_pin, new_puk;

  nlohmann::json public_view() const;  // state, result, error: GET /v1/operations/{id}
  void forget_secrets();                // wipes the PINs and the PUK
};

class OperationBook {
 public:
  explicit OperationBook(std::int64_t lifetime_seconds = 300) : lifetime_(lifetime_seconds) {}
  // RequestError("agent.error.replayed_nonce") for a nonce seen before.
  Operation& create(const std::string& origin, OperationRequest request);
  // The live operation `id`; with `origin`, only when it was made from there.
  Operation* find(const std::string& id, const std::string* origin = nullptr);
  std::mutex& mutex() { return mutex_; }

 private:
  void expire(std::int64_t now);

  std::int64_t lifetime_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Operation>> operations_;
  std::map<std::string, std::int64_t> nonces_;  // nonce -> when seen (kept twice the lifetime)
};

}  // namespace tugra::agent
