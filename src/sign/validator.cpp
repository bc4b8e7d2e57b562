#include "sign/validator.hpp"

#include <openssl/pem.h>  // before cms.h, which declares PEM_read_bio_CMS with its macros
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

#include "common/error.hpp"
#include "common/files.hpp"
#include "crypto/cms.hpp"
#include "crypto/der.hpp"
#include "crypto/signer.hpp"
#include "sign/archive_timestamp.hpp"
#include "sign/cades.hpp"
#include "sign/evidence.hpp"
#include "sign/pdf_file.hpp"
#include "sign/xades.hpp"
#include "sign/xml_document.hpp"

namespace tugra::sign {
namespace {

using CmsPtr = ossl::Ptr<CMS_ContentInfo, CMS_ContentInfo_free>;
using StorePtr = ossl::Ptr<X509_STORE, X509_STORE_free>;

// Owns a STACK_OF(X509) and a reference to each certificate in it.
class CertStack {
 public:
  CertStack() : stack_(sk_X509_new_null()) {}
  explicit CertStack(STACK_OF(X509) * owned) : stack_(owned ? owned : sk_X509_new_null()) {}
  ~CertStack() { sk_X509_pop_free(stack_, X509_free); }
  CertStack(const CertStack&) = delete;
  CertStack& operator=(const CertStack&) = delete;
  void add(const X509* c) {
    X509_up_ref(const_cast<X509*>(c));
    sk_X509_push(stack_, const_cast<X509*>(c));
  }
  STACK_OF(X509) * get() const { return stack_; }
  // A copy the caller owns (for OpenSSL calls that take ownership).
  STACK_OF(X509) * copy() const { return X509_chain_up_ref(stack_); }
  int size() const { return sk_X509_num(stack_); }
  X509* at(int i) const { return sk_X509_value(stack_, i); }

 private:
  STACK_OF(X509) * stack_;
};

std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::string subject_of(const X509* c) { return ossl::name_to_string(X509_get_subject_name(c)); }

StorePtr store_of(const TrustAnchors& trust, std::int64_t at) {
  StorePtr store(X509_STORE_new());
  for (const auto& r : trust.roots()) X509_STORE_add_cert(store.get(), r.get());
  X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store.get()), static_cast<time_t>(at));
  return store;
}

ossl::Ptr<ASN1_OBJECT, ASN1_OBJECT_free> object(const char* oid) {
  return ossl::Ptr<ASN1_OBJECT, ASN1_OBJECT_free>(OBJ_txt2obj(oid, 1));
}

Bytes type_der(const ASN1_TYPE* value) { return ossl::der_of(value, i2d_ASN1_TYPE); }

// The first value of the signed attribute `oid` (its DER), if present.
std::optional<Bytes> signed_attribute(CMS_SignerInfo* si, const char* oid) {
  auto obj = object(oid);
  int i = CMS_signed_get_attr_by_OBJ(si, obj.get(), -1);
  if (i < 0) return std::nullopt;
  const ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, i), 0);
  if (!value) return std::nullopt;
  return type_der(value);
}

// Every value of every unsigned attribute `oid`.
std::vector<Bytes> unsigned_attributes(CMS_SignerInfo* si, const char* oid) {
  std::vector<Bytes> out;
  auto obj = object(oid);
  for (int i = CMS_unsigned_get_attr_by_OBJ(si, obj.get(), -1); i >= 0;
       i = CMS_unsigned_get_attr_by_OBJ(si, obj.get(), i)) {
    X509_ATTRIBUTE* a = CMS_unsigned_get_attr(si, i);
    for (int v = 0; v < X509_ATTRIBUTE_count(a); ++v) out.push_back(type_der(X509_ATTRIBUTE_get0_type(a, v)));
  }
  return out;
}

const EVP_MD* digest_by_oid(std::string_view oid) {
  if (oid == "2.16.840.1.101.3.4.2.1") return EVP_sha256();
  if (oid == "2.16.840.1.101.3.4.2.2") return EVP_sha384();
  if (oid == "2.16.840.1.101.3.4.2.3") return EVP_sha512();
  if (oid == "1.3.14.3.2.26") return EVP_sha1();
  return nullptr;
}

std::int64_t time_of(ByteView attribute_der) {
  const unsigned char* p = attribute_der.data();
  ossl::Ptr<ASN1_TIME, ASN1_TIME_free> t(d2i_ASN1_TIME(nullptr, &p, static_cast<long>(attribute_der.size())));
  if (!t) throw std::runtime_error("bad signing-time");
  return ossl::unix_seconds(t.get());
}

// The OCSP responses a SignedData carries as other revocation info (RFC 5940).
std::vector<Bytes> embedded_ocsp(ByteView content_info) {
  std::vector<Bytes> out;
  der::Reader outer(der::Reader(content_info).next(0x30).content);
  outer.next(0x06);
  der::Reader signed_data(der::Reader(outer.next(0xA0).content).next(0x30).content);
  signed_data.next(0x02);
  signed_data.next(0x31);
  signed_data.next(0x30);
  signed_data.optional(0xA0);
  if (auto crls = signed_data.optional(0xA1)) {
    der::Reader choices(crls->content);
    while (!choices.at_end()) {
      der::Element choice = choices.next();
      if (choice.tag != 0xA1) continue;
      der::Reader other(choice.content);
      if (der::oid_text(other.next(0x06).content) != cms::kIdOcspRevocationInfo) continue;
      der::Element response = other.next(0x30);
      out.emplace_back(response.whole.begin(), response.whole.end());
    }
  }
  return out;
}

std::string reason_name(int reason) {
  const char* text = reason >= 0 ? OCSP_crl_reason_str(reason) : "";
  return text ? text : "";
}

