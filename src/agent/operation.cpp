#include "agent/operation.hpp"

#include <openssl/crypto.h>

#include "common/bytes.hpp"
#include "common/clock.hpp"

namespace tugra::agent {

const char* to_string(State state) {
  switch (state) {
    case State::waiting: return "waiting";
    case State::needs_puk: return "needs_puk";
    case State::done: return "done";
    case State::failed: return "failed";
  }
  return "?";
}

nlohmann::json Operation::public_view() const {
  nlohmann::json j{{"id", id}, {"kind", to_string(request.kind)}, {"state", to_string(state)}};
  if (state == State::needs_puk || state == State::done) j["result"] = result;
  if (state == State::failed) j["error"] = error_key;
  return j;
}

void Operation::forget_secrets() {
  OPENSSL_cleanse(new_pin.data(), new_pin.size());
  OPENSSL_cleanse(new_puk.data(), new_puk.size());
  new_pin.clear();
  new_puk.clear();
  box.reset();
}

Operation& OperationBook::create(const std::string& origin, OperationRequest request) {
  std::int64_t now = now_seconds();
  expire(now);
  if (!nonces_.emplace(request.nonce, now).second) throw RequestError("agent.error.replayed_nonce");
  auto op = std::make_unique<Operation>();
  op->id = base64url_encode(random_bytes(18));
  op->form_token = base64url_encode(random_bytes(18));
  op->origin = origin;
  op->request = std::move(request);
  op->created = now;
  Operation& out = *op;
  operations_[op->id] = std::move(op);
  return out;
}

Operation* OperationBook::find(const std::string& id, const std::string* origin) {
  expire(now_seconds());
  auto it = operations_.find(id);
  if (it == operations_.end()) return nullptr;
  if (origin && it->second->origin != *origin) return nullptr;
  return it->second.get();
}

void OperationBook::expire(std::int64_t now) {
  for (auto it = operations_.begin(); it != operations_.end();) {
    if (it->second->created + lifetime_ <= now) {
      it->second->forget_secrets();
      it = operations_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = nonces_.begin(); it != nonces_.end();)
    it = it->second + 2 * lifetime_ <= now ? nonces_.erase(it) : std::next(it);
}

}  // namespace tugra::agent
