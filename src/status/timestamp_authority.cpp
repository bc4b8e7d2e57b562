#include "status/timestamp_authority.hpp"

#include <openssl/ts.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <vector>

#include "crypto/cms.hpp"
#include "crypto/der.hpp"
#include "crypto/signer.hpp"

namespace tugra::status {
namespace {

// A query that cannot be answered: the failure it earned.
struct Refusal {
  TimestampAuthority::Failure failure;
  const char* text;
};

Bytes concat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (const auto& p : parts) der::append(out, p);
  return out;
}

std::string dotted(const ASN1_OBJECT* object) {
  char buffer[128];
  OBJ_obj2txt(buffer, sizeof buffer, object, 1);
  return buffer;
}

Bytes name_der(const X509_NAME* name) {
  const unsigned char* der = nullptr;
  std::size_t length = 0;
  X509_NAME_get0_der(const_cast<X509_NAME*>(name), &der, &length);
  return Bytes(der, der + length);
}

// GeneralizedTime with as many fraction digits as the accuracy needs and no
// trailing zeros (RFC 3161 §2.4.2: "YYYYMMDDhhmmss[.s...]Z").
Bytes gen_time(std::int64_t micros, std::int64_t accuracy_millis) {
  std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[40];
  std::strftime(text, sizeof text, "%Y%m%d%H%M%S", &tm);
  std::string out = text;
  if (accuracy_millis > 0 && accuracy_millis < 1000) {
    char fraction[8];
    std::snprintf(fraction, sizeof fraction, "%03lld", static_cast<long long>((micros / 1000) % 1000));
    std::string f = fraction;
    while (!f.empty() && f.back() == '0') f.pop_back();
    if (!f.empty()) out += "." + f;
  }
  out += "Z";
  return der::tlv(0x18, as_bytes(out));
}

// Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] INTEGER (1..999) OPTIONAL, ... }
Bytes accuracy(std::int64_t millis) {
  Bytes content;
  if (millis >= 1000) der::append(content, der::integer(millis / 1000));
  if (millis % 1000) {
    Bytes value = der::integer(millis % 1000);
    value[0] = 0x80;  // [0] IMPLICIT INTEGER
    der::append(content, value);
  }
  return der::tlv(0x30, content);
}

// The imprint's hash algorithm, or the refusal of it.
const EVP_MD* imprint_digest(const TS_MSG_IMPRINT* imprint) {
  const X509_ALGOR* algorithm = TS_MSG_IMPRINT_get_algo(const_cast<TS_MSG_IMPRINT*>(imprint));
  const ASN1_OBJECT* object = nullptr;
  X509_ALGOR_get0(&object, nullptr, nullptr, algorithm);
  switch (OBJ_obj2nid(object)) {
    case NID_sha256: return EVP_sha256();
    case NID_sha384: return EVP_sha384();
    case NID_sha512: return EVP_sha512();
    default: return nullptr;  // SHA-1, MD5 and anything unknown
  }
}

}  // namespace

TimestampAuthority::TimestampAuthority(const Signer& key, const X509* certificate, TsaSettings settings,
                                       TsaCounters& counters)
    : key_(key), settings_(std::move(settings)), counters_(counters) {
  certificate_der_ = ossl::der_of(certificate, i2d_X509);
  subject_ = name_der(X509_get_subject_name(certificate));
  issuer_and_serial_ = cms::issuer_and_serial(certificate);
  policy_der_ = der::oid(settings_.policy_oid);
  tst_info_oid_ = der::oid(cms::kIdTstInfo);
  message_digest_oid_ = der::oid(cms::kIdMessageDigest);
  digest_algorithm_ = cms::digest_algorithm(digest_of(key_.scheme()));
  signature_algorithm_ = key_.algorithm_identifier();
  content_type_attribute_ = cms::attribute(der::oid(cms::kIdContentType), tst_info_oid_);
  signing_certificate_attribute_ =
      cms::attribute(der::oid(cms::kIdSigningCertificateV2), cms::signing_certificate_v2(certificate));
}

Bytes TimestampAuthority::rejection(Failure failure, const std::string& text) {
  // failInfo: a BIT STRING with only the failure's bit set, minimally encoded.
  int bit = static_cast<int>(failure);
  Bytes bits(static_cast<std::size_t>(bit / 8 + 1), 0);
  bits.back() = static_cast<std::uint8_t>(0x80 >> (bit % 8));
  Bytes fail_info = concat({Bytes{static_cast<std::uint8_t>(7 - bit % 8)}, bits});
  Bytes status = der::sequence({der::integer(2),  // rejection
                                der::sequence({der::utf8_string(text)}), der::tlv(0x03, fail_info)});
  return der::sequence({status});
}

