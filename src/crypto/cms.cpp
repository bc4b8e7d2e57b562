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
  Bytes attributes = parts.signed_attributes;
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

namespace {

// ContentInfo -> the SignedData's elements, each whole.
std::vector<der::Element> signed_data_elements(ByteView content_info) {
  der::Reader outer(der::Reader(content_info).next(0x30).content);
  outer.next(0x06);
  der::Reader body(der::Reader(outer.next(0xA0).content).next(0x30).content);
  std::vector<der::Element> out;
  while (!body.at_end()) out.push_back(body.next());
  return out;
}

std::vector<Bytes> items_of(ByteView content) {
  std::vector<Bytes> out;
  der::Reader r(content);
  while (!r.at_end()) {
    auto e = r.next();
    out.emplace_back(e.whole.begin(), e.whole.end());
  }
  return out;
}

}  // namespace

Bytes add_unsigned_attribute(ByteView content_info, ByteView attribute) {
  static const Bytes signed_data_oid = der::oid(kIdSignedData);
  auto elements = signed_data_elements(content_info);
  if (elements.empty() || elements.back().tag != 0x31) throw std::runtime_error("SignedData: no signerInfos");
  std::vector<Bytes> signers = items_of(elements.back().content);
  if (signers.size() != 1) throw std::runtime_error("SignedData: not one signer");
  // The signer's fields, its unsigned attributes (if any) joined by the new one.
  std::vector<Bytes> fields = items_of(der::Reader(signers[0]).next(0x30).content);
  std::vector<Bytes> attributes{Bytes(attribute.begin(), attribute.end())};
  if (!fields.empty() && fields.back()[0] == 0xA1) {
    for (auto& a : items_of(der::Reader(fields.back()).next(0xA1).content)) attributes.push_back(std::move(a));
    fields.pop_back();
  }
  Bytes unsigned_set = der::set_of(attributes);
  unsigned_set[0] = 0xA1;
  Bytes signer;
  for (const auto& f : fields) der::append(signer, f);
  der::append(signer, unsigned_set);
  Bytes body;
  for (std::size_t i = 0; i + 1 < elements.size(); ++i) der::append(body, elements[i].whole);
  der::append(body, der::tlv(0x31, der::tlv(0x30, signer)));
  return der::sequence({signed_data_oid, der::tlv(0xA0, der::tlv(0x30, body))});
}

SignedDataFields signed_data_fields(ByteView content_info, std::size_t index) {
  SignedDataFields out;
  auto elements = signed_data_elements(content_info);
  for (const auto& e : elements) {
    if (e.tag == 0x30 && out.econtent_type.empty()) {  // encapContentInfo
      auto type = der::Reader(e.content).next(0x06);
      out.econtent_type.assign(type.whole.begin(), type.whole.end());
    } else if (e.tag == 0xA0) {
      out.certificates = items_of(e.content);
    } else if (e.tag == 0xA1) {
      out.revocation = items_of(e.content);
    }
  }
  std::vector<Bytes> signers = items_of(elements.back().content);
  if (index >= signers.size()) throw std::runtime_error("SignedData: no such signer");
  for (auto& f : items_of(der::Reader(signers[index]).next(0x30).content)) {
    if (f[0] == 0xA1) out.unsigned_attributes = items_of(der::Reader(f).next(0xA1).content);
    else der::append(out.signer_fields, f);
  }
  return out;
}

Bytes ocsp_revocation_choice(ByteView ocsp_response) {
  // [1] IMPLICIT OtherRevocationInfoFormat { otherRevInfoFormat, otherRevInfo }
  Bytes content = der::oid(kIdOcspRevocationInfo);
  der::append(content, ocsp_response);
  return der::tlv(0xA1, content);
}

}  // namespace tugra::cms
