#include "status/ocsp_responder.hpp"

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "crypto/der.hpp"
#include "crypto/openssl.hpp"

namespace tugra::status {
namespace {

constexpr std::size_t kMaxCertIds = 20;

// The extension OIDs, encoded once.
const Bytes& nonce_oid() {
  static const Bytes oid = der::oid("1.3.6.1.5.5.7.48.1.2");
  return oid;
}
const Bytes& extended_revoke_oid() {
  static const Bytes oid = der::oid("1.3.6.1.5.5.7.48.1.9");
  return oid;
}

Bytes asn1_bytes(const ASN1_STRING* s) {
  return Bytes(ASN1_STRING_get0_data(s), ASN1_STRING_get0_data(s) + ASN1_STRING_length(s));
}

Bytes cert_status(const SerialStatus& s) {
  switch (s.state) {
    case SerialStatus::State::good: return {0x80, 0x00};
    case SerialStatus::State::revoked: {
      Bytes revoked = der::generalized_time(s.revoked_at);
      if (s.reason > 0) der::append(revoked, der::tlv(0xA0, der::enumerated(s.reason)));
      return der::tlv(0xA1, revoked);
    }
    case SerialStatus::State::never_issued: {
      // RFC 6960 §2.2: "revoked", certificateHold, 1970-01-01, with the
      // extended-revoke extension in the response.
      Bytes revoked = der::generalized_time(0);
      der::append(revoked, der::tlv(0xA0, der::enumerated(6)));
      return der::tlv(0xA1, revoked);
    }
  }
  return {0x82, 0x00};
}

}  // namespace

OcspResponder::OcspResponder(const X509* issuer, const X509* responder_cert, const Signer& key,
                             std::int64_t validity_seconds)
    : key_(key), responder_cert_der_(ossl::to_der(responder_cert)), validity_(validity_seconds) {
  unsigned char* name = nullptr;
  int name_len = i2d_X509_NAME(X509_get_subject_name(issuer), &name);
  const ASN1_BIT_STRING* issuer_key = X509_get0_pubkey_bitstr(issuer);
  for (int nid : {NID_sha1, NID_sha256, NID_sha384, NID_sha512}) {
    const EVP_MD* md = EVP_get_digestbynid(nid);
    hashes_.push_back({nid, ossl::digest(md, ByteView(name, static_cast<std::size_t>(name_len))),
                       ossl::digest(md, asn1_bytes(issuer_key))});
  }
  OPENSSL_free(name);
  responder_key_hash_ = ossl::digest(EVP_sha1(), asn1_bytes(X509_get0_pubkey_bitstr(responder_cert)));
  // ArchiveCutoff = the CA certificate's notBefore: status is kept for every
  // certificate this CA ever issued.
  archive_cutoff_ext_ = der::extension(der::oid("1.3.6.1.5.5.7.48.1.6"), false,
                                       der::generalized_time(ossl::unix_seconds(X509_get0_notBefore(issuer))));
}

Bytes OcspResponder::cache_key(ByteView request) {
  const unsigned char* p = request.data();
  ossl::Ptr<OCSP_REQUEST, OCSP_REQUEST_free> req(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(request.size())));
  if (!req || p != request.data() + request.size() || OCSP_request_onereq_count(req.get()) != 1 ||
      OCSP_REQUEST_get_ext_count(req.get()) != 0) {
    ERR_clear_error();
    return {};
  }
  unsigned char* der = nullptr;
  int len = i2d_OCSP_CERTID(OCSP_onereq_get0_id(OCSP_request_onereq_get0(req.get(), 0)), &der);
  Bytes out;
  if (len > 0) out.assign(der, der + len);
  OPENSSL_free(der);
  return out;
}

bool OcspResponder::serves(ByteView request) const {
  const unsigned char* p = request.data();
  ossl::Ptr<OCSP_REQUEST, OCSP_REQUEST_free> req(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(request.size())));
  bool mine = req && OCSP_request_onereq_count(req.get()) > 0 &&
              known_issuer(OCSP_onereq_get0_id(OCSP_request_onereq_get0(req.get(), 0)));
  ERR_clear_error();
  return mine;
}

Bytes OcspResponder::error_response(int status) { return der::tlv(0x30, der::enumerated(status)); }

bool OcspResponder::known_issuer(OCSP_CERTID* id) const {
  ASN1_OCTET_STRING* name_hash = nullptr;
  ASN1_OBJECT* md = nullptr;
  ASN1_OCTET_STRING* key_hash = nullptr;
  ASN1_INTEGER* serial = nullptr;
  if (OCSP_id_get0_info(&name_hash, &md, &key_hash, &serial, id) != 1) return false;
  int nid = OBJ_obj2nid(md);
  for (const auto& h : hashes_)
    if (h.md_nid == nid && asn1_bytes(name_hash) == h.name_hash && asn1_bytes(key_hash) == h.key_hash) return true;
  return false;
}

