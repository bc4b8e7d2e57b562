// Renewing the OCSP responder's key and certificate (and, the same way, the
// time-stamping unit's, whose key is in the TSA token). The status role holds
// the responder key and the ca role the issuing key, so a renewal crosses the
// zones through the database: the status side generates a new key in the
// status token and queues its public half (store::SigningRequest); the ca
// role certifies it (CertificateAuthority::certify_pending_requests); the
// status service sees the new certificate and signs with the new key.
//
// Timing: renewal starts once less than a third of the certificate's life is
// left (with ca.ocsp_years = 2, about eight months before its end); an
// expired responder certificate never signs (the status service answers
// tryLater until a new one is in place).
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <string>

#include "common/config.hpp"

namespace tugra::store {
class Database;
}

namespace tugra::status {

// Less than a third of the certificate's validity is left at `now`.
bool responder_renewal_due(const X509* responder_cert, std::int64_t now);

// Generates a new responder key in the status token for the responder of
// `issuing_id` ("nes": "nes-ocsp"; also the first key of a new generation's
// responder) and queues it for the ca role; when a request is already
// pending, returns that one's id instead. `seen` is the responder
// certificate (base64, as stored; empty: none) the caller decided on: when
// the stored one is no longer that, another process renewed it meanwhile,
// and nothing is done (returns 0).
std::int64_t request_responder_renewal(const Config& config, store::Database& db, const std::string& issuing_id,
                                       const std::string& seen);
// The stored certificate of `issuing_id`'s responder (base64; empty: none yet).
std::string stored_responder_certificate(store::Database& db, const std::string& issuing_id);

// The same for any key another role certifies: `authority_id` is an issuing
// CA's responder ("nes-ocsp") or time-stamping unit ("nes-tsa"); the new key
// goes into that duty's token. `seen` as above (the stored certificate).
std::int64_t request_certificate_renewal(const Config& config, store::Database& db, const std::string& authority_id,
                                         const std::string& seen);
std::string stored_certificate(store::Database& db, const std::string& authority_id);

}  // namespace tugra::status
