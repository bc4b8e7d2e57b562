#include "ca/certificate_builder.hpp"

#include <openssl/x509v3.h>

#include "crypto/der.hpp"

namespace tugra::ca {

CertificateBuilder::CertificateBuilder() : cert_(X509_new()) {
  if (!cert_ || X509_set_version(cert_.get(), X509_VERSION_3) != 1) throw ossl::Error("X509_new");
}

CertificateBuilder& CertificateBuilder::serial(ByteView big_endian) {
  ossl::Ptr<BIGNUM, BN_free> bn(BN_bin2bn(big_endian.data(), static_cast<int>(big_endian.size()), nullptr));
  ossl::Ptr<ASN1_INTEGER, ASN1_INTEGER_free> serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!serial || X509_set_serialNumber(cert_.get(), serial.get()) != 1) throw ossl::Error("serial");
  return *this;
}

CertificateBuilder& CertificateBuilder::validity(std::int64_t not_before, std::int64_t not_after) {
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after; ASN1_TIME_set picks.
  if (!ASN1_TIME_set(X509_getm_notBefore(cert_.get()), static_cast<time_t>(not_before)) ||
      !ASN1_TIME_set(X509_getm_notAfter(cert_.get()), static_cast<time_t>(not_after)))
    throw ossl::Error("validity");
  return *this;
}

CertificateBuilder& CertificateBuilder::subject(const X509_NAME* name) {
  if (X509_set_subject_name(cert_.get(), name) != 1) throw ossl::Error("subject");
  if (!issuer_ && X509_set_issuer_name(cert_.get(), name) != 1) throw ossl::Error("issuer");
  return *this;
}

CertificateBuilder& CertificateBuilder::issuer(const X509* issuer_cert) {
  issuer_ = issuer_cert;
  const X509_NAME* name = issuer_cert ? X509_get_subject_name(issuer_cert) : X509_get_subject_name(cert_.get());
  if (X509_set_issuer_name(cert_.get(), name) != 1) throw ossl::Error("issuer");
  return *this;
}

CertificateBuilder& CertificateBuilder::public_key(const ossl::PublicKey& key) {
  // Sets the SubjectPublicKeyInfo fields as parsed; X509_set_pubkey() would
  // re-encode the key through OpenSSL's encoder framework.
  const ASN1_OBJECT* algorithm = nullptr;
  int param_type = 0;
  const void* param = nullptr;
  X509_ALGOR_get0(&algorithm, &param_type, &param, key.algorithm());
  void* param_copy = nullptr;
  if (param_type == V_ASN1_OBJECT)
    param_copy = OBJ_dup(static_cast<const ASN1_OBJECT*>(param));
  else if (param_type == V_ASN1_SEQUENCE)
    param_copy = ASN1_STRING_dup(static_cast<const ASN1_STRING*>(param));
  const ASN1_BIT_STRING* bits = key.bits();
  int bits_len = ASN1_STRING_length(bits);
  auto* bits_copy = static_cast<unsigned char*>(OPENSSL_memdup(ASN1_STRING_get0_data(bits), static_cast<std::size_t>(bits_len)));
  if (X509_PUBKEY_set0_param(X509_get_X509_PUBKEY(cert_.get()), OBJ_dup(algorithm), param_type, param_copy,
                             bits_copy, bits_len) != 1)
    throw ossl::Error("X509_PUBKEY_set0_param");
  return *this;
}

CertificateBuilder& CertificateBuilder::extension(int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, const_cast<X509*>(issuer_ ? issuer_ : cert_.get()), cert_.get(), nullptr, nullptr, 0);
  ossl::Ptr<X509_EXTENSION, X509_EXTENSION_free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert_.get(), ext.get(), -1) != 1)
    throw ossl::Error(std::string("extension ") + OBJ_nid2sn(nid) + "=" + value);
  return *this;
}

CertificateBuilder& CertificateBuilder::add_extension(const X509_EXTENSION* ext) {
  if (X509_add_ext(cert_.get(), const_cast<X509_EXTENSION*>(ext), -1) != 1) throw ossl::Error("X509_add_ext");
  return *this;
}

CertificateBuilder& CertificateBuilder::extension_der(const char* oid, ByteView value, bool critical) {
  ossl::Ptr<ASN1_OBJECT, ASN1_OBJECT_free> obj(OBJ_txt2obj(oid, 1));
  ossl::Ptr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free> data(ASN1_OCTET_STRING_new());
  if (!obj || !data || ASN1_OCTET_STRING_set(data.get(), value.data(), static_cast<int>(value.size())) != 1)
    throw ossl::Error("extension value");
  ossl::Ptr<X509_EXTENSION, X509_EXTENSION_free> ext(
      X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), critical ? 1 : 0, data.get()));
  if (!ext || X509_add_ext(cert_.get(), ext.get(), -1) != 1) throw ossl::Error(std::string("extension ") + oid);
  return *this;
}

CertificateBuilder& CertificateBuilder::extension_object(int nid, void* value, bool critical) {
  if (X509_add1_ext_i2d(cert_.get(), nid, value, critical ? 1 : 0, X509V3_ADD_APPEND) != 1)
    throw ossl::Error(std::string("extension ") + OBJ_nid2sn(nid));
  return *this;
}

Bytes CertificateBuilder::tbs(SignatureScheme scheme) {
  Bytes alg_der = algorithm_identifier(scheme);
  const unsigned char* p = alg_der.data();
  ossl::Algor alg(d2i_X509_ALGOR(nullptr, &p, static_cast<long>(alg_der.size())));
  // OpenSSL exposes the TBS signature field only as const; setting it in place
  // is the documented way to sign a certificate outside OpenSSL's EVP keys.
  auto* tbs_alg = const_cast<X509_ALGOR*>(X509_get0_tbs_sigalg(cert_.get()));
  if (!alg || X509_ALGOR_copy(tbs_alg, alg.get()) != 1) throw ossl::Error("signature algorithm");
  unsigned char* buf = nullptr;
  int len = i2d_re_X509_tbs(cert_.get(), &buf);
  if (len <= 0) throw ossl::Error("i2d_re_X509_tbs");
  Bytes out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

Bytes assemble_certificate(ByteView tbs, const Signer& signer) {
  Bytes signature = signer.sign(tbs);
  Bytes content(tbs.begin(), tbs.end());
  Bytes alg = signer.algorithm_identifier();
  Bytes sig = der::bit_string(signature);
  content.insert(content.end(), alg.begin(), alg.end());
  content.insert(content.end(), sig.begin(), sig.end());
  return der::tlv(0x30, content);
}

ossl::Name make_name(std::initializer_list<std::pair<int, std::string>> entries) {
  ossl::Name name(X509_NAME_new());
  for (const auto& [nid, value] : entries) {
    if (X509_NAME_add_entry_by_NID(name.get(), nid, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1)
      throw ossl::Error(std::string("name entry ") + OBJ_nid2sn(nid));
  }
  return name;
}

}  // namespace tugra::ca