Bytes OcspResponder::sign_response(const std::vector<Single>& singles, ByteView nonce_ext_value,
                                   bool extended_revoke, std::int64_t now) const {
  Bytes responses;
  Bytes this_update = der::generalized_time(now);
  Bytes next_update = der::tlv(0xA0, der::generalized_time(now + validity_));
  Bytes single_extensions = der::tlv(0xA1, der::tlv(0x30, archive_cutoff_ext_));
  for (const auto& s : singles) {
    Bytes single = s.cert_id;
    der::append(single, s.status ? cert_status(*s.status) : Bytes{0x82, 0x00});
    der::append(single, this_update);
    der::append(single, next_update);
    if (s.status) der::append(single, single_extensions);
    der::append(responses, der::tlv(0x30, single));
  }
  Bytes tbs = der::tlv(0xA2, der::octet_string(responder_key_hash_));  // responderID byKey
  der::append(tbs, der::generalized_time(now));                         // producedAt
  der::append(tbs, der::tlv(0x30, responses));
  Bytes extensions;
  if (!nonce_ext_value.empty()) der::append(extensions, der::extension(nonce_oid(), false, nonce_ext_value));
  if (extended_revoke) der::append(extensions, der::extension(extended_revoke_oid(), false, der::null()));
  if (!extensions.empty()) der::append(tbs, der::tlv(0xA1, der::tlv(0x30, extensions)));
  Bytes tbs_der = der::tlv(0x30, tbs);

  Bytes basic = tbs_der;
  der::append(basic, key_.algorithm_identifier());
  der::append(basic, der::bit_string(key_.sign(tbs_der)));
  der::append(basic, der::tlv(0xA0, der::tlv(0x30, responder_cert_der_)));
  static const Bytes basic_type = der::oid("1.3.6.1.5.5.7.48.1.1");
  Bytes response_bytes = basic_type;
  der::append(response_bytes, der::octet_string(der::tlv(0x30, basic)));
  Bytes out = der::enumerated(0);
  der::append(out, der::tlv(0xA0, der::tlv(0x30, response_bytes)));
  return der::tlv(0x30, out);
}

OcspResponder::Answer OcspResponder::respond(ByteView request, const StatusLookup& lookup, std::int64_t now) const {
  Answer answer;
  const unsigned char* p = request.data();
  ossl::Ptr<OCSP_REQUEST, OCSP_REQUEST_free> req(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(request.size())));
  int count = req ? OCSP_request_onereq_count(req.get()) : 0;
  if (!req || p != request.data() + request.size() || count <= 0 || static_cast<std::size_t>(count) > kMaxCertIds) {
    ERR_clear_error();
    answer.der = error_response(kMalformedRequest);
    return answer;
  }

  // Nonce (RFC 8954): an OCTET STRING of 1 to 32 octets, echoed as sent.
  Bytes nonce;
  int nonce_idx = OCSP_REQUEST_get_ext_by_NID(req.get(), NID_id_pkix_OCSP_Nonce, -1);
  if (nonce_idx >= 0) {
    const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(OCSP_REQUEST_get_ext(req.get(), nonce_idx));
    nonce = asn1_bytes(value);
    const unsigned char* q = nonce.data();
    ossl::Ptr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free> inner(
        d2i_ASN1_OCTET_STRING(nullptr, &q, static_cast<long>(nonce.size())));
    if (!inner || q != nonce.data() + nonce.size() || ASN1_STRING_length(inner.get()) < 1 ||
        ASN1_STRING_length(inner.get()) > 32) {
      ERR_clear_error();
      answer.der = error_response(kMalformedRequest);
      return answer;
    }
  }

  std::vector<Single> singles;
  bool extended_revoke = false;
  for (int i = 0; i < count; ++i) {
    OCSP_CERTID* id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req.get(), i));
    ASN1_OCTET_STRING* name_hash = nullptr;
    ASN1_OBJECT* md = nullptr;
    ASN1_OCTET_STRING* key_hash = nullptr;
    ASN1_INTEGER* serial = nullptr;
    unsigned char* der = nullptr;
    int der_len = i2d_OCSP_CERTID(id, &der);
    if (der_len <= 0 || OCSP_id_get0_info(&name_hash, &md, &key_hash, &serial, id) != 1) {
      OPENSSL_free(der);
      answer.der = error_response(kMalformedRequest);
      return answer;
    }
    Single single{Bytes(der, der + der_len), std::nullopt};
    OPENSSL_free(der);
    int nid = OBJ_obj2nid(md);
    for (const auto& h : hashes_) {
      if (h.md_nid == nid && asn1_bytes(name_hash) == h.name_hash && asn1_bytes(key_hash) == h.key_hash) {
        std::string hex = ossl::serial_hex(serial);
        if (!hex.empty()) {
          single.status = lookup(hex);
          answer.serials.push_back(hex);
          extended_revoke |= single.status->state == SerialStatus::State::never_issued;
        }
        break;
      }
    }
    // A CertID of another issuer (or hashed in a way this responder does not
    // know): this responder is not authorised to speak for it, and says so
    // unsigned instead of signing an "unknown" (RFC 6960 §2.3, RFC 5019 §2.2.3).
    if (!single.status && !known_issuer(id)) {
      answer = {};
      answer.der = error_response(kUnauthorized);
      return answer;
    }
    singles.push_back(std::move(single));
  }
  answer.cacheable = count == 1 && nonce.empty();
  if (answer.cacheable) answer.cert_id = singles.front().cert_id;
  answer.this_update = now;
  answer.next_update = now + validity_;
  answer.der = sign_response(singles, nonce, extended_revoke, now);
  return answer;
}

Bytes OcspResponder::presign(const std::string& serial_hex_text, const SerialStatus& status, std::int64_t now,
                             Bytes& cert_id) const {
  const auto& sha1 = hashes_.front();
  static const Bytes sha1_algorithm = der::sequence({der::oid("1.3.14.3.2.26"), der::null()});
  Bytes id = sha1_algorithm;
  der::append(id, der::octet_string(sha1.name_hash));
  der::append(id, der::octet_string(sha1.key_hash));
  der::append(id, der::unsigned_integer(hex_decode(serial_hex_text)));
  cert_id = der::tlv(0x30, id);
  return sign_response({{cert_id, status}}, {}, status.state == SerialStatus::State::never_issued, now);
}

}  // namespace tugra::status
