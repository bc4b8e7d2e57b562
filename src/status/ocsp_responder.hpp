// The OCSP responder of one issuing CA (RFC 6960), signing with its
// delegated responder key.
//
// Requests are parsed by OpenSSL. Responses are written with crypto/der:
// OpenSSL's OCSP_BASICRESP can only be signed by an EVP_PKEY in this
// process and does not let a caller set its responderID or producedAt, while
// the responder key lives in PKCS#11 and the hot path wants fragments it can
// precompute. `openssl ocsp` and Python's cryptography check the output in
// tests/interop.
#pragma once

#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "crypto/signer.hpp"

namespace tugra::status {

// What the responder knows of a serial number of its CA.
struct SerialStatus {
  enum class State { good, revoked, never_issued } state = State::never_issued;
  std::int64_t revoked_at = 0;
  int reason = -1;  // CRLReason; certificateHold (6) for a suspension
  bool operator==(const SerialStatus&) const = default;
};
using StatusLookup = std::function<SerialStatus(const std::string& serial_hex)>;

class OcspResponder {
 public:
  OcspResponder(const X509* issuer, const X509* responder_cert, const Signer& key, std::int64_t validity_seconds);

  struct Answer {
    Bytes der;                 // the OCSPResponse
    bool cacheable = false;    // one CertID and no nonce: the same for everyone until next_update
    Bytes cert_id;             // that CertID's DER, the cache key
    std::vector<std::string> serials;  // serials asked about (known to this CA)
    std::int64_t this_update = 0;
    std::int64_t next_update = 0;
  };
  // Answers a DER OCSPRequest; malformed input gets malformedRequest.
  Answer respond(ByteView request, const StatusLookup& lookup, std::int64_t now) const;
  // A signed response for `serial` with a SHA-1 CertID (what most clients ask),
  // for pre-signing; `cert_id` receives the CertID's DER.
  Bytes presign(const std::string& serial_hex, const SerialStatus& status, std::int64_t now, Bytes& cert_id) const;

  // A signed response for one CertID (re-signing a cached response).
  Bytes sign_single(const Bytes& cert_id, const SerialStatus& status, std::int64_t now) const {
    return sign_response({{cert_id, status}}, {}, status.state == SerialStatus::State::never_issued, now);
  }
  std::int64_t validity() const { return validity_; }

  // Whether the request's first CertID names this responder's CA.
  bool serves(ByteView request) const;

  // The CertID (DER) of a request that asks about one certificate without
  // a nonce, i.e. one whose answer can come from a cache; empty otherwise.
  static Bytes cache_key(ByteView request);

  static Bytes error_response(int status);  // 1 malformedRequest, 2 internalError, 3 tryLater, 6 unauthorized
  static constexpr int kMalformedRequest = 1;
  static constexpr int kInternalError = 2;
  static constexpr int kTryLater = 3;
  static constexpr int kUnauthorized = 6;

 private:
  struct IssuerHashes {
    int md_nid;
    Bytes name_hash, key_hash;
  };
  struct Single {
    Bytes cert_id;
    std::optional<SerialStatus> status;  // nullopt: not this CA's (unknown)
  };
  Bytes sign_response(const std::vector<Single>& singles, ByteView nonce_ext_value, bool extended_revoke,
                      std::int64_t now) const;
  // Whether a CertID names this responder's CA (by any hash it knows).
  bool known_issuer(OCSP_CERTID* id) const;

  const Signer& key_;
  std::vector<IssuerHashes> hashes_;
  Bytes responder_key_hash_;
  Bytes responder_cert_der_;
  Bytes archive_cutoff_ext_;
  std::int64_t validity_;
};

}  // namespace tugra::status
