// `tugra init`: the key ceremony of a new home. Keys are generated in the
// token, then the root certifies itself and the issuing CA, and the issuing
// CA certifies its OCSP responder; all of it is recorded in one transaction.
#include <nlohmann/json.hpp>

#include <filesystem>

#include "ca/authority.hpp"
#include "ca/ca_token.hpp"
#include "ca/lint.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "crypto/openssl.hpp"
#include "crypto/token.hpp"

namespace tugra::ca {
namespace {

struct KeyPlan {
  const char* id;
  const char* kind;
  const char* label;
  std::string algorithm;
};

}  // namespace

std::unique_ptr<CertificateAuthority> CertificateAuthority::initialize(const Config& given, const std::string& actor) {
  std::filesystem::create_directories(given.home());
  auto config_file = given.home() / "tugra.toml";
  if (!std::filesystem::exists(config_file)) write_file_atomic(config_file, Config::default_file_text(), 0600);
  Config config = Config::load(given.home());

  std::unique_ptr<CertificateAuthority> ca(new CertificateAuthority(config, actor));
  if (!store::AuthorityRepository(*ca->db_).all().empty())
    throw UserError("ca.exists", {{"home", config.home().string()}});
  parse_key_algorithm(config.str("ca.key_algorithm"));  // fail before touching the token
  parse_key_algorithm(config.str("ca.ocsp_key_algorithm"));
  for (const char* key : {"ca.root_name", "ca.issuing_name", "ca.ocsp_name", "ca.organization"}) {
    try {
      check_name_field(config.str(key), key, 64);
    } catch (const UserError&) {
      throw UserError("ca.bad_ca_name", {{"key", key}});
    }
  }

  ca->token_ = create_ca_token(config);
  Token& token = *ca->token_;
  const KeyPlan plans[] = {
      {"root", "root-ca", "tugra-root", config.str("ca.key_algorithm")},
      {"nes", "issuing-ca", "tugra-nes", config.str("ca.key_algorithm")},
      {"nes-ocsp", "ocsp-responder", "tugra-nes-ocsp", config.str("ca.ocsp_key_algorithm")},
      {"audit", "audit", "tugra-audit", "ecdsa-p256"},
  };
  // A key left by an init that crashed before recording anything is reused:
  // it was never certified, and deleting keys is no job for an automatic step.
  std::vector<std::pair<Bytes, bool>> keys;
  for (const auto& plan : plans) {
    bool existed = token.has_key(plan.label);
    keys.emplace_back(existed ? token.public_key(plan.label)
                              : token.generate_key(parse_key_algorithm(plan.algorithm).key, plan.label),
                      existed);
  }

  const auto& s = ca->settings_;
  std::int64_t now = now_seconds();
  auto sign_with = [&](const KeyPlan& plan) {
    return token.signer(plan.label, parse_key_algorithm(plan.algorithm).scheme);
  };
  auto root_signer = sign_with(plans[0]);
  auto nes_signer = sign_with(plans[1]);

  auto root_b = root_ca(s, config.str("ca.root_name"), ossl::PublicKey::from_der(keys[0].first),
                        Validity::years_from(now, static_cast<int>(config.integer("ca.root_years"))));
  Bytes root_der = assemble_certificate(root_b.tbs(root_signer->scheme()), *root_signer);
  auto root = ossl::cert_from_der(root_der);

  auto nes_b = issuing_ca(s, config.str("ca.issuing_name"), ossl::PublicKey::from_der(keys[1].first),
                          Validity::years_from(now, static_cast<int>(config.integer("ca.issuing_years"))), root.get());
  Bytes nes_der = assemble_certificate(nes_b.tbs(root_signer->scheme()), *root_signer);
  auto nes = ossl::cert_from_der(nes_der);

  auto ocsp_b = ocsp_responder(s, config.str("ca.ocsp_name"), ossl::PublicKey::from_der(keys[2].first),
                               Validity::years_from(now, static_cast<int>(config.integer("ca.ocsp_years"))), nes.get());
  Bytes ocsp_der = assemble_certificate(ocsp_b.tbs(nes_signer->scheme()), *nes_signer);
  auto ocsp = ossl::cert_from_der(ocsp_der);

  const Bytes* certs[] = {&root_der, &nes_der, &ocsp_der, nullptr};
  const X509* objects[] = {root.get(), nes.get(), ocsp.get(), nullptr};
  ca->write([&] {
    store::AuthorityRepository authorities(*ca->db_);
    for (std::size_t i = 0; i < std::size(plans); ++i) {
      const auto& plan = plans[i];
      store::AuthorityRecord a;
      a.id = plan.id;
      a.kind = plan.kind;
      a.subject = objects[i] ? name_to_string(X509_get_subject_name(objects[i])) : "audit key";
      a.key_label = plan.label;
      a.key_algorithm = plan.algorithm;
      a.public_key = base64_encode(keys[i].first);
      if (certs[i]) a.certificate = base64_encode(*certs[i]);
      a.created_at = now;
      authorities.insert(a);
      ca->record("ca.key_generated", plan.id,
                 nlohmann::json{{"label", plan.label}, {"algorithm", plan.algorithm}, {"reused", keys[i].second}}.dump());
      if (objects[i]) {
        ossl::Ptr<BIGNUM, BN_free> serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(objects[i]), nullptr));
        char* hex = BN_bn2hex(serial.get());
        ca->record("ca.authority_certified", plan.id, nlohmann::json{{"subject", a.subject}, {"serial", hex}}.dump());
        OPENSSL_free(hex);
      }
    }
    ca->record("ca.initialized", config.home().string(),
               nlohmann::json{{"key_algorithm", config.str("ca.key_algorithm")},
                              {"module", config.str("pkcs11.module")}}.dump());
  });
  ca->checkpoint();
  return ca;
}

}  // namespace tugra::ca
