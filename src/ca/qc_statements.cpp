#include "ca/qc_statements.hpp"

#include <limits>

#include "common/error.hpp"
#include "crypto/der.hpp"

namespace tugra::ca {

MonetaryLimit parse_limit(const std::string& text, const std::string& currency) {
  MonetaryLimit limit;
  limit.currency = currency;
  auto bad = [&] { return UserError("ca.bad_limit", {{"value", text}}); };
  if (text.empty() || text.size() > 24) throw bad();
  auto dot = text.find('.');
  std::string digits = text.substr(0, dot);
  std::string decimals = dot == std::string::npos ? "" : text.substr(dot + 1);
  if (digits.empty() || (dot != std::string::npos && decimals.empty()) || decimals.size() > 6) throw bad();
  for (char c : digits + decimals)
    if (c < '0' || c > '9') throw bad();
  while (!decimals.empty() && decimals.back() == '0') decimals.pop_back();
  // Whole lira only: ETSI EN 319 412-5 writes the amount as amount x 10^exponent,
  // and verifiers that read the exponent as unsigned (as some do) would turn
  // 1500.5 into 15005 x 10^1. A fractional limit is refused, not rounded.
  if (!decimals.empty()) throw UserError("ca.fractional_limit", {{"value", text}});
  std::int64_t amount = 0;
  for (char c : digits + decimals) {
    if (amount > (std::numeric_limits<std::int64_t>::max() - 9) / 10) throw bad();
    amount = amount * 10 + (c - '0');
  }
  if (amount == 0) throw bad();
  limit.amount = amount;
  limit.exponent = -static_cast<int>(decimals.size());
  return limit;
}

std::string format_limit(const MonetaryLimit& limit) {
  std::string digits = std::to_string(limit.amount);
  if (limit.exponent >= 0) return digits + std::string(static_cast<std::size_t>(limit.exponent), '0') + " " + limit.currency;
  std::size_t decimals = static_cast<std::size_t>(-limit.exponent);
  if (digits.size() <= decimals) digits.insert(0, decimals - digits.size() + 1, '0');
  digits.insert(digits.size() - decimals, ".");
  return digits + " " + limit.currency;
}

Bytes encode_qc_statements(const QcOptions& options) {
  using namespace der;
  Bytes statements;
  auto add = [&](const Bytes& statement) { statements.insert(statements.end(), statement.begin(), statement.end()); };

  // Statements that never change are encoded once per process.
  static const Bytes compliance = sequence({der::oid(oid::qc_compliance)});
  static const Bytes btk_oid = der::oid(oid::btk_5070_qualified);
  static const Bytes limit_oid = der::oid(oid::qc_limit_value);
  static const Bytes sscd = sequence({der::oid(oid::qc_sscd)});
  static const Bytes type = sequence({der::oid(oid::qc_type), sequence({der::oid(oid::qc_type_esign)})});
  static const Bytes semantics = sequence({der::oid(oid::qc_syntax_v2), sequence({der::oid(oid::etsi_natural_person)})});
  add(compliance);
  // BTK: MA3-based verifiers call a certificate qualified only with both
  // QcCompliance and this statement.
  add(sequence({btk_oid, utf8_string(options.statement_text)}));
  if (options.limit) {
    const auto& l = *options.limit;
    add(sequence({limit_oid, sequence({printable_string(l.currency), integer(l.amount), integer(l.exponent)})}));
  }
  add(sscd);
  add(type);
  if (!options.pds_url.empty())
    add(sequence({der::oid(oid::qc_pds), sequence({sequence({ia5_string(options.pds_url), printable_string("tr")})})}));
  if (options.semantics_natural_person) add(semantics);
  return tlv(0x30, statements);
}

}  // namespace tugra::ca