// The signer's status from one OCSP response, if the response is
// authentic and speaks of it.
std::optional<RevocationResult> from_ocsp(ByteView der, const X509* cert, const X509* issuer, X509_STORE* store,
                                          const CertStack& untrusted) {
  const unsigned char* p = der.data();
  ossl::Ptr<OCSP_RESPONSE, OCSP_RESPONSE_free> response(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())));
  if (!response || OCSP_response_status(response.get()) != OCSP_RESPONSE_STATUS_SUCCESSFUL) return std::nullopt;
  ossl::Ptr<OCSP_BASICRESP, OCSP_BASICRESP_free> basic(OCSP_response_get1_basic(response.get()));
  if (!basic || OCSP_basic_verify(basic.get(), untrusted.get(), store, 0) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  ossl::Ptr<OCSP_CERTID, OCSP_CERTID_free> id(OCSP_cert_to_id(nullptr, cert, issuer));
  int status = 0, reason = -1;
  ASN1_GENERALIZEDTIME *revoked = nullptr, *this_update = nullptr, *next_update = nullptr;
  if (OCSP_resp_find_status(basic.get(), id.get(), &status, &reason, &revoked, &this_update, &next_update) != 1)
    return std::nullopt;
  // RFC 6960 §2.2: "revoked", certificateHold, 1970-01-01 is a responder's
  // way of saying it never issued (or has not yet seen) this certificate.
  if (status == V_OCSP_CERTSTATUS_REVOKED && reason == OCSP_REVOKED_STATUS_CERTIFICATEHOLD &&
      ossl::unix_seconds(revoked) == 0)
    return std::nullopt;
  RevocationResult r;
  if (status == V_OCSP_CERTSTATUS_GOOD) r.status = "good";
  if (status == V_OCSP_CERTSTATUS_REVOKED) {
    r.status = reason == OCSP_REVOKED_STATUS_CERTIFICATEHOLD ? "on-hold" : "revoked";
    r.revoked_at = ossl::unix_seconds(revoked);
    r.reason = reason_name(reason);
  }
  return r;
}

std::optional<RevocationResult> from_crl(ByteView der, const X509* cert, const X509* issuer) {
  const unsigned char* p = der.data();
  ossl::Ptr<X509_CRL, X509_CRL_free> crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  if (!crl || X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(issuer)) != 0) return std::nullopt;
  if (X509_CRL_verify(crl.get(), X509_get0_pubkey(issuer)) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  RevocationResult r;
  X509_REVOKED* entry = nullptr;
  if (X509_CRL_get0_by_cert(crl.get(), &entry, const_cast<X509*>(cert)) == 1 && entry) {
    int reason = -1;
    if (auto* e = static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nullptr, nullptr))) {
      reason = static_cast<int>(ASN1_ENUMERATED_get(e));
      ASN1_ENUMERATED_free(e);
    }
    r.status = reason == OCSP_REVOKED_STATUS_CERTIFICATEHOLD ? "on-hold" : "revoked";
    r.revoked_at = ossl::unix_seconds(X509_REVOKED_get0_revocationDate(entry));
    r.reason = reason_name(reason);
  } else {
    r.status = "good";
  }
  return r;
}

struct Revocation {
  RevocationResult result;
  bool embedded = false;
  bool embedded_ocsp = false;
};

Revocation revocation_of(const X509* cert, const X509* issuer, const std::vector<Bytes>& ocsp, const std::vector<Bytes>& crls,
                         X509_STORE* store, const CertStack& untrusted, const ValidationSettings& settings,
                         const EvidenceFetcher& evidence) {
  for (const auto& o : ocsp)
    if (auto r = from_ocsp(o, cert, issuer, store, untrusted)) {
      r->source = "OCSP (embedded)";
      return {*r, true, true};
    }
  for (const auto& crl : crls) {
    if (auto r = from_crl(crl, cert, issuer)) {
      r->source = "CRL (embedded)";
      return {*r, true, false};
    }
  }
  Revocation none;
  none.result.source = "none";
  if (!settings.online) return none;
  try {
    if (!ocsp_urls(cert).empty())
      if (auto r = from_ocsp(evidence.ocsp(cert, issuer), cert, issuer, store, untrusted)) {
        r->source = "OCSP (fetched)";
        return {*r};
      }
    if (auto r = from_crl(evidence.crl(cert), cert, issuer)) {
      r->source = "CRL (fetched)";
      return {*r};
    }
  } catch (const UserError& e) {
    none.result.source = std::string("none: ") + e.what();
  }
  return none;
}

// A signature timestamp over `signature_value`, verified against the trust
// anchors at its own genTime.
TimestampResult check_timestamp(ByteView token, ByteView signature_value, const TrustAnchors& trust,
                                const CertStack& untrusted) {
  TimestampResult t;
  const unsigned char* p = token.data();
  ossl::Ptr<PKCS7, PKCS7_free> pkcs7(d2i_PKCS7(nullptr, &p, static_cast<long>(token.size())));
  ossl::Ptr<TS_TST_INFO, TS_TST_INFO_free> info(pkcs7 ? PKCS7_to_TS_TST_INFO(pkcs7.get()) : nullptr);
  if (!info) {
    t.detail = "not a TimeStampToken";
    return t;
  }
  t.gen_time = ossl::unix_seconds(TS_TST_INFO_get_time(info.get()));
  if (STACK_OF(X509)* certs = pkcs7->d.sign->cert; sk_X509_num(certs) > 0) t.tsa = subject_of(sk_X509_value(certs, 0));
  ossl::Ptr<TS_VERIFY_CTX, TS_VERIFY_CTX_free> ctx(TS_VERIFY_CTX_new());
  TS_VERIFY_CTX_set_flags(ctx.get(), TS_VFY_SIGNATURE | TS_VFY_DATA);
  TS_VERIFY_CTX_set_data(ctx.get(), BIO_new_mem_buf(signature_value.data(), static_cast<int>(signature_value.size())));
  TS_VERIFY_CTX_set_store(ctx.get(), store_of(trust, t.gen_time).release());
  TS_VERIFY_CTS_set_certs(ctx.get(), untrusted.copy());
  t.valid = TS_RESP_verify_token(ctx.get(), pkcs7.get()) == 1;
  if (!t.valid) {
    char text[256];
    ERR_error_string_n(ERR_peek_last_error(), text, sizeof text);
    t.detail = text;
    ERR_clear_error();
  } else {
    t.detail = "timestamp verified";
  }
  return t;
}

