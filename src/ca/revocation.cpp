#include "ca/revocation.hpp"

#include <utility>

#include "common/error.hpp"

namespace tugra::ca {
namespace {
constexpr std::pair<const char*, int> kRevocable[] = {
    {"unspecified", 0},        {"keyCompromise", 1},        {"affiliationChanged", 3},
    {"superseded", 4},         {"cessationOfOperation", 5}, {"privilegeWithdrawn", 9},
};
}

int parse_revocation_reason(const std::string& name) {
  for (const auto& [n, code] : kRevocable)
    if (name == n) return code;
  std::string allowed;
  for (const auto& [n, code] : kRevocable) allowed += (allowed.empty() ? "" : ", ") + std::string(n);
  throw UserError("ca.unknown_reason", {{"reason", name}, {"allowed", allowed}});
}

std::string revocation_reason_name(int code) {
  for (const auto& [n, c] : kRevocable)
    if (c == code) return n;
  if (code == kReasonCertificateHold) return "certificateHold";
  return std::to_string(code);
}

}  // namespace tugra::ca
