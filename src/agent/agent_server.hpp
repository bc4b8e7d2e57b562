// `tugra agent`: AgentService over HTTP (RESTinio) on a loopback address.
#pragma once

#include "agent/agent_service.hpp"

namespace tugra::agent {

// Refuses an address that is not loopback (UserError "agent.not_loopback").
void check_loopback(const std::string& host);
// Runs until SIGINT or SIGTERM, one thread: card operations go one at a time.
void serve(AgentService& service, const AgentSettings& settings);

}  // namespace tugra::agent
