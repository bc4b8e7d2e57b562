// Steps shared by the key ceremonies of a home (ca/hierarchy.cpp,
// ca/rollover.cpp): which key goes where, generating it in its duty's token,
// recording the authority, and writing a PKCS#10 request for a token key.
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/bytes.hpp"
#include "common/config.hpp"
#include "crypto/duty_token.hpp"
#include "crypto/openssl.hpp"
#include "crypto/signer.hpp"
#include "store/ledger.hpp"

namespace tugra {
class Token;
}

namespace tugra::ca {

// One key of the hierarchy: its authority id and kind, its label in the
// token of its duty, and its algorithm.
struct KeyPlan {
  std::string id;
  std::string kind;
  std::string label;
  std::string algorithm;
  Duty duty;
};

KeyPlan root_plan(const Config& c);
KeyPlan issuing_plan(const Config& c, int generation);  // "nes" (1), "nes-2", …
KeyPlan responder_plan(const Config& c);                 // the first generation's responder
KeyPlan tsa_plan(const Config& c);                      // the first generation's time-stamping unit
KeyPlan audit_plan();

struct Key {
  Bytes spki;
  bool reused = false;  // left by a ceremony that crashed before recording anything
};

// The plan's key in `token`: generated, or reused when a crashed ceremony left it.
Key make_key(Token& token, const KeyPlan& plan);
std::unique_ptr<Signer> signer_of(Token& token, const KeyPlan& plan);
std::string serial_of(const X509* cert);

// The authority's record and its audit lines; inside the caller's write.
// `key_here` false: the key is not in this home (an offline root).
void record_authority(store::Ledger& ledger, const KeyPlan& plan, const Key& key, const X509* cert, std::int64_t now,
                      bool key_here = true);

// The audit key's public half to audit.public_key_file (readable by others:
// it is public), for `tugra audit verify --offline`.
void write_audit_public_key(const Config& config, const Key& audit_key);

// A certificate from a file (PEM or DER); UserError naming `what` when it is none.
ossl::Cert parse_certificate(const std::string& pem_or_der, const char* what);

// Refuses an issuing CA certificate that is not for the recorded key
// (`public_key`, base64 SPKI) or not signed by `root`.
void check_issuing_certificate(const X509* cert, const std::string& public_key, const X509* root);

// A PKCS#10 request (PEM) for `key`, signed by `signer` in its token.
std::string certification_request(const ossl::Name& subject, const ossl::PublicKey& key, const Signer& signer);

}  // namespace tugra::ca