// Checks the SigningCertificateV2 attribute names `cert`.
Check signing_certificate_check(CMS_SignerInfo* si, const X509* cert) {
  auto value = signed_attribute(si, cms::kIdSigningCertificateV2);
  if (!value) return {"signing-certificate", false, "signing-certificate-v2 attribute missing"};
  try {
    der::Reader certs(der::Reader(der::Reader(*value).next(0x30).content).next(0x30).content);
    der::Reader id(certs.next(0x30).content);
    const EVP_MD* md = EVP_sha256();
    if (auto algorithm = id.optional(0x30)) md = digest_by_oid(der::oid_text(der::Reader(algorithm->content).next(0x06).content));
    der::Element hash = id.next(0x04);
    if (!md) return {"signing-certificate", false, "unknown hash algorithm"};
    Bytes expected = ossl::digest(md, ossl::to_der(cert));
    bool same = Bytes(hash.content.begin(), hash.content.end()) == expected;
    return {"signing-certificate", same, same ? "certificate hash matches" : "certificate hash differs"};
  } catch (const std::exception& e) {
    return {"signing-certificate", false, std::string("malformed: ") + e.what()};
  }
}

// Names of the QC statements a certificate carries, and MA3's qualified rule.
void qualified_status(const X509* cert, SignatureResult& out) {
  int i = X509_get_ext_by_NID(cert, NID_qcStatements, -1);
  if (i < 0) return;
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(cert, i));
  bool compliance = false, btk = false;
  try {
    der::Reader statements(der::Reader(ByteView(ASN1_STRING_get0_data(data), static_cast<std::size_t>(ASN1_STRING_length(data))))
                               .next(0x30)
                               .content);
    while (!statements.at_end()) {
      std::string oid = der::oid_text(der::Reader(statements.next(0x30).content).next(0x06).content);
      static const std::vector<std::pair<std::string, std::string>> names = {
          {"0.4.0.1862.1.1", "QcCompliance"},  {"0.4.0.1862.1.2", "QcLimitValue"},
          {"0.4.0.1862.1.4", "QcSSCD"},        {"0.4.0.1862.1.5", "QcPDS"},
          {"0.4.0.1862.1.6", "QcType"},        {"2.16.792.1.61.0.1.5070.1.1", "BTK 5070 NES"},
          {"2.16.792.1.61.0.1.5070.2.1", "BTK 5070 e-seal"}, {"1.3.6.1.5.5.7.11.2", "SemanticsId"}};
      auto n = std::find_if(names.begin(), names.end(), [&](const auto& p) { return p.first == oid; });
      out.qc_statements.push_back(n == names.end() ? oid : n->second);
      compliance |= oid == "0.4.0.1862.1.1";
      btk |= oid == "2.16.792.1.61.0.1.5070.1.1" || oid == "2.16.792.1.61.0.1.5070.2.1";
    }
  } catch (const std::exception&) {
    out.qc_statements.push_back("(malformed qcStatements)");
  }
  out.qualified = compliance && btk;
}

void describe_signer(SignatureResult& r, const X509* cert) {
  r.signer = subject_of(cert);
  r.signer_serial = ossl::serial_hex(X509_get0_serialNumber(cert));
  r.issuer = ossl::name_to_string(X509_get_issuer_name(cert));
  qualified_status(cert, r);
}

void conclude(SignatureResult& r, Indication indication, const char* sub) {
  if (r.indication == Indication::total_passed) {
    r.indication = indication;
    r.sub_indication = sub;
  }
}

}  // namespace

void TrustAnchors::add(ossl::Cert certificate) {
  (ossl::self_issued(certificate.get()) ? roots_ : intermediates_).push_back(std::move(certificate));
}

void TrustAnchors::add_pem_bundle(std::string_view pem) {
  for (auto& c : ossl::certs_from_pem(pem)) add(std::move(c));
}

void TrustAnchors::add_directory(const std::filesystem::path& directory) {
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec)) return;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    if (!entry.is_regular_file()) continue;
    std::string data = read_file(entry.path());
    if (data.find("-----BEGIN CERTIFICATE-----") != std::string::npos) {
      add_pem_bundle(data);
    } else {
      try {
        add(ossl::cert_from_der(as_bytes(data)));
      } catch (const std::exception&) {
        ERR_clear_error();  // not a certificate: skipped
      }
    }
  }
}

