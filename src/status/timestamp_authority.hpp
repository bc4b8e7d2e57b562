// The RFC 3161 time-stamping authority of the status role: a
// TimeStampReq in, a TimeStampResp out, signed with the TSA key (its own
// token, the `tsa` duty) as a CMS SignedData over a TSTInfo (RFC 3161 §2.4,
// ESS signingCertificateV2 per RFC 5816).
//
// OpenSSL parses the request (its TS_REQ type); the response is written
// here with the DER writer because OpenSSL's TS_RESP_CTX signs only with an
// EVP_PKEY in memory, and this key stays in its PKCS#11 token.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "common/bytes.hpp"
#include "crypto/openssl.hpp"

namespace tugra {
class Signer;
}

namespace tugra::status {

struct TsaSettings {
  std::string policy_oid;            // tsa.policy_oid
  std::int64_t accuracy_millis = 0;  // tsa.accuracy_millis
};

struct TsaCounters {
  std::atomic<std::uint64_t> granted{0};
  std::atomic<std::uint64_t> rejected{0};
};

class TimestampAuthority {
 public:
  // `certificate` is the TSA certificate `key` belongs to (kept by the
  // caller); every answer is counted in `counters`.
  TimestampAuthority(const Signer& key, const X509* certificate, TsaSettings settings, TsaCounters& counters);

  // PKIFailureInfo bits (RFC 3161 §2.4.2) a refusal names.
  enum Failure { kBadAlg = 0, kBadRequest = 2, kBadDataFormat = 5, kTimeNotAvailable = 14, kUnacceptedPolicy = 15,
                 kUnacceptedExtension = 16, kSystemFailure = 25 };

  // A granted reply, or a rejection with the failure the query earned.
  // `clock_synchronised` false: every query is refused (timeNotAvailable).
  Bytes respond(ByteView query, std::int64_t now_micros, bool clock_synchronised);
  static Bytes rejection(Failure failure, const std::string& text);

 private:
  Bytes token(ByteView message_imprint, const Bytes* nonce, bool cert_req, std::int64_t now_micros) const;

  const Signer& key_;
  Bytes certificate_der_;
  Bytes issuer_and_serial_;  // the SignerInfo's sid
  Bytes subject_;            // the TSA's name, for TSTInfo.tsa
  Bytes policy_der_;
  // The parts of every reply that never change, encoded once: OpenSSL's
  // text-to-OID parsing would otherwise run several times per timestamp.
  Bytes content_type_attribute_, signing_certificate_attribute_, message_digest_oid_;
  Bytes digest_algorithm_, signature_algorithm_, tst_info_oid_;
  TsaSettings settings_;
  TsaCounters& counters_;
};

}  // namespace tugra::status
