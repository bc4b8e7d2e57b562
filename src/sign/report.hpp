// The outcome of validating the signatures of one document, shaped on
// ETSI TS 119 102-2 (a main indication and a sub-indication per signature,
// the constraints checked, the signer, the best signature time and the
// evidence that proves it), and its renderings: JSON and XML for
// machines, HTML (Turkish or English) for people.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/messages.hpp"

namespace tugra::sign {

// EN 319 102-1 §5.1.3 main indications.
enum class Indication { total_passed, total_failed, indeterminate };
std::string indication_name(Indication indication);  // "TOTAL-PASSED" …

struct Check {
  std::string name;    // a stable identifier: "signature", "message-digest", "chain", …
  bool passed = false;
  std::string detail;  // what was found (English, technical)
};

struct TimestampResult {
  std::int64_t gen_time = 0;
  std::string tsa;
  bool valid = false;
  std::string detail;
};

struct RevocationResult {
  std::string status = "unknown";  // "good" | "revoked" | "on-hold" | "unknown"
  std::string source;              // "OCSP (embedded)", "CRL (fetched)", …
  std::optional<std::int64_t> revoked_at;
  std::string reason;
};

struct SignatureResult {
  std::string id;      // "S-1" …
  std::string format;  // "CAdES (detached)" …
  std::string level;   // "B-B" | "B-T" | "B-LT"
  std::string profile; // "P1".."P4" when a BTK policy is named
  Indication indication = Indication::indeterminate;
  std::string sub_indication;  // empty when TOTAL-PASSED
  std::string signer, signer_serial, issuer;
  std::vector<std::string> chain;  // subjects, signer first
  std::optional<std::int64_t> claimed_signing_time;
  std::int64_t best_signature_time = 0;
  bool best_time_proven = false;  // by a valid signature timestamp
  std::string policy_oid;
  bool qualified = false;  // QcCompliance and the BTK 5070 statement (MA3's rule)
  std::vector<std::string> qc_statements;
  RevocationResult revocation;
  std::vector<TimestampResult> timestamps;
  std::vector<Check> checks;
};

struct ValidationReport {
  std::string document;         // file name
  std::string document_sha256;  // of the signature file
  std::int64_t validation_time = 0;
  std::vector<SignatureResult> signatures;
  // TOTAL-FAILED when any signature failed, INDETERMINATE when any is, else
  // TOTAL-PASSED; INDETERMINATE for a document without signatures.
  Indication overall() const;
};

// What people read of a report, in `lang`, for every human rendering (the
// HTML report, the portal page, the PDF): labelled rows.
struct ReportRow {
  std::string label, value;
};
std::string verdict_text(Indication indication, Lang lang);  // "İmza geçerli" …
std::vector<ReportRow> document_rows(const ValidationReport& report, Lang lang);
std::vector<ReportRow> signature_rows(const SignatureResult& signature, Lang lang);

std::string to_json(const ValidationReport& report);
std::string to_xml(const ValidationReport& report);
std::string to_html(const ValidationReport& report, Lang lang);

}  // namespace tugra::sign
