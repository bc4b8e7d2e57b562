#include "sign/evidence.hpp"

#include <openssl/ocsp.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "common/error.hpp"
#include "common/http_client.hpp"
#include "crypto/openssl.hpp"

namespace tugra::sign {

std::string configured_tsa_url(const Config& config) {
  if (!config.str("sign.tsa_url").empty()) return config.str("sign.tsa_url");
  return config.str("service.public_base_url") + "/tsa";
}

namespace {

std::string uri_of(const GENERAL_NAME* name) {
  if (name->type != GEN_URI) return "";
  const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)), static_cast<std::size_t>(ASN1_STRING_length(uri)));
}

// The reply body of a POST or GET, or a UserError naming `what` and the URL.
std::string fetch(const char* what, const std::string& method, const std::string& url, const std::string& body = "",
                  const std::vector<std::string>& headers = {}) {
  try {
    HttpReply reply = http_request(method, url, body, headers);
    if (reply.status != 200)
      throw UserError("sign.fetch_failed", {{"what", what}, {"url", url}, {"detail", "HTTP " + std::to_string(reply.status)}});
    return reply.body;
  } catch (const UserError&) {
    throw;
  } catch (const std::exception& e) {
    throw UserError("sign.fetch_failed", {{"what", what}, {"url", url}, {"detail", e.what()}});
  }
}

}  // namespace

std::vector<std::string> crl_urls(const X509* certificate) {
  std::vector<std::string> urls;
  auto* points = static_cast<CRL_DIST_POINTS*>(X509_get_ext_d2i(certificate, NID_crl_distribution_points, nullptr, nullptr));
  for (int i = 0; points && i < sk_DIST_POINT_num(points); ++i) {
    const DIST_POINT* point = sk_DIST_POINT_value(points, i);
    if (!point->distpoint || point->distpoint->type != 0) continue;
    const GENERAL_NAMES* names = point->distpoint->name.fullname;
    for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j)
      if (auto uri = uri_of(sk_GENERAL_NAME_value(names, j)); !uri.empty()) urls.push_back(uri);
  }
  CRL_DIST_POINTS_free(points);
  return urls;
}

namespace {
std::vector<std::string> access_urls(const X509* certificate, int method) {
  std::vector<std::string> urls;
  auto* access = static_cast<AUTHORITY_INFO_ACCESS*>(X509_get_ext_d2i(certificate, NID_info_access, nullptr, nullptr));
  for (int i = 0; access && i < sk_ACCESS_DESCRIPTION_num(access); ++i) {
    const ACCESS_DESCRIPTION* d = sk_ACCESS_DESCRIPTION_value(access, i);
    if (OBJ_obj2nid(d->method) == method)
      if (auto uri = uri_of(d->location); !uri.empty()) urls.push_back(uri);
  }
  AUTHORITY_INFO_ACCESS_free(access);
  return urls;
}
}  // namespace

std::vector<std::string> ocsp_urls(const X509* certificate) { return access_urls(certificate, NID_ad_OCSP); }
std::vector<std::string> ca_issuer_urls(const X509* certificate) { return access_urls(certificate, NID_ad_ca_issuers); }

Bytes EvidenceFetcher::issuer_certificate(const X509* certificate) const {
  auto urls = ca_issuer_urls(certificate);
  if (urls.empty()) throw UserError("sign.no_revocation_url", {{"what", "caIssuers"}, {"subject", ossl::name_to_string(X509_get_subject_name(certificate))}});
  std::string body = fetch("caIssuers", "GET", urls.front());
  try {
    return ossl::to_der(ossl::cert_from_pem_or_der(body).get());
  } catch (const std::exception&) {
    throw UserError("sign.fetch_failed", {{"what", "caIssuers"}, {"url", urls.front()}, {"detail", "not a certificate"}});
  }
}

// The certificates a timestamp token carries (its TSA's, with certReq).
std::vector<ossl::Cert> timestamp_certificates(ByteView token) {
  std::vector<ossl::Cert> out;
  const unsigned char* p = token.data();
  ossl::Ptr<PKCS7, PKCS7_free> pkcs7(d2i_PKCS7(nullptr, &p, static_cast<long>(token.size())));
  if (!pkcs7 || !PKCS7_type_is_signed(pkcs7.get())) return out;
  STACK_OF(X509)* certs = pkcs7->d.sign->cert;
  for (int i = 0; i < sk_X509_num(certs); ++i) {
    X509* c = sk_X509_value(certs, i);
    X509_up_ref(c);
    out.emplace_back(c);
  }
  return out;
}

