#include "ca/crl_builder.hpp"

#include <openssl/x509v3.h>

#include "crypto/der.hpp"
#include "crypto/openssl.hpp"

namespace tugra::ca {
namespace {

Bytes issuer_name(const X509* issuer) {
  unsigned char* buf = nullptr;
  int len = i2d_X509_NAME(X509_get_subject_name(issuer), &buf);
  if (len <= 0) throw ossl::Error("i2d_X509_NAME");
  Bytes out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

Bytes authority_key_identifier(const X509* issuer) {
  // X509_get0_subject_key_id takes a non-const X509 only to fill its cache.
  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(const_cast<X509*>(issuer));
  if (!ski) throw ossl::Error("issuer has no subject key identifier");
  // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING }
  return der::tlv(0x30, der::tlv(0x80, ByteView(ASN1_STRING_get0_data(ski), static_cast<std::size_t>(ASN1_STRING_length(ski)))));
}

}  // namespace

Bytes build_crl(const Signer& signer, const X509* issuer, const CrlParams& p, const std::vector<CrlEntry>& entries) {
  // Entries first, so the list's length is known; reasons are encoded once.
  Bytes revoked;
  revoked.reserve(entries.size() * 48);
  Bytes reason_ext[11];
  static const Bytes reason_code = der::oid("2.5.29.21"), aki = der::oid("2.5.29.35"),
                     crl_number = der::oid("2.5.29.20"), expired_certs_on_crl = der::oid("2.5.29.60"),
                     delta_indicator = der::oid("2.5.29.27"), freshest_crl = der::oid("2.5.29.46");
  for (int r = 1; r <= 10; ++r) reason_ext[r] = der::tlv(0x30, der::extension(reason_code, false, der::enumerated(r)));
  for (const auto& e : entries) {
    Bytes entry = der::unsigned_integer(hex_decode(e.serial));
    der::append(entry, der::time(e.revoked_at));
    if (e.reason > 0 && e.reason <= 10) der::append(entry, reason_ext[e.reason]);
    der::append(revoked, der::tlv(0x30, entry));
  }

  Bytes extensions = der::extension(aki, false, authority_key_identifier(issuer));
  der::append(extensions, der::extension(crl_number, false, der::integer(p.number)));
  der::append(extensions, der::extension(expired_certs_on_crl, false, der::generalized_time(p.expired_certs_on_crl_since)));
  if (p.delta_base > 0) der::append(extensions, der::extension(delta_indicator, true, der::integer(p.delta_base)));
  if (!p.freshest_crl_url.empty()) {
    // CRLDistributionPoints syntax: SEQUENCE { DistributionPoint { [0] { [0] fullName { [6] URI } } } }
    Bytes uri = der::tlv(0x86, as_bytes(p.freshest_crl_url));
    der::append(extensions, der::extension(freshest_crl, false,
                                           der::tlv(0x30, der::tlv(0x30, der::tlv(0xA0, der::tlv(0xA0, uri))))));
  }

  Bytes tbs = der::integer(1);  // v2
  der::append(tbs, signer.algorithm_identifier());
  der::append(tbs, issuer_name(issuer));
  der::append(tbs, der::time(p.this_update));
  der::append(tbs, der::time(p.next_update));
  if (!entries.empty()) der::append(tbs, der::tlv(0x30, revoked));
  der::append(tbs, der::tlv(0xA0, der::tlv(0x30, extensions)));
  revoked.clear();
  revoked.shrink_to_fit();
  Bytes tbs_der = der::tlv(0x30, tbs);
  tbs.clear();
  tbs.shrink_to_fit();

  Bytes signature = signer.sign(tbs_der);
  Bytes crl = std::move(tbs_der);
  der::append(crl, signer.algorithm_identifier());
  der::append(crl, der::bit_string(signature));
  return der::tlv(0x30, crl);
}

}  // namespace tugra::ca
