#include "ca/profile.hpp"
#include "ca/nes_policy.hpp"

#include <openssl/x509v3.h>

#include "common/clock.hpp"
#include "common/error.hpp"

namespace tugra::ca {

ProfileSettings ProfileSettings::from_config(const Config& c) {
  ProfileSettings s;
  s.public_base_url = c.str("service.public_base_url");
  while (!s.public_base_url.empty() && s.public_base_url.back() == '/') s.public_base_url.pop_back();
  s.organization = c.str("ca.organization");
  s.policy_oid = c.str("profile.policy_oid");
  s.cps_uri = c.str("profile.cps_uri").empty() ? s.url("/cps") : c.str("profile.cps_uri");
  s.user_notice = c.str("profile.user_notice");
  s.pds_url = c.str("profile.qc_pds_url");
  // ETSI EN 319 412-5 §4.3.4: the PKI disclosure statement is served over https.
  if (!s.pds_url.empty() && s.pds_url.rfind("https://", 0) != 0)
    throw UserError("ca.pds_not_https", {{"url", s.pds_url}});
  s.currency = c.str("profile.currency");
  s.etsi_qcp_policy = c.boolean("profile.etsi_qcp_policy");
  s.etsi_serial_number = c.boolean("profile.etsi_serial_number");
  return s;
}

Validity Validity::years_from(std::int64_t start, int years) {
  return {start, add_years(start, years) - 86400};
}

Bytes random_serial() {
  Bytes serial = random_bytes(16);
  serial[0] = static_cast<std::uint8_t>((serial[0] & 0x7F) | 0x01);
  return serial;
}

ossl::Name ca_name(const ProfileSettings& s, const std::string& common_name) {
  return make_name({{NID_countryName, "TR"}, {NID_organizationName, s.organization}, {NID_commonName, common_name}});
}

ossl::Name holder_name(const ProfileSettings& s, const Holder& h) {
  std::string serial = s.etsi_serial_number ? "PNOTR-" + h.tckn : h.tckn;
  ossl::Name name = make_name({{NID_countryName, "TR"}});
  auto add = [&](int nid, const std::string& value) {
    if (X509_NAME_add_entry_by_NID(name.get(), nid, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1)
      throw ossl::Error("holder name");
  };
  if (h.locality) add(NID_localityName, *h.locality);
  add(NID_serialNumber, serial);
  add(NID_givenName, h.given_name);
  add(NID_surname, h.surname);
  add(NID_commonName, h.common_name());
  return name;
}

namespace {

using Policies = ossl::Ptr<CERTIFICATEPOLICIES, CERTIFICATEPOLICIES_free>;

POLICYINFO* policy(const char* oid) {
  POLICYINFO* info = POLICYINFO_new();
  info->policyid = OBJ_txt2obj(oid, 1);
  if (!info->policyid) throw ossl::Error(std::string("policy OID ") + oid);
  return info;
}

// The provider's policy with its CPS pointer and, for holder certificates,
// the Turkish UserNotice that MA3-based verifiers insist on.
Policies policies(const ProfileSettings& s, bool user_notice, bool etsi) {
  Policies list(sk_POLICYINFO_new_null());
  POLICYINFO* own = policy(s.policy_oid.c_str());
  own->qualifiers = sk_POLICYQUALINFO_new_null();
  POLICYQUALINFO* cps = POLICYQUALINFO_new();
  cps->pqualid = OBJ_nid2obj(NID_id_qt_cps);
  cps->d.cpsuri = ASN1_IA5STRING_new();
  ASN1_STRING_set(cps->d.cpsuri, s.cps_uri.data(), static_cast<int>(s.cps_uri.size()));
  sk_POLICYQUALINFO_push(own->qualifiers, cps);
  if (user_notice) {
    POLICYQUALINFO* notice = POLICYQUALINFO_new();
    notice->pqualid = OBJ_nid2obj(NID_id_qt_unotice);
    notice->d.usernotice = USERNOTICE_new();
    notice->d.usernotice->exptext = ASN1_UTF8STRING_new();
    ASN1_STRING_set(notice->d.usernotice->exptext, s.user_notice.data(), static_cast<int>(s.user_notice.size()));
    sk_POLICYQUALINFO_push(own->qualifiers, notice);
  }
  sk_POLICYINFO_push(list.get(), own);
  if (etsi) sk_POLICYINFO_push(list.get(), policy(oid::etsi_qcp_n_qscd));
  return list;
}

CertificateBuilder base(const X509_NAME* subject, const X509* issuer, const ossl::PublicKey& key, ByteView serial, Validity v) {
  CertificateBuilder b;
  b.serial(serial).validity(v.not_before, v.not_after).subject(subject).issuer(issuer).public_key(key);
  return b;
}

}  // namespace

CertificateBuilder root_ca(const ProfileSettings& s, const std::string& name, const ossl::PublicKey& key, Validity v) {
  auto subject = ca_name(s, name);
  auto b = base(subject.get(), nullptr, key, random_serial(), v);
  b.extension(NID_basic_constraints, "critical,CA:TRUE")
      .extension(NID_key_usage, "critical,keyCertSign,cRLSign")
      .extension(NID_subject_key_identifier, "hash");
  return b;
}

CertificateBuilder issuing_ca(const ProfileSettings& s, const std::string& name, const ossl::PublicKey& key, Validity v,
                              const X509* root) {
  auto subject = ca_name(s, name);
  auto b = base(subject.get(), root, key, random_serial(), v);
  // The provider's policy and, as the holder certificates assert it, ETSI
  // QCP-n-qscd: a verifier that requires that policy (explicit_policy)
  // finds it on every certificate of the path.
  auto list = policies(s, false, s.etsi_qcp_policy);
  b.extension(NID_basic_constraints, "critical,CA:TRUE,pathlen:0")
      .extension(NID_key_usage, "critical,keyCertSign,cRLSign")
      .extension(NID_subject_key_identifier, "hash")
      .extension(NID_authority_key_identifier, "keyid:always")
      .extension_object(NID_certificate_policies, list.get(), false)
      // CA certificates are checked by CRL only, as Kamu SM does: no OCSP URL.
      .extension(NID_crl_distribution_points, "URI:" + s.url("/crl/root.crl"))
      .extension(NID_info_access, "caIssuers;URI:" + s.url("/ca/root.crt"));
  return b;
}

int generation_of(const std::string& issuing_id) {
  if (issuing_id.rfind("nes-", 0) != 0) return 1;
  try {
    return std::stoi(issuing_id.substr(4));
  } catch (const std::exception&) {
    return 1;
  }
}

std::string generation_id(int generation) { return generation <= 1 ? "nes" : "nes-" + std::to_string(generation); }

std::string generation_name(const std::string& name, int generation) {
  static const std::string version = "Sürüm ";
  auto at = name.rfind(version);
  if (at != std::string::npos && at + version.size() < name.size() &&
      name.find_first_not_of("0123456789", at + version.size()) == std::string::npos)
    return name.substr(0, at + version.size()) + std::to_string(generation);
  return generation <= 1 ? name : name + " - " + version + std::to_string(generation);
}

CertificateBuilder ocsp_responder(const ProfileSettings& s, const std::string& name, const ossl::PublicKey& key, Validity v,
                                  const X509* issuing) {
  auto subject = ca_name(s, name);
  auto b = base(subject.get(), issuing, key, random_serial(), v);
  // RFC 6960 §4.2.2.2: id-kp-OCSPSigning; ocsp-nocheck so clients do not ask
  // the responder about itself; no OCSP AIA.
  b.extension(NID_basic_constraints, "critical,CA:FALSE")
      .extension(NID_key_usage, "critical,digitalSignature")
      .extension(NID_ext_key_usage, "OCSPSigning")
      .extension(NID_id_pkix_OCSP_noCheck, "ignored")
      .extension(NID_subject_key_identifier, "hash")
      .extension(NID_authority_key_identifier, "keyid:always");
  return b;
}

CertificateBuilder time_stamping_unit(const ProfileSettings& s, const std::string& name, const ossl::PublicKey& key,
                                      Validity v, const X509* issuing, const std::string& issuing_id) {
  auto subject = ca_name(s, name);
  auto b = base(subject.get(), issuing, key, random_serial(), v);
  b.extension(NID_basic_constraints, "critical,CA:FALSE")
      .extension(NID_key_usage, "critical,digitalSignature,nonRepudiation")
      .extension(NID_ext_key_usage, "critical,timeStamping")
      .extension(NID_subject_key_identifier, "hash")
      .extension(NID_authority_key_identifier, "keyid:always")
      .extension(NID_crl_distribution_points, "URI:" + s.url("/crl/" + issuing_id + ".crl"))
      .extension(NID_info_access, "caIssuers;URI:" + s.url("/ca/" + issuing_id + ".crt"));
  return b;
}

NesProfile::NesProfile(const ProfileSettings& s, const X509* issuing, const std::string& issuing_id)
    : settings_(s), issuing_(issuing) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, const_cast<X509*>(issuing), nullptr, nullptr, nullptr, 0);
  auto make = [&](int nid, const std::string& value) {
    Extension ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext) throw ossl::Error(std::string("extension ") + OBJ_nid2sn(nid) + "=" + value);
    return ext;
  };
  key_usage_ = make(NID_key_usage, nes_policy::kKeyUsage);
  basic_constraints_ = make(NID_basic_constraints, "CA:FALSE");
  authority_key_id_ = make(NID_authority_key_identifier, "keyid:always");
  auto list = policies(s, true, s.etsi_qcp_policy);
  policies_.reset(X509V3_EXT_i2d(NID_certificate_policies, 0, list.get()));
  if (!policies_) throw ossl::Error("certificatePolicies");
  crl_dp_ = make(NID_crl_distribution_points, "URI:" + s.url("/crl/" + issuing_id + ".crl"));
  aia_ = make(NID_info_access,
              "OCSP;URI:" + s.url("/ocsp") + ",caIssuers;URI:" + s.url("/ca/" + issuing_id + ".crt"));
}

CertificateBuilder NesProfile::build(const Holder& holder, const ossl::PublicKey& key, ByteView serial, Validity v,
                                     const std::optional<MonetaryLimit>& limit) const {
  const ProfileSettings& s = settings_;
  auto subject = holder_name(s, holder);
  auto b = base(subject.get(), issuing_, key, serial, v);
  QcOptions qc{s.user_notice, limit, s.pds_url, s.etsi_serial_number};
  b.add_extension(key_usage_.get())
      .add_extension(basic_constraints_.get())
      .extension(NID_subject_key_identifier, "hash")
      .add_extension(authority_key_id_.get())
      .add_extension(policies_.get())
      .extension_der(oid::qc_statements, encode_qc_statements(qc), false)
      .add_extension(crl_dp_.get())
      .add_extension(aia_.get());
  return b;
}

}  // namespace tugra::ca