Bytes EvidenceFetcher::timestamp(ByteView data, const EVP_MD* md) const {
  if (tsa_url_.empty()) throw UserError("sign.no_tsa");
  Bytes imprint = ossl::digest(md, data);
  ossl::Ptr<TS_REQ, TS_REQ_free> request(TS_REQ_new());
  ossl::Ptr<TS_MSG_IMPRINT, TS_MSG_IMPRINT_free> message(TS_MSG_IMPRINT_new());
  ossl::Ptr<X509_ALGOR, X509_ALGOR_free> algorithm(X509_ALGOR_new());
  X509_ALGOR_set0(algorithm.get(), OBJ_nid2obj(EVP_MD_get_type(md)), V_ASN1_NULL, nullptr);
  TS_MSG_IMPRINT_set_algo(message.get(), algorithm.get());
  TS_MSG_IMPRINT_set_msg(message.get(), imprint.data(), static_cast<int>(imprint.size()));
  TS_REQ_set_version(request.get(), 1);
  TS_REQ_set_msg_imprint(request.get(), message.get());
  TS_REQ_set_cert_req(request.get(), 1);
  unsigned char nonce_bytes[8];
  RAND_bytes(nonce_bytes, sizeof nonce_bytes);
  nonce_bytes[0] &= 0x7F;
  ossl::Ptr<BIGNUM, BN_free> nonce_bn(BN_bin2bn(nonce_bytes, sizeof nonce_bytes, nullptr));
  ossl::Ptr<ASN1_INTEGER, ASN1_INTEGER_free> nonce(BN_to_ASN1_INTEGER(nonce_bn.get(), nullptr));
  TS_REQ_set_nonce(request.get(), nonce.get());
  Bytes query = ossl::der_of(request.get(), i2d_TS_REQ);

  std::string body = fetch("timestamp", "POST", tsa_url_, to_string(query), {"Content-Type: application/timestamp-query"});
  const unsigned char* p = reinterpret_cast<const unsigned char*>(body.data());
  ossl::Ptr<TS_RESP, TS_RESP_free> reply(d2i_TS_RESP(nullptr, &p, static_cast<long>(body.size())));
  if (!reply) throw UserError("sign.fetch_failed", {{"what", "timestamp"}, {"url", tsa_url_}, {"detail", "not a TimeStampResp"}});
  long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(reply.get())));
  if (status != 0 && status != 1) {
    std::string detail = "PKIStatus " + std::to_string(status);
    if (const auto* texts = TS_STATUS_INFO_get0_text(TS_RESP_get_status_info(reply.get())); texts && sk_ASN1_UTF8STRING_num(texts) > 0) {
      const ASN1_UTF8STRING* t = sk_ASN1_UTF8STRING_value(texts, 0);
      detail += ": " + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(t)), static_cast<std::size_t>(ASN1_STRING_length(t)));
    }
    throw UserError("sign.fetch_failed", {{"what", "timestamp"}, {"url", tsa_url_}, {"detail", detail}});
  }
  // The reply must answer this query: same imprint, same nonce.
  ossl::Ptr<TS_VERIFY_CTX, TS_VERIFY_CTX_free> check(TS_REQ_to_TS_VERIFY_CTX(request.get(), nullptr));
  TS_VERIFY_CTX_set_flags(check.get(), TS_VFY_VERSION | TS_VFY_IMPRINT | TS_VFY_NONCE);
  if (TS_RESP_verify_response(check.get(), reply.get()) != 1)
    throw UserError("sign.fetch_failed", {{"what", "timestamp"}, {"url", tsa_url_}, {"detail", "the reply does not answer the query"}});
  return ossl::der_of(TS_RESP_get_token(reply.get()), i2d_PKCS7);
}

Bytes EvidenceFetcher::crl(const X509* certificate) const {
  auto urls = crl_urls(certificate);
  if (urls.empty()) throw UserError("sign.no_revocation_url", {{"what", "CRL"}, {"subject", ossl::name_to_string(X509_get_subject_name(certificate))}});
  std::string last_error;
  for (const auto& url : urls) {
    try {
      std::string body = fetch("CRL", "GET", url);
      const unsigned char* p = reinterpret_cast<const unsigned char*>(body.data());
      ossl::Ptr<X509_CRL, X509_CRL_free> crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(body.size())));
      if (!crl) throw UserError("sign.fetch_failed", {{"what", "CRL"}, {"url", url}, {"detail", "not a DER CRL"}});
      return Bytes(body.begin(), body.end());
    } catch (const UserError& e) {
      last_error = e.what();
    }
  }
  throw UserError("sign.revocation_missing", {{"what", "CRL"}, {"detail", last_error}});
}

Bytes EvidenceFetcher::ocsp(const X509* certificate, const X509* issuer) const {
  auto urls = ocsp_urls(certificate);
  if (urls.empty()) throw UserError("sign.no_revocation_url", {{"what", "OCSP"}, {"subject", ossl::name_to_string(X509_get_subject_name(certificate))}});
  ossl::Ptr<OCSP_REQUEST, OCSP_REQUEST_free> request(OCSP_REQUEST_new());
  OCSP_CERTID* id = OCSP_cert_to_id(nullptr, certificate, issuer);
  if (!id || !OCSP_request_add0_id(request.get(), id)) throw ossl::Error("OCSP request");
  Bytes query = ossl::der_of(request.get(), i2d_OCSP_REQUEST);
  std::string last_error;
  for (const auto& url : urls) {
    try {
      std::string body = fetch("OCSP", "POST", url, to_string(query), {"Content-Type: application/ocsp-request"});
      const unsigned char* p = reinterpret_cast<const unsigned char*>(body.data());
      ossl::Ptr<OCSP_RESPONSE, OCSP_RESPONSE_free> response(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(body.size())));
      if (!response || OCSP_response_status(response.get()) != OCSP_RESPONSE_STATUS_SUCCESSFUL)
        throw UserError("sign.fetch_failed", {{"what", "OCSP"}, {"url", url}, {"detail", "no successful OCSP response"}});
      return Bytes(body.begin(), body.end());
    } catch (const UserError& e) {
      last_error = e.what();
    }
  }
  throw UserError("sign.revocation_missing", {{"what", "OCSP"}, {"detail", last_error}});
}

}  // namespace tugra::sign
