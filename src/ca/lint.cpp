#include "ca/lint.hpp"
#include "ca/nes_policy.hpp"

#include "common/text.hpp"

#include <openssl/ec.h>
#include <openssl/x509v3.h>

#include "ca/qc_statements.hpp"
#include "common/error.hpp"
#include "common/tckn.hpp"
#include "crypto/openssl.hpp"

namespace tugra::ca {
namespace {


bool has_extension(const X509* cert, int nid, int* critical = nullptr) {
  int idx = X509_get_ext_by_NID(cert, nid, -1);
  if (idx < 0) return false;
  if (critical) *critical = X509_EXTENSION_get_critical(X509_get_ext(cert, idx));
  return true;
}

}  // namespace

void check_key_strength(ByteView spki) {
  ossl::Pkey key;
  try {
    key = ossl::public_key_from_der(spki);
  } catch (const std::exception&) {
    throw UserError("ca.bad_public_key");
  }
  check_key_strength(key.get());
}

void check_key_strength(const EVP_PKEY* key) {
  if (!key) throw UserError("ca.bad_public_key");
  int id = EVP_PKEY_get_base_id(key);
  if (id == EVP_PKEY_RSA) {
    int bits = EVP_PKEY_get_bits(key);
    if (bits < 2048 || bits > 8192) throw UserError("ca.weak_key", {{"detail", "RSA " + std::to_string(bits)}});
    return;
  }
  if (id == EVP_PKEY_EC) {
    char group[64] = {0};
    std::size_t len = 0;
    EVP_PKEY_get_group_name(key, group, sizeof group, &len);
    std::string g(group);
    if (g == "prime256v1" || g == "secp384r1" || g == "secp521r1") return;
    throw UserError("ca.weak_key", {{"detail", "EC " + (g.empty() ? std::string("?") : g)}});
  }
  throw UserError("ca.weak_key", {{"detail", OBJ_nid2sn(id)}});
}

void check_name_field(const std::string& value, const char* field, int max) {
  int len = utf8_length(value);
  if (len <= 0 || value.front() == ' ' || value.back() == ' ' || len > max)
    throw UserError("ca.bad_name", {{"field", field}});
}

void check_holder(const Holder& h) {
  if (!is_valid_tckn(h.tckn)) throw UserError("ca.invalid_tckn", {{"tckn", h.tckn}});
  auto check_name = check_name_field;
  check_name(h.given_name, "given-name", 64);
  check_name(h.surname, "surname", 64);
  // ub-common-name (RFC 5280): the CN "Ad Soyad" must fit in 64 characters.
  if (utf8_length(h.common_name()) > 64) throw UserError("ca.bad_name", {{"field", "CN"}});
  if (h.locality) check_name(*h.locality, "locality", 128);
}

std::vector<std::string> lint_nes_certificate(const X509* cert, const ProfileSettings& s, const EVP_PKEY* subject_key,
                                              const X509* issuer) {
  std::vector<std::string> problems;
  auto require = [&](bool ok, const char* key) {
    if (!ok) problems.emplace_back(key);
  };

  require(X509_get_version(cert) == X509_VERSION_3, "lint.version");
  ossl::Ptr<BIGNUM, BN_free> serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  require(serial && !BN_is_negative(serial.get()) && BN_num_bits(serial.get()) >= 64, "lint.serial");

  const X509_NAME* subject = X509_get_subject_name(cert);
  auto entry = [&](int nid) -> std::string {
    int idx = X509_NAME_get_index_by_NID(subject, nid, -1);
    if (idx < 0) return {};
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx));
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                       static_cast<std::size_t>(ASN1_STRING_length(data)));
  };
  require(entry(NID_countryName) == "TR", "lint.country");
  std::string serial_number = entry(NID_serialNumber);
  if (s.etsi_serial_number && serial_number.rfind("PNOTR-", 0) == 0) serial_number = serial_number.substr(6);
  require(is_valid_tckn(serial_number), "lint.subject_tckn");
  require(!entry(NID_commonName).empty() && !entry(NID_givenName).empty() && !entry(NID_surname).empty(),
          "lint.subject_names");

  int critical = 0;
  // Decoded here, not through X509_get_key_usage(): that reads a cache which
  // an unsigned certificate under construction may have filled too early.
  ossl::Ptr<ASN1_BIT_STRING, ASN1_BIT_STRING_free> ku(
      static_cast<ASN1_BIT_STRING*>(X509_get_ext_d2i(cert, NID_key_usage, nullptr, nullptr)));
  bool ku_exact = ku != nullptr;
  for (int bit = 0; ku_exact && bit < 9; ++bit) {
    bool wanted = false;
    for (int b : nes_policy::kKeyUsageBits) wanted |= b == bit;
    ku_exact = (ASN1_BIT_STRING_get_bit(ku.get(), bit) != 0) == wanted;
  }
  require(has_extension(cert, NID_key_usage, &critical) && critical && ku_exact, "lint.key_usage");
  ossl::Ptr<BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free> bc(
      static_cast<BASIC_CONSTRAINTS*>(X509_get_ext_d2i(cert, NID_basic_constraints, nullptr, nullptr)));
  require(bc && !bc->ca, "lint.basic_constraints");
  require(has_extension(cert, NID_subject_key_identifier) && has_extension(cert, NID_authority_key_identifier),
          "lint.key_identifiers");
  require(has_extension(cert, NID_crl_distribution_points), "lint.crl_dp");
  require(has_extension(cert, NID_info_access), "lint.aia");

  // The provider's policy must carry a non-empty UserNotice.
  ossl::Ptr<CERTIFICATEPOLICIES, CERTIFICATEPOLICIES_free> policies(
      static_cast<CERTIFICATEPOLICIES*>(X509_get_ext_d2i(cert, NID_certificate_policies, nullptr, nullptr)));
  bool notice = false;
  ossl::Ptr<ASN1_OBJECT, ASN1_OBJECT_free> own(OBJ_txt2obj(s.policy_oid.c_str(), 1));
  for (int i = 0; policies && own && i < sk_POLICYINFO_num(policies.get()); ++i) {
    POLICYINFO* info = sk_POLICYINFO_value(policies.get(), i);
    if (OBJ_cmp(info->policyid, own.get()) != 0) continue;
    for (int q = 0; q < sk_POLICYQUALINFO_num(info->qualifiers); ++q) {
      POLICYQUALINFO* qual = sk_POLICYQUALINFO_value(info->qualifiers, q);
      if (OBJ_obj2nid(qual->pqualid) == NID_id_qt_unotice && qual->d.usernotice->exptext &&
          ASN1_STRING_length(qual->d.usernotice->exptext) > 0)
        notice = true;
    }
  }
  require(notice, "lint.policy_notice");

  ossl::Ptr<ASN1_OBJECT, ASN1_OBJECT_free> qc_oid(OBJ_txt2obj(oid::qc_statements, 1));
  require(X509_get_ext_by_OBJ(cert, qc_oid.get(), -1) >= 0, "lint.qc_statements");

  // Lifetime: at most the longest the policy offers.
  const ASN1_TIME* nb = X509_get0_notBefore(cert);
  const ASN1_TIME* na = X509_get0_notAfter(cert);
  int days = 0, secs = 0;
  require(ASN1_TIME_diff(&days, &secs, nb, na) == 1 && days > 0 && days <= nes_policy::max_validity_days(), "lint.validity");
  // RFC 5280 §6 does not forbid it, but a certificate valid after its
  // issuer's end cannot be validated then (ETSI EN 319 411-1 GEN-6.3.3).
  require(issuer && ASN1_TIME_compare(na, X509_get0_notAfter(issuer)) <= 0, "lint.outlives_issuer");

  try {
    check_key_strength(subject_key);
  } catch (const std::exception&) {
    problems.emplace_back("lint.key");
  }
  return problems;
}

}  // namespace tugra::ca
