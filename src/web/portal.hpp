// The portal role of `tugra serve`: the public pages (home, help, drivers,
// shipment tracking), the application journey of seed 000 and the
// institution officer console (/kurum). Server-rendered pages from mustache
// templates, Turkish by default (?lang=en or Accept-Language for English).
#pragma once

#include <memory>
#include <optional>

#include "common/config.hpp"
#include "web/http.hpp"

namespace tugra::web {

class PortalState;

class Portal {
 public:
  explicit Portal(const Config& config);
  ~Portal();
  Portal(const Portal&) = delete;
  Portal& operator=(const Portal&) = delete;

  // The answer, or nullopt when the path is not one of the portal's.
  std::optional<Response> handle(const Request& request);
  // Whether the database answers (reconnecting after a restart): /healthz.
  bool database_ok();
  // The portal's gauges in the Prometheus text format (/metrics): its
  // database, sessions, work waiting and failed notifications. Queries the
  // database (run it on a portal thread); never throws: a database that does
  // not answer is tugra_portal_database_up 0.
  std::string metrics_text();
  // Work queued to run after an answer was sent (the forgotten-word mail).
  std::size_t deferred_waiting();
  // A reload (SIGHUP): the settings and rate limits of `config`; sessions stay.
  void reload(const Config& config);

 private:
  std::unique_ptr<PortalState> state_;
};

}  // namespace tugra::web
