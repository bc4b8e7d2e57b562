#include "ca/crl_builder.hpp"

#include <openssl/x509v3.h>

#include "crypto/algorithm.hpp"
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

// A TLV's tag and length octets, for content written separately.
Bytes header(std::uint8_t tag, std::size_t length) {
  Bytes out{tag};
  if (length < 0x80) {
    out.push_back(static_cast<std::uint8_t>(length));
    return out;
  }
  Bytes octets;
  for (std::size_t n = length; n; n >>= 8) octets.insert(octets.begin(), static_cast<std::uint8_t>(n & 0xff));
  out.push_back(static_cast<std::uint8_t>(0x80 | octets.size()));
  der::append(out, octets);
  return out;
}

}  // namespace

Bytes build_crl(const Signer& signer, const X509* issuer, const CrlParams& p, const std::vector<CrlEntry>& entries) {
  return build_crl(signer, issuer, p, RevokedList(entries));
}

SignedCrl sign_crl(const Signer& signer, const X509* issuer, const CrlParams& p, const RevokedList& revoked) {
  static const Bytes aki = der::oid("2.5.29.35"), crl_number = der::oid("2.5.29.20"),
                     expired_certs_on_crl = der::oid("2.5.29.60"), delta_indicator = der::oid("2.5.29.27"),
                     freshest_crl = der::oid("2.5.29.46");
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

  // TBSCertList in pieces: the small ones, the entries (kept by the caller,
  // never copied) and the extensions.
  Bytes head = der::integer(1);  // v2
  der::append(head, signer.algorithm_identifier());
  der::append(head, issuer_name(issuer));
  der::append(head, der::time(p.this_update));
  der::append(head, der::time(p.next_update));
  Bytes list_header = revoked.size() ? header(0x30, revoked.der().size()) : Bytes{};
  Bytes tail = der::tlv(0xA0, der::tlv(0x30, extensions));
  std::size_t content = head.size() + list_header.size() + revoked.der().size() + tail.size();
  Bytes tbs_header = header(0x30, content);

  // The signature over a digest fed piece by piece.
  ossl::MdCtx md(EVP_MD_CTX_new());
  if (!md || EVP_DigestInit_ex(md.get(), digest_of(signer.scheme()), nullptr) != 1) throw ossl::Error("EVP_DigestInit_ex");
  for (ByteView piece : {ByteView(tbs_header), ByteView(head), ByteView(list_header), revoked.der(), ByteView(tail)})
    if (EVP_DigestUpdate(md.get(), piece.data(), piece.size()) != 1) throw ossl::Error("EVP_DigestUpdate");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  if (EVP_DigestFinal_ex(md.get(), digest, &digest_length) != 1) throw ossl::Error("EVP_DigestFinal_ex");
  Bytes signature = der::bit_string(signer.sign_digest(ByteView(digest, digest_length)));

  // CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signature }
  const Bytes& algorithm = signer.algorithm_identifier();
  std::size_t tbs_size = tbs_header.size() + content;
  SignedCrl out;
  out.prefix = header(0x30, tbs_size + algorithm.size() + signature.size());
  for (const Bytes* piece : {&tbs_header, &head, &list_header}) der::append(out.prefix, *piece);
  out.list = revoked.der();
  out.suffix = std::move(tail);
  der::append(out.suffix, algorithm);
  der::append(out.suffix, signature);
  return out;
}

std::size_t SignedCrl::size() const { return prefix.size() + list.size() + suffix.size(); }

Bytes SignedCrl::joined() const {
  Bytes out;
  out.reserve(size());
  for (ByteView piece : pieces()) der::append(out, piece);
  return out;
}

Bytes build_crl(const Signer& signer, const X509* issuer, const CrlParams& p, const RevokedList& revoked) {
  return sign_crl(signer, issuer, p, revoked).joined();
}

}  // namespace tugra::ca
