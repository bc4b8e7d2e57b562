// qcStatements (RFC 3739, ETSI EN 319 412-5) for the NES profile. OpenSSL has
// no type for them, so they are written with crypto/der.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/bytes.hpp"

namespace tugra::ca {

// Amount × 10^exponent in a currency, as QcLimitValue carries it.
struct MonetaryLimit {
  std::string currency = "TRY";
  std::int64_t amount = 0;
  int exponent = 0;
};

// Parses "50000" or "1500.50" (a dot for decimals) into amount/exponent.
// Throws UserError("ca.bad_limit") for anything else, zero or negatives.
MonetaryLimit parse_limit(const std::string& text, const std::string& currency);
std::string format_limit(const MonetaryLimit& limit);

struct QcOptions {
  std::string statement_text;  // BTK 5070 statement / user notice sentence
  std::optional<MonetaryLimit> limit;
  std::string pds_url;         // empty: no QcPDS
  bool semantics_natural_person = false;  // ETSI PNOTR- serialNumber option
};

// The DER of the extension value: SEQUENCE OF QCStatement.
Bytes encode_qc_statements(const QcOptions& options);

namespace oid {
inline constexpr const char* qc_statements = "1.3.6.1.5.5.7.1.3";
inline constexpr const char* qc_compliance = "0.4.0.1862.1.1";
inline constexpr const char* qc_limit_value = "0.4.0.1862.1.2";
inline constexpr const char* qc_sscd = "0.4.0.1862.1.4";
inline constexpr const char* qc_pds = "0.4.0.1862.1.5";
inline constexpr const char* qc_type = "0.4.0.1862.1.6";
inline constexpr const char* qc_type_esign = "0.4.0.1862.1.6.1";
inline constexpr const char* btk_5070_qualified = "2.16.792.1.61.0.1.5070.1.1";
inline constexpr const char* qc_syntax_v2 = "1.3.6.1.5.5.7.11.2";
inline constexpr const char* etsi_natural_person = "0.4.0.194121.1.1";
inline constexpr const char* etsi_qcp_n_qscd = "0.4.0.194112.1.2";
}  // namespace oid

}  // namespace tugra::ca
