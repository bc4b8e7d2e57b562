#include "store/states.hpp"

#include <initializer_list>
#include <stdexcept>
#include <utility>

namespace tugra::store {
namespace {

template <typename State>
State parse(const std::string& text, std::initializer_list<State> all, const char* what) {
  for (State s : all)
    if (text == to_string(s)) return s;
  throw std::runtime_error(std::string("store: unknown ") + what + " " + text);
}

template <typename State>
bool listed(State from, State to, std::initializer_list<std::pair<State, State>> edges) {
  for (const auto& [a, b] : edges)
    if (a == from && b == to) return true;
  return false;
}

}  // namespace

const char* to_string(CertStatus status) {
  switch (status) {
    case CertStatus::pending: return "pending";
    case CertStatus::valid: return "valid";
    case CertStatus::suspended: return "suspended";
    case CertStatus::revoked: return "revoked";
  }
  return "?";
}

const char* to_string(ApplicationState state) {
  switch (state) {
    case ApplicationState::draft: return "draft";
    case ApplicationState::confirmed: return "confirmed";
    case ApplicationState::submitted: return "submitted";
    case ApplicationState::received: return "received";
    case ApplicationState::approved: return "approved";
    case ApplicationState::rejected: return "rejected";
  }
  return "?";
}

const char* to_string(ProductionState state) {
  switch (state) {
    case ProductionState::queued: return "queued";
    case ProductionState::in_progress: return "in_progress";
    case ProductionState::done: return "done";
    case ProductionState::failed: return "failed";
  }
  return "?";
}

CertStatus parse_cert_status(const std::string& text) {
  using S = CertStatus;
  return parse(text, {S::pending, S::valid, S::suspended, S::revoked}, "certificate status");
}

ApplicationState parse_application_state(const std::string& text) {
  using S = ApplicationState;
  return parse(text, {S::draft, S::confirmed, S::submitted, S::received, S::approved, S::rejected},
               "application state");
}

ProductionState parse_production_state(const std::string& text) {
  using S = ProductionState;
  return parse(text, {S::queued, S::in_progress, S::done, S::failed}, "production state");
}

bool try_parse_production_state(const std::string& text, ProductionState& out) {
  try {
    out = parse_production_state(text);
    return true;
  } catch (const std::runtime_error&) {
    return false;
  }
}

bool allowed(CertStatus from, CertStatus to) {
  using S = CertStatus;
  return listed(from, to, {{S::pending, S::valid}, {S::pending, S::suspended}, {S::valid, S::suspended},
                           {S::suspended, S::valid}, {S::valid, S::revoked}, {S::suspended, S::revoked}});
}

bool allowed(ApplicationState from, ApplicationState to) {
  using S = ApplicationState;
  // An e-signed form (E-İmzalı Başvuru) arrives with the application: confirmed -> received.
  return listed(from, to, {{S::draft, S::draft}, {S::confirmed, S::draft}, {S::submitted, S::draft},
                           {S::draft, S::confirmed}, {S::confirmed, S::submitted}, {S::submitted, S::submitted},
                           {S::confirmed, S::received}, {S::submitted, S::received}, {S::received, S::approved}, {S::submitted, S::rejected},
                           {S::received, S::rejected}});
}

bool allowed(ProductionState from, ProductionState to) {
  using S = ProductionState;
  return listed(from, to, {{S::queued, S::in_progress}, {S::in_progress, S::in_progress}, {S::in_progress, S::done},
                           {S::in_progress, S::failed}, {S::queued, S::failed}});
}

}  // namespace tugra::store
