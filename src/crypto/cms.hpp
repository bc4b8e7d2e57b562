// CMS SignedData (RFC 5652) written with the DER writer, for the two places
// that sign one: the TSA's timestamp tokens and CAdES signatures. OpenSSL's
// CMS_sign wants an EVP_PKEY in memory; these keys stay in their PKCS#11
// token (or on the holder's card), so only the Signer's sign_digest is used.
#pragma once

#include <openssl/x509.h>

#include <vector>

#include "common/bytes.hpp"

namespace tugra {
class Signer;
}

namespace tugra::cms {

// Object identifiers used by both writers (dotted text).
inline constexpr const char* kIdData = "1.2.840.113549.1.7.1";
inline constexpr const char* kIdSignedData = "1.2.840.113549.1.7.2";
inline constexpr const char* kIdContentType = "1.2.840.113549.1.9.3";
inline constexpr const char* kIdMessageDigest = "1.2.840.113549.1.9.4";
inline constexpr const char* kIdSigningTime = "1.2.840.113549.1.9.5";
inline constexpr const char* kIdSigningCertificateV2 = "1.2.840.113549.1.9.16.2.47";
inline constexpr const char* kIdSignatureTimeStamp = "1.2.840.113549.1.9.16.2.14";
inline constexpr const char* kIdSignaturePolicy = "1.2.840.113549.1.9.16.2.15";
inline constexpr const char* kIdTstInfo = "1.2.840.113549.1.9.16.1.4";
inline constexpr const char* kIdOcspRevocationInfo = "1.3.6.1.5.5.7.16.2";  // RFC 5940

// Attribute ::= SEQUENCE { attrType OBJECT IDENTIFIER, attrValues SET OF value }
Bytes attribute(ByteView type_oid_der, ByteView value);
// IssuerAndSerialNumber of `certificate` (a SignerInfo's sid).
Bytes issuer_and_serial(const X509* certificate);
// SigningCertificateV2 naming `certificate` (RFC 5035; SHA-256, the default).
Bytes signing_certificate_v2(const X509* certificate);
// AlgorithmIdentifier of a digest (parameters absent).
Bytes digest_algorithm(const EVP_MD* md);

// The DER SET of signed attributes (each an Attribute), as it is signed (tag 0x31).
Bytes signed_attributes_set(const std::vector<Bytes>& attributes);

// A SignerInfo (version 1, sid IssuerAndSerialNumber): `signed_attributes`
// is the SET the signature was made over, encoded once by the caller.
struct SignerInfoParts {
  Bytes sid;
  Bytes digest_algorithm;
  Bytes signed_attributes;
  std::vector<Bytes> unsigned_attributes;
};
Bytes signer_info(const SignerInfoParts& parts, ByteView signature_algorithm, ByteView signature);

// ContentInfo { id-signedData, SignedData }. `econtent` null: detached.
// `certificates` are DER Certificates; `revocation` are RevocationInfoChoice
// encodings (a CertificateList, or [1] OtherRevocationInfoFormat).
struct SignedDataParts {
  Bytes digest_algorithm;
  Bytes econtent_type;  // DER OID
  const Bytes* econtent = nullptr;
  std::vector<Bytes> certificates;
  std::vector<Bytes> revocation;
  std::vector<Bytes> signer_infos;
};
Bytes signed_data(const SignedDataParts& parts);

// `content_info` (a SignedData with one signer, e.g. a timestamp token) with
// `attribute` added to that signer's unsigned attributes.
Bytes add_unsigned_attribute(ByteView content_info, ByteView attribute);

// The parts of a SignedData (DER, as encoded) that archive timestamps cover.
struct SignedDataFields {
  Bytes econtent_type;            // the OID
  std::vector<Bytes> certificates;  // each CertificateChoices
  std::vector<Bytes> revocation;    // each RevocationInfoChoice
  // Of signer `index`: version, sid, digestAlgorithm, [0] signedAttrs,
  // signatureAlgorithm and signature, concatenated; and each unsigned Attribute.
  Bytes signer_fields;
  std::vector<Bytes> unsigned_attributes;
};
SignedDataFields signed_data_fields(ByteView content_info, std::size_t index = 0);

// RevocationInfoChoice for an OCSPResponse (RFC 5940 §3).
Bytes ocsp_revocation_choice(ByteView ocsp_response);

}  // namespace tugra::cms