Bytes TimestampAuthority::respond(ByteView query, std::int64_t now_micros, bool clock_synchronised) {
  auto refuse = [&](Refusal r) {
    counters_.rejected++;
    return rejection(r.failure, r.text);
  };
  const unsigned char* p = query.data();
  std::unique_ptr<TS_REQ, decltype(&TS_REQ_free)> request(d2i_TS_REQ(nullptr, &p, static_cast<long>(query.size())),
                                                          TS_REQ_free);
  if (!request || p != query.data() + query.size()) return refuse({kBadDataFormat, "malformed TimeStampReq"});
  if (TS_REQ_get_version(request.get()) != 1) return refuse({kBadRequest, "version must be 1"});
  TS_MSG_IMPRINT* imprint = TS_REQ_get_msg_imprint(request.get());
  const EVP_MD* md = imprint_digest(imprint);
  if (!md) return refuse({kBadAlg, "hash algorithm not accepted (SHA-256, SHA-384 or SHA-512)"});
  if (ASN1_STRING_length(TS_MSG_IMPRINT_get_msg(imprint)) != EVP_MD_get_size(md))
    return refuse({kBadDataFormat, "hashed message does not match its algorithm"});
  if (const ASN1_OBJECT* policy = TS_REQ_get_policy_id(request.get()); policy && dotted(policy) != settings_.policy_oid)
    return refuse({kUnacceptedPolicy, "policy not supported"});
  if (const auto* extensions = TS_REQ_get_exts(request.get()); extensions && sk_X509_EXTENSION_num(extensions) > 0)
    return refuse({kUnacceptedExtension, "extensions not supported"});
  if (!clock_synchronised) return refuse({kTimeNotAvailable, "the TSA clock is not synchronised"});

  Bytes nonce;
  if (const ASN1_INTEGER* n = TS_REQ_get_nonce(request.get())) nonce = ossl::der_of(n, i2d_ASN1_INTEGER);
  Bytes reply = der::sequence({der::sequence({der::integer(0)}),  // granted
                               token(ossl::der_of(imprint, i2d_TS_MSG_IMPRINT), nonce.empty() ? nullptr : &nonce,
                                     TS_REQ_get_cert_req(request.get()) != 0, now_micros)});
  counters_.granted++;
  return reply;
}

Bytes TimestampAuthority::token(ByteView message_imprint, const Bytes* nonce, bool cert_req,
                                std::int64_t now_micros) const {
  // A serial unique to this TSA: the time in microseconds and 8 random bytes.
  Bytes serial(16);
  for (int i = 0; i < 8; ++i) serial[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(now_micros >> (56 - 8 * i));
  Bytes random = random_bytes(8);
  std::copy(random.begin(), random.end(), serial.begin() + 8);

  Bytes tst_content = concat({der::integer(1), policy_der_, message_imprint, der::unsigned_integer(serial),
                              gen_time(now_micros, settings_.accuracy_millis)});
  if (settings_.accuracy_millis > 0) der::append(tst_content, accuracy(settings_.accuracy_millis));
  if (nonce) der::append(tst_content, *nonce);
  // tsa [0] GeneralName: the directoryName [4] of the TSA certificate's subject.
  der::append(tst_content, der::tlv(0xA0, der::tlv(0xA4, subject_)));
  Bytes tst_info = der::tlv(0x30, tst_content);

  const EVP_MD* md = digest_of(key_.scheme());
  cms::SignerInfoParts signer{issuer_and_serial_, digest_algorithm_,
                              cms::signed_attributes_set({content_type_attribute_,
                                                          cms::attribute(message_digest_oid_,
                                                                         der::octet_string(ossl::digest(md, tst_info))),
                                                          signing_certificate_attribute_}),
                              {}};
  Bytes signature = key_.sign(signer.signed_attributes);
  cms::SignedDataParts signed_data{digest_algorithm_, tst_info_oid_, &tst_info, {}, {}, {}};
  if (cert_req) signed_data.certificates.push_back(certificate_der_);
  signed_data.signer_infos.push_back(cms::signer_info(signer, signature_algorithm_, signature));
  return cms::signed_data(signed_data);
}

}  // namespace tugra::status