namespace {

// Validates every SignerInfo of one CMS signature and appends the results
// to `report` (ids S-1, S-2, … across the document).
// What a format hands to the rules every format shares, once it has checked
// its own layer (digest, signature value, signing certificate).
struct Policy {
  std::string oid;
  Bytes sha256;
};
struct Claims {
  std::vector<Bytes> timestamps;  // signature timestamp tokens
  Bytes timestamped;              // what their imprint covers
  std::optional<Policy> policy;
  std::string policy_problem;     // a policy present but unreadable
};

// Timestamps (the best signature time), the chain, the signer's revocation
// at that time, and the BTK profile's rules.
void apply_common_rules(SignatureResult& r, const X509* cert, const Claims& claims, std::int64_t validation_time,
                        const std::vector<Bytes>& ocsp, const std::vector<Bytes>& crls, const CertStack& untrusted,
                        const TrustAnchors& trust, const ValidationSettings& settings, const EvidenceFetcher& evidence) {
  // Signature timestamps: the earliest valid one is the best signature time.
  r.best_signature_time = validation_time;
  for (const auto& token : claims.timestamps) {
    TimestampResult t = check_timestamp(token, claims.timestamped, trust, untrusted);
    if (t.valid && (!r.best_time_proven || t.gen_time < r.best_signature_time)) {
      r.best_signature_time = t.gen_time;
      r.best_time_proven = true;
    }
    r.timestamps.push_back(std::move(t));
  }
  if (r.best_time_proven) r.level = level_name(Level::t);
  r.checks.push_back({"timestamp", r.timestamps.empty() || r.best_time_proven,
                      r.timestamps.empty() ? "no signature timestamp" : r.timestamps.front().detail});

  // The chain, at the best signature time when a timestamp proves it.
  std::int64_t chain_time = r.best_time_proven ? r.best_signature_time : validation_time;
  StorePtr store = store_of(trust, chain_time);
  ossl::Ptr<X509_STORE_CTX, X509_STORE_CTX_free> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), const_cast<X509*>(cert), untrusted.get());
  bool chain_ok = X509_verify_cert(ctx.get()) == 1;
  int error = X509_STORE_CTX_get_error(ctx.get());
  CertStack chain(X509_STORE_CTX_get1_chain(ctx.get()));
  ERR_clear_error();
  for (int i = 0; i < chain.size(); ++i) r.chain.push_back(subject_of(chain.at(i)));
  r.checks.push_back({"chain", chain_ok, chain_ok ? "chain to a trust anchor" : X509_verify_cert_error_string(error)});
  if (!chain_ok)
    conclude(r, Indication::indeterminate,
             error == X509_V_ERR_CERT_HAS_EXPIRED || error == X509_V_ERR_CERT_NOT_YET_VALID ? "OUT_OF_BOUNDS_NO_POE"
             : error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY || error == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
                     error == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT || error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT
                 ? "NO_CERTIFICATE_CHAIN_FOUND"
                 : "CERTIFICATE_CHAIN_GENERAL_FAILURE");

  // Revocation of the signer at the best signature time.
  if (chain.size() >= 2) {
    StorePtr now_store = store_of(trust, now_seconds());
    Revocation rev = revocation_of(cert, chain.at(1), ocsp, crls, now_store.get(), untrusted, settings, evidence);
    r.revocation = rev.result;
    const auto& rv = r.revocation;
    if (rev.embedded && r.best_time_proven) r.level = level_name(Level::lt);
    bool suspended = rv.status == "on-hold";
    if (rv.status == "revoked" || suspended) {
      std::int64_t at = *rv.revoked_at;
      bool proven_before = r.best_time_proven && r.best_signature_time < at;
      bool made_after = (r.best_time_proven && r.best_signature_time >= at) ||
                        (r.claimed_signing_time && *r.claimed_signing_time >= at);
      r.checks.push_back({"revocation", proven_before,
                          std::string(suspended ? "suspended" : "revoked") + (proven_before ? " after the signature was proven to exist" : "")});
      if (made_after)
        conclude(r, suspended ? Indication::indeterminate : Indication::total_failed, suspended ? "TRY_LATER" : "REVOKED");
      else if (!proven_before)
        conclude(r, Indication::indeterminate, suspended ? "TRY_LATER" : "REVOKED_NO_POE");
    } else if (rv.status == "good") {
      r.checks.push_back({"revocation", true, "not revoked (" + rv.source + ")"});
    } else {
      r.checks.push_back({"revocation", false, "no revocation data (" + rv.source + ")"});
      conclude(r, Indication::indeterminate, "TRY_LATER");
    }

    // BTK P2-P4: the policy named, its hash, and what the profile demands.
    if (claims.policy && !claims.policy_problem.empty()) {
      r.checks.push_back({"policy", false, claims.policy_problem});
      conclude(r, Indication::indeterminate, "POLICY_PROCESSING_ERROR");
    } else if (claims.policy) {
      r.policy_oid = claims.policy->oid;
      r.profile = settings.policies.profile_of(r.policy_oid);
      if (const SignaturePolicy* known = settings.policies.policy_of(r.profile)) {
        std::vector<std::string> problems;
        if (claims.policy->sha256 != known->sha256) problems.push_back("the policy hash is not the configured one");
        if (!r.best_time_proven) problems.push_back("the profile requires a signature timestamp");
        else if (r.claimed_signing_time && std::abs(r.best_signature_time - *r.claimed_signing_time) > 7200)
          problems.push_back("the timestamp is more than 2 hours from signing-time");
        if (r.profile == "P3" && !rev.embedded) problems.push_back("P3 requires the CRL inside the signature");
        if (r.profile == "P4" && !rev.embedded_ocsp) problems.push_back("P4 requires the OCSP response inside the signature");
        std::string detail = r.profile + " (" + r.policy_oid + ")";
        for (const auto& p : problems) detail += "; " + p;
        r.checks.push_back({"policy", problems.empty(), detail});
        if (!problems.empty()) conclude(r, Indication::indeterminate, "POLICY_PROCESSING_ERROR");
      } else {
        r.checks.push_back({"policy", true, r.policy_oid + ": not a BTK profile policy; default rules applied"});
      }
    } else {
      r.profile = r.best_time_proven ? "" : "P1";
    }
  }
}

// Beside the CMS: `stored` validation data (a PDF's DSS) and the
// `claimed_time` of a signing time kept outside it (a PDF's /M).
struct Beside {
  const char* format = nullptr;
  const ValidationData* stored = nullptr;
  std::optional<std::int64_t> claimed_time;
};

