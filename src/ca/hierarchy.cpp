// `tugra init`: the key ceremony of a new home. Each key is generated in the
// token of its duty (root and issuing keys in the CA token, the OCSP
// responder key in the status token, the audit key in the audit token),
// then the root certifies itself and the issuing CA, and the issuing CA
// certifies its OCSP responder; all of it is recorded in one transaction,
// and the first CRLs are published so a status server has them at once.
#include <nlohmann/json.hpp>

#include <filesystem>

#include "ca/authority.hpp"
#include "ca/lint.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "crypto/openssl.hpp"
#include "crypto/duty_token.hpp"
#include "crypto/token.hpp"

namespace tugra::ca {
namespace {

struct KeyPlan {
  const char* id;
  const char* kind;
  const char* label;
  std::string algorithm;
  Duty duty;
};

}  // namespace

std::unique_ptr<CertificateAuthority> CertificateAuthority::initialize(const Config& given, const std::string& actor) {
  std::filesystem::create_directories(given.home());
  auto config_file = given.home() / "tugra.toml";
  if (!std::filesystem::exists(config_file)) write_file_atomic(config_file, Config::default_file_text(), 0600);
  Config config = Config::load(given.home());

  auto ledger = store::Ledger::open(config, actor);
  std::unique_ptr<CertificateAuthority> ca(new CertificateAuthority(config, *ledger));
  ca->own_ledger_ = std::move(ledger);
  auto& db = ca->ledger_.database();
  if (!store::AuthorityRepository(db).all().empty())
    throw UserError("ca.exists", {{"home", config.home().string()}});
  parse_key_algorithm(config.str("ca.key_algorithm"));  // fail before touching a token
  parse_key_algorithm(config.str("ca.ocsp_key_algorithm"));
  for (const char* key : {"ca.root_name", "ca.issuing_name", "ca.ocsp_name", "ca.organization"}) {
    try {
      check_name_field(config.str(key), key, 64);
    } catch (const UserError&) {
      throw UserError("ca.bad_ca_name", {{"key", key}});
    }
  }

  // One token per duty, each with its own PIN.
  std::unique_ptr<Token> tokens[3];
  for (Duty duty : {Duty::ca, Duty::status, Duty::audit})
    tokens[static_cast<int>(duty)] = create_duty_token(config, duty);
  const KeyPlan plans[] = {
      {"root", "root-ca", "tugra-root", config.str("ca.key_algorithm"), Duty::ca},
      {"nes", "issuing-ca", "tugra-nes", config.str("ca.key_algorithm"), Duty::ca},
      {"nes-ocsp", "ocsp-responder", "tugra-nes-ocsp", config.str("ca.ocsp_key_algorithm"), Duty::status},
      {"audit", "audit", "tugra-audit", "ecdsa-p256", Duty::audit},
  };
  // A key left by an init that crashed before recording anything is reused:
  // it was never certified, and deleting keys is no job for an automatic step.
  std::vector<std::pair<Bytes, bool>> keys;
  for (const auto& plan : plans) {
    Token& token = *tokens[static_cast<int>(plan.duty)];
    bool existed = token.has_key(plan.label);
    keys.emplace_back(existed ? token.public_key(plan.label)
                              : token.generate_key(parse_key_algorithm(plan.algorithm).key, plan.label),
                      existed);
  }
  Token& token = *tokens[static_cast<int>(Duty::ca)];

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
  ca->ledger_.write([&] {
    store::AuthorityRepository authorities(db);
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
      ca->ledger_.record("ca.key_generated", plan.id,
                         nlohmann::json{{"label", plan.label},
                                        {"algorithm", plan.algorithm},
                                        {"token", duty_name(plan.duty)},
                                        {"reused", keys[i].second}}.dump());
      if (objects[i]) {
        ossl::Ptr<BIGNUM, BN_free> serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(objects[i]), nullptr));
        char* hex = BN_bn2hex(serial.get());
        ca->ledger_.record("ca.authority_certified", plan.id, nlohmann::json{{"subject", a.subject}, {"serial", hex}}.dump());
        OPENSSL_free(hex);
      }
    }
    ca->ledger_.record("ca.initialized", config.home().string(),
               nlohmann::json{{"key_algorithm", config.str("ca.key_algorithm")},
                              {"module", config.str("pkcs11.module")}}.dump());
  });
  ca->token_ = std::move(tokens[static_cast<int>(Duty::ca)]);
  for (const char* id : {"nes", "root"}) ca->publish_crl(id);
  ca->ledger_.checkpoint();
  return ca;
}

}  // namespace tugra::ca
