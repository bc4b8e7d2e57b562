// `tugra serve`: the HTTP server (RESTinio) and its routes.
#pragma once

#include <string>
#include <vector>

#include "common/config.hpp"

namespace tugra::web {

struct ServeOptions {
  std::string listen;               // "ADDR:PORT"; empty: service.listen
  std::vector<std::string> roles;   // empty: all
};

// Runs until SIGINT or SIGTERM; requests under way are answered first.
void serve(const Config& config, const ServeOptions& options);

}  // namespace tugra::web