void validate_cms(ValidationReport& report, ByteView signature, const SignedContent& detached, const Beside& beside,
                  const TrustAnchors& trust, const ValidationSettings& settings, const EvidenceFetcher& evidence) {
  const ValidationData* stored = beside.stored;
  CmsPtr cms;
  Bytes der(signature.begin(), signature.end());
  std::string_view text(reinterpret_cast<const char*>(signature.data()), signature.size());
  if (text.find("-----BEGIN") != std::string_view::npos) {
    ossl::Ptr<BIO, BIO_free> bio(BIO_new_mem_buf(signature.data(), static_cast<int>(signature.size())));
    cms.reset(PEM_read_bio_CMS(bio.get(), nullptr, nullptr, nullptr));
    if (cms) der = ossl::der_of(cms.get(), i2d_CMS_ContentInfo);
  } else {
    const unsigned char* p = signature.data();
    cms.reset(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(signature.size())));
  }
  if (!cms || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
    ERR_clear_error();
    throw UserError("verify.not_a_signature", {{"file", report.document}});
  }

  CertStack cms_certs(CMS_get1_certs(cms.get()));
  CertStack untrusted;
  for (int i = 0; i < cms_certs.size(); ++i) untrusted.add(cms_certs.at(i));
  for (const auto& c : trust.intermediates()) untrusted.add(c.get());
  // Revocation data inside the signature, and beside it.
  std::vector<Bytes> crls, ocsp;
  {
    ossl::Ptr<STACK_OF(X509_CRL), [](STACK_OF(X509_CRL)* s) { sk_X509_CRL_pop_free(s, X509_CRL_free); }> stack(
        CMS_get1_crls(cms.get()));
    for (int i = 0; i < sk_X509_CRL_num(stack.get()); ++i)
      crls.push_back(ossl::der_of(sk_X509_CRL_value(stack.get(), i), i2d_X509_CRL));
  }
  try {
    ocsp = embedded_ocsp(der);
  } catch (const std::exception&) {
  }
  std::vector<ossl::Cert> stored_certs;
  if (stored) {
    crls.insert(crls.end(), stored->crls.begin(), stored->crls.end());
    ocsp.insert(ocsp.end(), stored->ocsp_responses.begin(), stored->ocsp_responses.end());
    for (const auto& c : stored->certificates) {
      try {
        stored_certs.push_back(ossl::cert_from_der(c));
        untrusted.add(stored_certs.back().get());
      } catch (const std::exception&) {
        ERR_clear_error();  // not a certificate: nothing to build chains with
      }
    }
  }

  ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
  bool attached = content && *content;
  STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms.get());
  for (int s = 0; s < sk_CMS_SignerInfo_num(signers); ++s) {
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(signers, s);
    SignatureResult r;
    r.id = "S-" + std::to_string(report.signatures.size() + 1);
    r.format = beside.format ? beside.format : attached ? "CAdES (attached)" : "CAdES (detached)";
    r.level = level_name(Level::b);
    r.indication = Indication::total_passed;

    // The signer's certificate: in the signature, or among the known CA certificates.
    const X509* cert = nullptr;
    for (int i = 0; i < untrusted.size() && !cert; ++i)
      if (CMS_SignerInfo_cert_cmp(si, untrusted.at(i)) == 0) cert = untrusted.at(i);
    if (!cert) {
      r.checks.push_back({"signing-certificate", false, "the signer's certificate is not in the signature"});
      conclude(r, Indication::indeterminate, "NO_SIGNING_CERTIFICATE_FOUND");
      report.signatures.push_back(std::move(r));
      continue;
    }
    describe_signer(r, cert);

    // Message digest over the content (streamed from a detached file).
    X509_ALGOR *digest_alg = nullptr, *sig_alg = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &digest_alg, &sig_alg);
    const EVP_MD* md = digest_by_oid(der::oid_text(ByteView(OBJ_get0_data(digest_alg->algorithm), OBJ_length(digest_alg->algorithm))));
    auto claimed = signed_attribute(si, cms::kIdMessageDigest);
    if (!md || !claimed) {
      r.checks.push_back({"message-digest", false, "unknown digest algorithm or no message-digest attribute"});
      conclude(r, Indication::total_failed, "FORMAT_FAILURE");
    } else if (!attached && !detached.given()) {
      r.checks.push_back({"message-digest", false, "detached signature: the signed file was not given (--data)"});
      conclude(r, Indication::indeterminate, "SIGNED_DATA_NOT_FOUND");
    } else {
      Bytes actual = attached ? ossl::digest(md, ByteView(ASN1_STRING_get0_data(*content), static_cast<std::size_t>(ASN1_STRING_length(*content))))
                              : detached.bytes ? ossl::digest(md, *detached.bytes)
                                               : digest_file(md, *detached.file);
      der::Element octets = der::Reader(*claimed).next(0x04);
      bool same = Bytes(octets.content.begin(), octets.content.end()) == actual;
      r.checks.push_back({"message-digest", same, same ? "the content is the one signed" : "the content differs from the one signed"});
      if (!same) conclude(r, Indication::total_failed, "HASH_FAILURE");
    }

    CMS_SignerInfo_set1_signer_cert(si, const_cast<X509*>(cert));
    bool signature_ok = CMS_SignerInfo_verify(si) == 1;
    ERR_clear_error();
    r.checks.push_back({"signature", signature_ok, signature_ok ? "signature value verified" : "signature value does not verify"});
    if (!signature_ok) conclude(r, Indication::total_failed, "SIG_CRYPTO_FAILURE");

    Check signing_certificate = signing_certificate_check(si, cert);
    r.checks.push_back(signing_certificate);
    if (!signing_certificate.passed)
      conclude(r, Indication::indeterminate,
               signing_certificate.detail.find("missing") != std::string::npos ? "FORMAT_FAILURE" : "NO_SIGNING_CERTIFICATE_FOUND");

    if (auto t = signed_attribute(si, cms::kIdSigningTime)) {
      try {
        r.claimed_signing_time = time_of(*t);
      } catch (const std::exception&) {
      }
    }
    if (!r.claimed_signing_time) r.claimed_signing_time = beside.claimed_time;

    // The policy named (BTK P2-P4), then the rules every format shares.
    Claims claims;
    const ASN1_OCTET_STRING* value = CMS_SignerInfo_get0_signature(si);
    claims.timestamped.assign(ASN1_STRING_get0_data(value), ASN1_STRING_get0_data(value) + ASN1_STRING_length(value));
    claims.timestamps = unsigned_attributes(si, cms::kIdSignatureTimeStamp);
    if (auto policy = signed_attribute(si, cms::kIdSignaturePolicy)) {
      try {
        der::Reader id(der::Reader(*policy).next(0x30).content);
        std::string oid = der::oid_text(id.next(0x06).content);
        der::Reader hash(id.next(0x30).content);
        hash.next(0x30);
        der::Element policy_hash = hash.next(0x04);
        claims.policy = Policy{oid, Bytes(policy_hash.content.begin(), policy_hash.content.end())};
      } catch (const std::exception& e) {
        claims.policy = Policy{};
        claims.policy_problem = std::string("malformed signature-policy-identifier: ") + e.what();
      }
    }
    apply_common_rules(r, cert, claims, report.validation_time, ocsp, crls, untrusted, trust, settings, evidence);

    // Archive timestamps (LTA): each over the content, the signer's fields and the hash index it carries.
    auto content_digest = [&](const EVP_MD* h) -> std::optional<Bytes> {
      if (attached) return ossl::digest(h, ByteView(ASN1_STRING_get0_data(*content), static_cast<std::size_t>(ASN1_STRING_length(*content))));
      if (detached.bytes) return ossl::digest(h, *detached.bytes);
      if (detached.file) return digest_file(h, *detached.file);
      return std::nullopt;
    };
    for (const auto& token : unsigned_attributes(si, kIdArchiveTimeStampV3)) {
      std::string problem;
      TimestampResult t;
      try {
        auto digest = content_digest(archive_digest(token));
        Bytes input = digest ? archive_timestamp_input(der, static_cast<std::size_t>(s), token, *digest, problem) : Bytes{};
        if (!digest) problem = "the signed content was not given";
        if (problem.empty()) t = check_timestamp(token, input, trust, untrusted);
      } catch (const std::exception& e) {
        problem = std::string("malformed: ") + e.what();
      }
      t.detail = "archive timestamp: " + (problem.empty() ? t.detail : problem);
      r.checks.push_back({"archive-timestamp", t.valid, t.detail});
      if (t.valid && r.level == level_name(Level::lt)) r.level = level_name(Level::lta);
      r.timestamps.push_back(std::move(t));
    }
    if (r.indication == Indication::total_passed) r.sub_indication.clear();
    report.signatures.push_back(std::move(r));
  }
}

