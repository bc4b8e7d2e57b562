// `tugra serve`: the HTTP server (RESTinio) and its routes.
#pragma once

#include <string>
#include <vector>

#include "common/config.hpp"

namespace tugra::web {

struct ServeOptions {
  std::string listen;   // "ADDR:PORT"; empty: service.listen
  bool portal = true;   // the portal's pages
  bool status = true;   // OCSP, CRLs, CA certificates (the status role)
};

// Runs until SIGINT or SIGTERM; requests under way are answered first. The
// `ca` role is not served over HTTP: `tugra serve` runs it beside this.
void serve(const Config& config, const ServeOptions& options);

}  // namespace tugra::web
