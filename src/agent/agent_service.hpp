// `tugra agent`'s answers, apart from HTTP plumbing (agent_server.cpp):
//
//   OPTIONS *                     CORS / Private Network Access preflight (allowed origins only)
//   GET  /v1/status               the cards: serial, holder, state, PIN and PUK tries left
//   GET  /v1/certificate          the first card's certificate (public)
//   POST /v1/operations           a portal page asks for an operation: authenticate, sign,
//                                 change_pin, unlock (bound to its origin and the portal's nonce)
//   GET  /v1/operations/{id}      its state and result, to the page that asked only
//   POST /v1/operations/{id}/puk  unlock: the PUK the portal released, sealed to this operation's key
//   GET  /islem/{id}              the agent's own page: what is asked, by whom; the PIN is typed here
//   POST /islem/{id}              the holder confirms (or cancels) there
//   GET  /belge/{id}              sign: the PDF the holder is asked to sign
//
// The portal's page never sees a PIN: it is typed on the agent's page, whose
// origin (this loopback address) the portal cannot read or frame.
#pragma once

#include <memory>
#include <string>

#include "agent/operation.hpp"
#include "agent/origin_policy.hpp"
#include "card/card_reader.hpp"
#include "common/messages.hpp"

namespace tugra::agent {

struct AgentRequest {
  std::string method, path, query;
  std::string host, origin;  // the Host and Origin headers ("" when absent)
  std::string content_type, accept_language, body;
  bool private_network = false;  // Access-Control-Request-Private-Network: true
};

struct AgentResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  Headers headers;
};

struct AgentSettings {
  std::string host = "127.0.0.1";
  int port = 24817;
  std::string origins;  // allowed portal origins
};

class AgentService {
 public:
  AgentService(AgentSettings settings, card::CardReader reader);
  AgentResponse handle(const AgentRequest& request);
  // "http://127.0.0.1:24817": the agent's own origin.
  const std::string& own_origin() const { return own_origin_; }
  const OriginPolicy& policy() const { return policy_; }

 private:
  AgentResponse api(const AgentRequest& request);
  AgentResponse page(const AgentRequest& request, Lang lang);
  AgentResponse confirm(const AgentRequest& request, Lang lang, Operation& op);
  AgentResponse deliver_puk(Operation& op, const std::string& body, Lang lang);
  AgentResponse status();
  AgentResponse render(Lang lang, Operation& op, const std::string& error, int status = 200);
  // The card an operation works on; UserError when none (or not the authorised one) is inserted.
  card::CardInfo card_for(const Operation& op) const;

  AgentSettings settings_;
  card::CardReader reader_;
  OriginPolicy policy_;
  std::string own_origin_;
  std::set<std::string> hosts_;  // Host headers this agent answers (DNS rebinding)
  OperationBook book_;
};

}  // namespace tugra::agent