// Base64 as XML carries it: line breaks and spaces allowed.
Bytes from_base64(std::string text) {
  text.erase(std::remove_if(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); }), text.end());
  return base64_decode(text);
}

const EVP_MD* digest_by_uri(const std::string& uri) {
  if (uri == "http://www.w3.org/2001/04/xmlenc#sha256") return EVP_sha256();
  if (uri == "http://www.w3.org/2001/04/xmldsig-more#sha384") return EVP_sha384();
  if (uri == "http://www.w3.org/2001/04/xmlenc#sha512") return EVP_sha512();
  return nullptr;
}

std::optional<SignatureScheme> scheme_by_uri(const std::string& uri) {
  if (uri == "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256") return SignatureScheme::ecdsa_sha256;
  if (uri == "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384") return SignatureScheme::ecdsa_sha384;
  if (uri == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256") return SignatureScheme::rsa_pkcs1_sha256;
  return std::nullopt;
}

// A path of children in one namespace; null when any step is missing.
xmlNode* path(xmlNode* from, const char* ns, std::initializer_list<const char*> names) {
  for (const char* name : names)
    if (from) from = child(from, ns, name);
  return from;
}

std::vector<xmlNode*> children(xmlNode* parent, const char* ns, const char* local) {
  std::vector<xmlNode*> out;
  for (xmlNode* n = parent ? child(parent, ns, local) : nullptr; n; n = n->next)
    if (n->type == XML_ELEMENT_NODE && n->ns && std::string(reinterpret_cast<const char*>(n->ns->href)) == ns &&
        std::string(reinterpret_cast<const char*>(n->name)) == local)
      out.push_back(n);
  return out;
}

std::optional<std::int64_t> xml_time(const std::string& text) {
  std::tm tm{};
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec) != 6)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm));  // times are written in UTC ("Z")
}

