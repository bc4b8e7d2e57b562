#include "crypto/cms.hpp"

#include <openssl/objects.h>

#include "crypto/der.hpp"
#include "crypto/openssl.hpp"
#include "crypto/signer.hpp"

namespace tugra::cms {
namespace {

Bytes name_der(const X509_NAME* name) {
  const unsigned char* der = nullptr;
  std::size_t length = 0;
  X509_NAME_get0_der(const_cast<X509_NAME*>(name), &der, &length);
  return Bytes(der, der + length);
}

Bytes serial_der(const X509* certificate) { return ossl::der_of(X509_get0_serialNumber(certificate), i2d_ASN1_INTEGER); }

}  // namespace

Bytes attribute(ByteView type_oid_der, ByteView value) {
  return der::sequence({Bytes(type_oid_der.begin(), type_oid_der.end()), der::set_of({Bytes(value.begin(), value.end())})});
}

Bytes issuer_and_serial(const X509* certificate) {
  return der::sequence({name_der(X509_get_issuer_name(certificate)), serial_der(certificate)});
}

Bytes signing_certificate_v2(const X509* certificate) {
  // SigningCertificateV2 { certs SEQUENCE OF ESSCertIDv2 { certHash, issuerSerial { [4] issuer, serial } } }
  Bytes cert_hash = ossl::digest(EVP_sha256(), ossl::to_der(certificate));
  Bytes issuer_serial = der::sequence(
      {der::sequence({der::tlv(0xA4, name_der(X509_get_issuer_name(certificate)))}), serial_der(certificate)});
  return der::sequence({der::sequence({der::sequence({der::octet_string(cert_hash), issuer_serial})})});
}

Bytes digest_algorithm(const EVP_MD* md) {
  char text[64];
  OBJ_obj2txt(text, sizeof text, OBJ_nid2obj(EVP_MD_get_type(md)), 1);
  return der::sequence({der::oid(text)});
}

Bytes signed_attributes_set(const std::vector<Bytes>& attributes) { return der::set_of(attributes); }

Bytes signer_info(const SignerInfoParts& parts, ByteView signature_algorithm, ByteView signature) {
  Bytes attributes = signed_attributes_set(parts.signed_attributes);
  attributes[0] = 0xA0;  // signed as a SET, carried as [0] IMPLICIT
  Bytes content;
  der::append(content, der::integer(1));
  der::append(content, parts.sid);
  der::append(content, parts.digest_algorithm);
  der::append(content, attributes);
  der::append(content, signature_algorithm);
  der::append(content, der::octet_string(signature));
  if (!parts.unsigned_attributes.empty()) {
    Bytes unsigned_set = der::set_of(parts.unsigned_attributes);
    unsigned_set[0] = 0xA1;
    der::append(content, unsigned_set);
  }
  return der::tlv(0x30, content);
}

Bytes signed_data(const SignedDataParts& parts) {
  Bytes content;
  // Version 1 is enough for id-data; any other content type needs 3
  // (RFC 5652 §5.1). OCSP choices ([1] other formats) need 5.
  bool other_revocation = false;
  for (const auto& r : parts.revocation) other_revocation |= !r.empty() && r[0] == 0xA1;
  static const Bytes data_oid = der::oid(kIdData), signed_data_oid = der::oid(kIdSignedData);
  int version = other_revocation ? 5 : (parts.econtent_type == data_oid ? 1 : 3);
  der::append(content, der::integer(version));
  der::append(content, der::set_of({parts.digest_algorithm}));
  Bytes encapsulated = parts.econtent_type;
  if (parts.econtent) der::append(encapsulated, der::tlv(0xA0, der::octet_string(*parts.econtent)));
  der::append(content, der::tlv(0x30, encapsulated));
  if (!parts.certificates.empty()) {
    Bytes certificates = der::set_of(parts.certificates);
    certificates[0] = 0xA0;
    der::append(content, certificates);
  }
  if (!parts.revocation.empty()) {
    Bytes revocation = der::set_of(parts.revocation);
    revocation[0] = 0xA1;
    der::append(content, revocation);
  }
  der::append(content, der::set_of(parts.signer_infos));
  return der::sequence({signed_data_oid, der::tlv(0xA0, der::tlv(0x30, content))});
}

Bytes ocsp_revocation_choice(ByteView ocsp_response) {
  // [1] IMPLICIT OtherRevocationInfoFormat { otherRevInfoFormat, otherRevInfo }
  Bytes content = der::oid(kIdOcspRevocationInfo);
  der::append(content, ocsp_response);
  return der::tlv(0xA1, content);
}

}  // namespace tugra::cms
