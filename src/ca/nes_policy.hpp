// The NES (qualified certificate) policy in one place: the lifetimes a
// holder may choose and the key usages of a holder certificate. The profile
// builds from it, lint checks against it, issuance and production refuse
// what it does not allow, and the application form offers what it lists.
#pragma once

#include <array>
#include <string>

namespace tugra::ca::nes_policy {

// Lifetimes in years a holder certificate may have (the application form's
// "Sertifika Süresi": 3 or 5 years).
inline constexpr std::array<int, 2> kYears{3, 5};
inline constexpr int kDefaultYears = 3;

constexpr bool allowed_years(int years) {
  for (int y : kYears)
    if (y == years) return true;
  return false;
}

// The longest lifetime, in days, lint accepts (the longest choice, leap days included).
constexpr int max_validity_days() {
  int longest = 0;
  for (int y : kYears) longest = y > longest ? y : longest;
  return longest * 366;
}

// keyUsage of a holder certificate: critical, digitalSignature and
// nonRepudiation (contentCommitment) and nothing else (ETSI EN 319 412-2
// for a qualified signing certificate, as Kamu SM issues them).
inline constexpr const char* kKeyUsage = "critical,digitalSignature,nonRepudiation";
// The bits lint requires set; every other bit (up to decipherOnly, 8) must be clear.
inline constexpr std::array<int, 2> kKeyUsageBits{0, 1};

// "3" and "5": the choices as the form posts them.
inline std::array<std::string, kYears.size()> year_choices() {
  std::array<std::string, kYears.size()> out;
  for (std::size_t i = 0; i < kYears.size(); ++i) out[i] = std::to_string(kYears[i]);
  return out;
}

}  // namespace tugra::ca::nes_policy