void validate_xades(ValidationReport& report, const std::string& xml, const SignedContent& detached,
                    const TrustAnchors& trust, const ValidationSettings& settings, const EvidenceFetcher& evidence) {
  XmlDocument doc(xml);
  auto signatures = doc.elements(kDsNs, "Signature");
  if (signatures.empty()) throw UserError("verify.no_signature", {{"file", report.document}});
  for (xmlNode* sig : signatures) {
    SignatureResult r;
    r.id = "S-" + std::to_string(report.signatures.size() + 1);
    r.level = level_name(Level::b);
    r.indication = Indication::total_passed;
    xmlNode* signed_info = child(sig, kDsNs, "SignedInfo");
    xmlNode* properties = path(sig, kDsNs, {"Object"});
    properties = properties ? child(properties, kXadesNs, "QualifyingProperties") : nullptr;
    xmlNode* signed_props = path(properties, kXadesNs, {"SignedProperties", "SignedSignatureProperties"});
    xmlNode* unsigned_props = path(properties, kXadesNs, {"UnsignedProperties", "UnsignedSignatureProperties"});

    // The signer's certificate, from KeyInfo.
    ossl::Cert cert;
    try {
      cert = ossl::cert_from_der(from_base64(text_of(path(sig, kDsNs, {"KeyInfo", "X509Data", "X509Certificate"}))));
    } catch (const std::exception&) {
      ERR_clear_error();
    }
    if (!cert || !signed_info) {
      r.format = "XAdES";
      r.checks.push_back({"signing-certificate", false, "no ds:SignedInfo or signer certificate in ds:KeyInfo"});
      conclude(r, Indication::indeterminate, "NO_SIGNING_CERTIFICATE_FOUND");
      report.signatures.push_back(std::move(r));
      continue;
    }
    describe_signer(r, cert.get());

    // Every reference: the document (enveloped), the file (detached), the signed properties.
    bool enveloped = false, properties_signed = false, data_missing = false;
    std::string problem;
    for (xmlNode* ref : children(signed_info, kDsNs, "Reference")) {
      std::string uri = attribute(ref, "URI");
      const EVP_MD* md = digest_by_uri(attribute(child(ref, kDsNs, "DigestMethod"), "Algorithm"));
      Bytes expected = from_base64(text_of(child(ref, kDsNs, "DigestValue")));
      Bytes actual;
      if (!md) {
        problem = "unsupported digest algorithm";
      } else if (uri.empty()) {
        enveloped = true;
        actual = ossl::digest(md, as_bytes(doc.canonical(nullptr, sig)));
      } else if (uri[0] == '#') {
        xmlNode* target = doc.by_id(uri.substr(1));
        if (!target) problem = "reference " + uri + " not found";
        else actual = ossl::digest(md, as_bytes(doc.canonical(target)));
        properties_signed |= target && attribute(ref, "Type") == "http://uri.etsi.org/01903#SignedProperties";
      } else if (!detached.given()) {
        data_missing = true;
        continue;
      } else {
        actual = detached.bytes ? ossl::digest(md, *detached.bytes) : digest_file(md, *detached.file);
      }
      if (problem.empty() && actual != expected) problem = "the content of reference \"" + uri + "\" differs from the one signed";
    }
    r.format = enveloped ? "XAdES (enveloped)" : "XAdES (detached)";
    if (data_missing) {
      r.checks.push_back({"message-digest", false, "detached signature: the signed file was not given (--data)"});
      conclude(r, Indication::indeterminate, "SIGNED_DATA_NOT_FOUND");
    } else {
      r.checks.push_back({"message-digest", problem.empty(), problem.empty() ? "every reference is the one signed" : problem});
      if (!problem.empty()) conclude(r, Indication::total_failed, "HASH_FAILURE");
    }

    // The signature value over the canonical SignedInfo.
    auto scheme = scheme_by_uri(attribute(child(signed_info, kDsNs, "SignatureMethod"), "Algorithm"));
    bool exclusive = attribute(child(signed_info, kDsNs, "CanonicalizationMethod"), "Algorithm") ==
                     "http://www.w3.org/2001/10/xml-exc-c14n#";
    xmlNode* value_node = child(sig, kDsNs, "SignatureValue");
    bool signature_ok = false;
    if (scheme && exclusive && value_node) {
      try {
        Bytes value = from_base64(text_of(value_node));
        if (*scheme != SignatureScheme::rsa_pkcs1_sha256) value = ecdsa_raw_to_der(value);
        signature_ok = verify_signature(ossl::public_key_der(X509_get0_pubkey(cert.get())), *scheme,
                                        as_bytes(doc.canonical(signed_info)), value);
      } catch (const std::exception&) {
        ERR_clear_error();
      }
    }
    r.checks.push_back({"signature", signature_ok,
                        signature_ok ? "signature value verified"
                        : !scheme || !exclusive ? "unsupported signature or canonicalisation method"
                                                : "signature value does not verify"});
    if (!signature_ok) conclude(r, Indication::total_failed, "SIG_CRYPTO_FAILURE");

    // SigningCertificateV2 (or V1) names this certificate, inside signed properties.
    xmlNode* cert_digest = path(signed_props, kXadesNs, {"SigningCertificateV2", "Cert", "CertDigest"});
    if (!cert_digest) cert_digest = path(signed_props, kXadesNs, {"SigningCertificate", "Cert", "CertDigest"});
    Check signing_certificate{"signing-certificate", false, "SigningCertificateV2 missing"};
    if (cert_digest && properties_signed) {
      const EVP_MD* md = digest_by_uri(attribute(child(cert_digest, kDsNs, "DigestMethod"), "Algorithm"));
      bool same = md && from_base64(text_of(child(cert_digest, kDsNs, "DigestValue"))) == ossl::digest(md, ossl::to_der(cert.get()));
      signing_certificate = {"signing-certificate", same, same ? "certificate hash matches" : "certificate hash differs"};
    } else if (cert_digest) {
      signing_certificate.detail = "the signed properties are not signed (missing)";
    }
    r.checks.push_back(signing_certificate);
    if (!signing_certificate.passed)
      conclude(r, Indication::indeterminate,
               signing_certificate.detail.find("missing") != std::string::npos ? "FORMAT_FAILURE" : "NO_SIGNING_CERTIFICATE_FOUND");
    r.claimed_signing_time = xml_time(text_of(child(signed_props, kXadesNs, "SigningTime")));

    Claims claims;
    if (value_node) {
      std::string canonical_value = doc.canonical(value_node);
      claims.timestamped.assign(canonical_value.begin(), canonical_value.end());
    }
    for (xmlNode* ts : children(unsigned_props, kXadesNs, "SignatureTimeStamp"))
      claims.timestamps.push_back(from_base64(text_of(child(ts, kXadesNs, "EncapsulatedTimeStamp"))));
    if (xmlNode* id = path(signed_props, kXadesNs, {"SignaturePolicyIdentifier", "SignaturePolicyId"})) {
      std::string oid = text_of(path(id, kXadesNs, {"SigPolicyId", "Identifier"}));
      if (oid.rfind("urn:oid:", 0) == 0) oid = oid.substr(8);
      claims.policy = Policy{oid, from_base64(text_of(path(id, kXadesNs, {"SigPolicyHash"}) ?
                                                           child(path(id, kXadesNs, {"SigPolicyHash"}), kDsNs, "DigestValue")
                                                           : nullptr))};
    }
    // LT: what the signature carries for later validation.
    std::vector<Bytes> crls, ocsp;
    CertStack untrusted;
    std::vector<ossl::Cert> carried;
    for (xmlNode* c : children(path(unsigned_props, kXadesNs, {"CertificateValues"}), kXadesNs, "EncapsulatedX509Certificate")) {
      try {
        carried.push_back(ossl::cert_from_der(from_base64(text_of(c))));
        untrusted.add(carried.back().get());
      } catch (const std::exception&) {
        ERR_clear_error();
      }
    }
    for (const auto& c : trust.intermediates()) untrusted.add(c.get());
    xmlNode* revocation = path(unsigned_props, kXadesNs, {"RevocationValues"});
    for (xmlNode* c : children(path(revocation, kXadesNs, {"CRLValues"}), kXadesNs, "EncapsulatedCRLValue"))
      crls.push_back(from_base64(text_of(c)));
    for (xmlNode* o : children(path(revocation, kXadesNs, {"OCSPValues"}), kXadesNs, "EncapsulatedOCSPValue"))
      ocsp.push_back(from_base64(text_of(o)));
    apply_common_rules(r, cert.get(), claims, report.validation_time, ocsp, crls, untrusted, trust, settings, evidence);

    // Archive timestamps (LTA), each over what the signature was when it was added.
    for (xmlNode* archive : children(unsigned_props, kXades141Ns, "ArchiveTimeStamp")) {
      TimestampResult t;
      std::string failure;
      try {
        std::optional<std::string> data;
        if (detached.bytes) data = std::string(detached.bytes->begin(), detached.bytes->end());
        else if (detached.file) data = read_file(*detached.file);
        std::string input = archive_input(doc, sig, archive, data ? &*data : nullptr);
        t = check_timestamp(from_base64(text_of(child(archive, kXadesNs, "EncapsulatedTimeStamp"))), as_bytes(input),
                            trust, untrusted);
      } catch (const std::exception& e) {
        failure = e.what();
      }
      t.detail = "archive timestamp: " + (failure.empty() ? t.detail : failure);
      r.checks.push_back({"archive-timestamp", t.valid, t.detail});
      if (t.valid && r.level == level_name(Level::lt)) r.level = level_name(Level::lta);
      r.timestamps.push_back(std::move(t));
    }
    if (r.indication == Indication::total_passed) r.sub_indication.clear();
    report.signatures.push_back(std::move(r));
  }
}

