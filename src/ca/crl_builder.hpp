// Builds a signed X.509 v2 CRL (RFC 5280 §5).
//
// The revoked-certificate list is written with crypto/der rather than as
// OpenSSL X509_REVOKED objects: one object per entry costs hundreds of bytes
// and a sort, which is why `openssl ca -gencrl` needs ~600 MB for a million
// entries. The header's pieces (issuer name, extensions) come from OpenSSL;
// the result is checked by `openssl crl` and Python's cryptography in tests.
#pragma once

#include <openssl/x509.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "ca/revoked_list.hpp"
#include "crypto/signer.hpp"

namespace tugra::ca {

struct CrlEntry {
  std::string serial;  // upper-case hex
  std::int64_t revoked_at;
  int reason;  // RFC 5280 CRLReason; 0 (unspecified) is written as no reasonCode, as §5.3.1 asks;
               // 8 (removeFromCRL) in a delta CRL: a suspension lifted since the base
};

struct CrlParams {
  std::int64_t number;
  std::int64_t this_update;
  std::int64_t next_update;
  // Revoked certificates stay listed after they expire; the CRL says so with
  // ExpiredCertsOnCRL (X.509 2019) from this date.
  std::int64_t expired_certs_on_crl_since;
  // A delta CRL (RFC 5280 §5.2.4): the number of its base full CRL, written
  // as the critical DeltaCRLIndicator; 0 for a full CRL.
  std::int64_t delta_base = 0;
  // A full CRL: where its delta CRLs are (FreshestCRL, §5.2.6); empty: none.
  std::string freshest_crl_url;
};

// A signed CRL as the pieces it is written from. The middle one is the
// caller's revoked list itself: the ca role streams the pieces into the
// database, so a CRL of a million entries is never copied whole in memory.
struct SignedCrl {
  Bytes prefix;    // CertificateList and TBSCertList headers, version to nextUpdate, the list's header
  ByteView list;   // the revoked entries: points into the RevokedList signed
  Bytes suffix;    // crlExtensions, signatureAlgorithm, signature
  std::array<ByteView, 3> pieces() const { return {ByteView(prefix), list, ByteView(suffix)}; }
  std::size_t size() const;
  Bytes joined() const;  // the CRL's DER in one buffer
};

SignedCrl sign_crl(const Signer& signer, const X509* issuer, const CrlParams& params, const RevokedList& revoked);

// The entries are listed by serial number, each once.
Bytes build_crl(const Signer& signer, const X509* issuer, const CrlParams& params, const std::vector<CrlEntry>& entries);
// With the entries already encoded.
Bytes build_crl(const Signer& signer, const X509* issuer, const CrlParams& params, const RevokedList& revoked);

}  // namespace tugra::ca
