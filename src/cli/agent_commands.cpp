// tugra agent: the holder's card agent (src/agent) on a loopback port.
#include <cstdio>

#include "agent/agent_server.hpp"
#include "agent/origin_policy.hpp"
#include "card/card_reader.hpp"
#include "cli/context.hpp"
#include "common/error.hpp"

namespace tugra::cli {
namespace {

struct AgentOptions {
  std::optional<std::string> listen, module;
  std::vector<std::string> origins;
};

// "127.0.0.1:24817" or "[::1]:24817".
agent::AgentSettings listen_address(const std::string& listen) {
  agent::AgentSettings s;
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw UsageError("cli.usage_error", {{"detail", "--listen " + listen}});
  s.host = listen.substr(0, colon);
  if (s.host.size() > 2 && s.host.front() == '[' && s.host.back() == ']') s.host = s.host.substr(1, s.host.size() - 2);
  try {
    s.port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    throw UsageError("cli.usage_error", {{"detail", "--listen " + listen}});
  }
  if (s.port < 1 || s.port > 65535) throw UsageError("cli.usage_error", {{"detail", "--listen " + listen}});
  agent::check_loopback(s.host);
  return s;
}

}  // namespace

void add_agent_commands(CLI::App& app, Context& ctx) {
  static AgentOptions o;
  auto* cmd = app.add_subcommand("agent", help_text("help.agent_cmd"));
  cmd->add_option("--listen", o.listen, help_text("help.agent_opt_listen"));
  cmd->add_option("--origin", o.origins, help_text("help.agent_opt_origin"));
  cmd->add_option("--module", o.module, help_text("help.card_opt_module"));
  cmd->callback([&ctx] {
    Config config = ctx.config();
    agent::AgentSettings settings = listen_address(o.listen.value_or(config.str("agent.listen")));
    std::string origins = config.str("agent.origins");
    for (const auto& origin : o.origins) origins += " " + origin;
    if (origins.find_first_not_of(' ') == std::string::npos)
      origins = agent::normalise_origin(config.str("service.public_base_url").substr(
          0, config.str("service.public_base_url").find('/', 8)));
    settings.origins = origins;
    agent::AgentService service(settings, card::CardReader::open(ctx.card_module(o.module)));
    std::string allowed;
    for (const auto& origin : service.policy().origins()) allowed += (allowed.empty() ? "" : " ") + origin;
    std::fprintf(stderr, "%s\n", message("agent.started", {{"url", service.own_origin()}, {"origins", allowed}}).c_str());
    agent::serve(service, settings);
  });
}

}  // namespace tugra::cli