ValidationReport empty_report(ByteView document, const std::string& name, const ValidationSettings& settings) {
  ValidationReport report;
  report.document = name;
  report.document_sha256 = ossl::sha256_hex(document);
  report.validation_time = settings.at.value_or(now_seconds());
  return report;
}

}  // namespace

ValidationReport validate_cades(ByteView signature, const SignedContent& detached, const std::string& name,
                                const TrustAnchors& trust, const ValidationSettings& settings,
                                const EvidenceFetcher& evidence) {
  ValidationReport report = empty_report(signature, name, settings);
  validate_cms(report, signature, detached, Beside{}, trust, settings, evidence);
  return report;
}

ValidationReport validate_pades(const std::string& pdf, const std::string& name, const TrustAnchors& trust,
                                const ValidationSettings& settings, const EvidenceFetcher& evidence) {
  ValidationReport report = empty_report(as_bytes(pdf), name, settings);
  const ValidationData stored = pdf_validation_data(pdf);
  const auto signatures = pdf_signatures(pdf);
  if (signatures.empty()) throw UserError("verify.no_signature", {{"file", name}});
  PdfChangeAnalysis changes_after(pdf);
  // Document timestamps (LTA): each proves everything before its revision.
  CertStack untrusted;
  for (const auto& c : trust.intermediates()) untrusted.add(c.get());
  std::vector<std::pair<std::size_t, TimestampResult>> archives;
  for (const PdfSignature& slot : signatures)
    if (slot.document_timestamp && slot.range_ok) {
      TimestampResult t = check_timestamp(slot.contents, slot.signed_bytes(pdf), trust, untrusted);
      t.detail = "document timestamp (archive): " + t.detail;
      archives.emplace_back(slot.revision_length(), std::move(t));
    }
  for (const PdfSignature& slot : signatures) {
    if (slot.document_timestamp) continue;
    std::size_t first = report.signatures.size();
    SignedContent covered;
    covered.bytes = slot.signed_bytes(pdf);
    validate_cms(report, slot.contents, covered, Beside{"PAdES", &stored, slot.signing_time}, trust, settings, evidence);
    // What the PDF says beside the CMS: the byte range and what changed after it.
    PdfChanges changes = changes_after.after(slot.revision_length());
    for (std::size_t i = first; i < report.signatures.size(); ++i) {
      SignatureResult& r = report.signatures[i];
      // A document that is not the one signed fails whatever else was found.
      auto fail = [&r](const char* sub) {
        if (r.indication != Indication::total_failed) r.sub_indication = sub;
        r.indication = Indication::total_failed;
      };
      r.checks.push_back({"byte-range", slot.range_ok, slot.range_detail});
      if (!slot.range_ok) fail("FORMAT_FAILURE");
      r.checks.push_back({"pdf-changes", !changes.content_changed, changes.summary});
      if (changes.content_changed) fail("HASH_FAILURE");
      for (const auto& [end, archive] : archives) {
        if (end <= slot.revision_length()) continue;  // only those made after this signature
        r.timestamps.push_back(archive);
        if (archive.valid && r.level == level_name(Level::lt)) r.level = level_name(Level::lta);
      }
      if (r.indication == Indication::total_passed) r.sub_indication.clear();
    }
  }
  return report;
}

ValidationReport validate_document(const std::string& data, const std::string& name, const SignedContent& detached,
                                   const TrustAnchors& trust, const ValidationSettings& settings,
                                   const EvidenceFetcher& evidence) {
  if (data.rfind("%PDF", 0) == 0) return validate_pades(data, name, trust, settings, evidence);
  if (auto first = data.find_first_not_of(" \t\r\n\xEF\xBB\xBF"); first != std::string::npos && data[first] == '<') {
    ValidationReport report = empty_report(as_bytes(data), name, settings);
    validate_xades(report, data, detached, trust, settings, evidence);
    return report;
  }
  return validate_cades(as_bytes(data), detached, name, trust, settings, evidence);
}

ValidationReport validate_file(const std::filesystem::path& file, const std::optional<std::filesystem::path>& detached,
                               const TrustAnchors& trust, const ValidationSettings& settings,
                               const EvidenceFetcher& evidence) {
  std::string data;
  try {
    data = read_file(file);
  } catch (const std::exception&) {
    throw UserError("sign.cannot_read", {{"file", file.string()}});
  }
  SignedContent content;
  content.file = detached;
  return validate_document(data, file.filename().string(), content, trust, settings, evidence);
}

}  // namespace tugra::sign
