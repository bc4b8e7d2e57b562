// Validation of signatures per ETSI EN 319 102-1: the signature value and
// message digest, the signing-certificate attribute, signature timestamps
// (which fix the best signature time), the X.509 chain to a trust anchor,
// the signer's revocation status at that time, and for BTK P2-P4 the
// signature policy's own rules. The verdict is TOTAL-PASSED, TOTAL-FAILED
// or INDETERMINATE with the standard sub-indication.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "crypto/openssl.hpp"
#include "sign/report.hpp"
#include "sign/signature_profile.hpp"

namespace tugra::sign {

class EvidenceFetcher;

// What a verifier trusts: roots (self-signed) are anchors; other CA
// certificates only help to build chains.
class TrustAnchors {
 public:
  void add(ossl::Cert certificate);
  // Every PEM or DER certificate in `directory` (a missing one adds nothing).
  void add_directory(const std::filesystem::path& directory);
  void add_pem_bundle(std::string_view pem);
  const std::vector<ossl::Cert>& roots() const { return roots_; }
  const std::vector<ossl::Cert>& intermediates() const { return intermediates_; }

 private:
  std::vector<ossl::Cert> roots_, intermediates_;
};

struct ValidationSettings {
  std::optional<std::int64_t> at;  // validate as of this time (unix seconds); default now
  bool online = true;              // fetch revocation data the signature lacks
  PolicySettings policies;
};

// A CAdES signature (DER or PEM CMS); `detached` is the signed file when
// the content is not inside. `name` is what the report calls the document.
ValidationReport validate_cades(ByteView signature, const std::optional<std::filesystem::path>& detached,
                                const std::string& name, const TrustAnchors& trust,
                                const ValidationSettings& settings, const EvidenceFetcher& evidence);

// Validates `file` whatever its format (CAdES for now; PDF and XML name
// what is not supported yet).
ValidationReport validate_file(const std::filesystem::path& file, const std::optional<std::filesystem::path>& detached,
                               const TrustAnchors& trust, const ValidationSettings& settings,
                               const EvidenceFetcher& evidence);

}  // namespace tugra::sign
