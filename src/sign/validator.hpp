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

// What a detached signature covers: a file (hashed as it is read) or bytes
// in memory (a PDF's byte range).
struct SignedContent {
  std::optional<std::filesystem::path> file;
  std::optional<Bytes> bytes;
  bool given() const { return file || bytes; }
};

struct ValidationSettings {
  std::optional<std::int64_t> at;  // validate as of this time (unix seconds); default now
  bool online = true;              // fetch revocation data the signature lacks
  PolicySettings policies;
};

// A CAdES signature (DER or PEM CMS); `detached` is the signed file when
// the content is not inside. `name` is what the report calls the document.
ValidationReport validate_cades(ByteView signature, const SignedContent& detached, const std::string& name,
                                const TrustAnchors& trust, const ValidationSettings& settings,
                                const EvidenceFetcher& evidence);

// Every signature of a PDF (PAdES): the CMS over its byte range as above,
// plus the byte range itself and what incremental updates after it changed
// (a page's content changed after signing fails the signature).
ValidationReport validate_pades(const std::string& pdf, const std::string& name, const TrustAnchors& trust,
                                const ValidationSettings& settings, const EvidenceFetcher& evidence);

// Validates a signed document whatever its format: a PDF (PAdES) or CMS
// (CAdES, `detached` its content when not inside); XML (XAdES) is refused
// as not supported yet.
ValidationReport validate_document(const std::string& data, const std::string& name, const SignedContent& detached,
                                   const TrustAnchors& trust, const ValidationSettings& settings,
                                   const EvidenceFetcher& evidence);

// Validates `file` whatever its format: a PDF (PAdES) or CMS (CAdES); XML
// (XAdES) is refused as not supported yet.
ValidationReport validate_file(const std::filesystem::path& file, const std::optional<std::filesystem::path>& detached,
                               const TrustAnchors& trust, const ValidationSettings& settings,
                               const EvidenceFetcher& evidence);

}  // namespace tugra::sign
