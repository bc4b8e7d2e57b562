// The certificate profiles of the hierarchy: root CA, NES issuing CA, OCSP
// responder and the holder's qualified (NES) certificate, as described in
// docs/PROFILE.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ca/certificate_builder.hpp"
#include "ca/qc_statements.hpp"
#include "common/config.hpp"

namespace tugra::ca {

struct ProfileSettings {
  std::string public_base_url;
  std::string organization;
  std::string policy_oid;
  std::string cps_uri;
  std::string user_notice;
  std::string pds_url;
  std::string currency;
  bool etsi_qcp_policy = true;
  bool etsi_serial_number = false;

  static ProfileSettings from_config(const Config& config);
  std::string url(const std::string& path) const { return public_base_url + path; }
};

// The holder as the certificate names them.
struct Holder {
  std::string tckn;
  std::string given_name;
  std::string surname;
  std::optional<std::string> locality;
  std::string common_name() const { return given_name + " " + surname; }
};

struct Validity {
  std::int64_t not_before;
  std::int64_t not_after;
  // N years minus one day from `start`, as Kamu SM certificates run.
  static Validity years_from(std::int64_t start, int years);
};

// 16 random bytes, positive, first byte non-zero: 126 bits of entropy.
Bytes random_serial();

ossl::Name ca_name(const ProfileSettings& settings, const std::string& common_name);

// Issuing CA generations (ca/rollover.cpp): "nes" is the first, "nes-2" the second, …
int generation_of(const std::string& issuing_id);
std::string generation_id(int generation);
// A CA name for generation n, in Kamu SM's manner: "… Sürüm 1" becomes
// "… Sürüm n"; a name without a version gets " - Sürüm n" (n > 1).
std::string generation_name(const std::string& name, int generation);
ossl::Name holder_name(const ProfileSettings& settings, const Holder& holder);

CertificateBuilder root_ca(const ProfileSettings& s, const std::string& name, const ossl::PublicKey& key, Validity v);
CertificateBuilder issuing_ca(const ProfileSettings& s, const std::string& name, const ossl::PublicKey& key, Validity v,
                              const X509* root);
CertificateBuilder ocsp_responder(const ProfileSettings& s, const std::string& name, const ossl::PublicKey& key,
                                  Validity v, const X509* issuing);
// RFC 3161 §2.3: the only extended key usage is timeStamping, critical.
CertificateBuilder time_stamping_unit(const ProfileSettings& s, const std::string& name, const ossl::PublicKey& key,
                                      Validity v, const X509* issuing, const std::string& issuing_id);
// The holder (NES) certificate profile of one issuing CA. The extensions
// that are the same for every holder are encoded once, here.
class NesProfile {
 public:
  // `issuing_id` names the CA's CRL and certificate URLs (/crl/<id>.crl, /ca/<id>.crt).
  NesProfile(const ProfileSettings& settings, const X509* issuing, const std::string& issuing_id);
  CertificateBuilder build(const Holder& holder, const ossl::PublicKey& key, ByteView serial, Validity v,
                           const std::optional<MonetaryLimit>& limit) const;

 private:
  using Extension = ossl::Ptr<X509_EXTENSION, X509_EXTENSION_free>;
  const ProfileSettings& settings_;
  const X509* issuing_;
  Extension key_usage_, basic_constraints_, authority_key_id_, policies_, crl_dp_, aia_;
};

}  // namespace tugra::ca
