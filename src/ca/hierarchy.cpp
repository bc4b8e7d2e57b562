// The key ceremonies of a home. Each key is generated in the token of its
// duty (root and issuing keys in the CA token, the OCSP responder key in the
// status token, the audit key in the audit token) and each step is recorded
// in one ledger transaction.
//
//   initialize()          one step: root, issuing CA, responder, audit key (the embedded default)
//   initialize_root()     an offline root home: the root key and its self-signed certificate
//   request_issuing()     an issuing home, first half: the issuing key and its PKCS#10 request
//   sign_issuing()        on the root home: the issuing CA certificate for that request
//   complete_issuing()    the issuing home, second half: the certificate checked against its
//                         key and the root, responder and first CRLs; never a root key here
//   import_root_crl()     a newer root CRL, signed offline, published by the issuing home
#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <filesystem>

#include "ca/authority.hpp"
#include "ca/ceremony.hpp"
#include "ca/lint.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "crypto/der.hpp"
#include "crypto/duty_token.hpp"
#include "crypto/openssl.hpp"
#include "crypto/token.hpp"

namespace tugra::ca {
namespace {
// tugra.toml written if missing, the configuration read again from it.
Config prepare_home(const Config& given) {
  std::filesystem::create_directories(given.home());
  std::filesystem::permissions(given.home(), std::filesystem::perms::owner_all);
  auto config_file = Config::file_of(given.home());
  if (!std::filesystem::exists(config_file)) write_file_atomic(config_file, Config::load(given.home()).file_text(), 0600);
  Config config = Config::load(given.home());
  parse_key_algorithm(config.str("ca.key_algorithm"));  // fail before touching a token
  parse_key_algorithm(config.str("ca.ocsp_key_algorithm"));
  for (const char* key : {"ca.root_name", "ca.issuing_name", "ca.ocsp_name", "ca.organization"}) {
    try {
      check_name_field(config.str(key), key, 64);
    } catch (const UserError&) {
      throw UserError("ca.bad_ca_name", {{"key", key}});
    }
  }
  return config;
}

ossl::Ptr<X509_CRL, X509_CRL_free> parse_crl(const std::string& pem_or_der) {
  ossl::Ptr<X509_CRL, X509_CRL_free> crl;
  if (pem_or_der.find("-----BEGIN X509 CRL") != std::string::npos) {
    ossl::Ptr<BIO, BIO_free> bio(BIO_new_mem_buf(pem_or_der.data(), static_cast<int>(pem_or_der.size())));
    crl.reset(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  } else {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(pem_or_der.data());
    crl.reset(d2i_X509_CRL(nullptr, &p, static_cast<long>(pem_or_der.size())));
  }
  ERR_clear_error();
  if (!crl) throw UserError("ca.bad_crl_file");
  return crl;
}

// A root CRL as a stored record, after checking the root signed it.
store::CrlRecord root_crl_record(X509_CRL* crl, const X509* root) {
  if (X509_CRL_verify(crl, X509_get0_pubkey(root)) != 1 ||
      X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(root)) != 0) {
    ERR_clear_error();
    throw UserError("ca.crl_not_from_root");
  }
  ossl::Ptr<ASN1_INTEGER, ASN1_INTEGER_free> number(
      static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl, NID_crl_number, nullptr, nullptr)));
  if (!number || !X509_CRL_get0_nextUpdate(crl)) throw UserError("ca.bad_crl_file");
  store::CrlRecord r;
  r.issuer = "root";
  r.number = ASN1_INTEGER_get(number.get());
  r.this_update = ossl::unix_seconds(X509_CRL_get0_lastUpdate(crl));
  r.next_update = ossl::unix_seconds(X509_CRL_get0_nextUpdate(crl));
  r.entries = sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl));
  unsigned char* der = nullptr;
  int len = i2d_X509_CRL(crl, &der);
  r.der.assign(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return r;
}

}  // namespace

std::unique_ptr<CertificateAuthority> CertificateAuthority::start_ceremony(const Config& config,
                                                                          const std::string& actor) {
  auto ledger = store::Ledger::open(config, actor);
  std::unique_ptr<CertificateAuthority> ca(new CertificateAuthority(config, *ledger));
  ca->own_ledger_ = std::move(ledger);
  if (!store::AuthorityRepository(ca->ledger_.database()).all().empty())
    throw UserError("ca.exists", {{"home", config.home().string()}});
  return ca;
}

namespace {

// The time-stamping unit of the first issuing CA: its key in the TSA token,
// its certificate signed by the issuing CA (and never outliving it).
struct CertifiedKey {
  KeyPlan plan;
  Key key;
  ossl::Cert cert;
};

CertifiedKey certify_time_stamping_unit(const Config& config, const ProfileSettings& s, const Signer& nes_signer,
                                        const X509* nes_cert, std::int64_t now) {
  auto token = create_duty_token(config, Duty::tsa);
  KeyPlan plan = tsa_plan(config);
  Key key = make_key(*token, plan);
  Validity validity = Validity::years_from(now, static_cast<int>(config.integer("ca.tsa_years")));
  validity.not_after = std::min(validity.not_after, ossl::unix_seconds(X509_get0_notAfter(nes_cert)));
  auto b = time_stamping_unit(s, config.str("ca.tsa_name"), ossl::PublicKey::from_der(key.spki), validity, nes_cert,
                              "nes");
  return {plan, key, ossl::cert_from_der(assemble_certificate(b.tbs(nes_signer.scheme()), nes_signer))};
}

}  // namespace

std::unique_ptr<CertificateAuthority> CertificateAuthority::initialize(const Config& given, const std::string& actor) {
  Config config = prepare_home(given);
  auto ca = start_ceremony(config, actor);
  auto ca_token = create_duty_token(config, Duty::ca);
  auto status_token = create_duty_token(config, Duty::status);
  auto audit_token = create_duty_token(config, Duty::audit);
  const KeyPlan root = root_plan(config), nes = issuing_plan(config, 1), ocsp = responder_plan(config),
                audit = audit_plan();
  Key root_key = make_key(*ca_token, root), nes_key = make_key(*ca_token, nes);
  Key ocsp_key = make_key(*status_token, ocsp), audit_key = make_key(*audit_token, audit);

  const auto& s = ca->settings_;
  std::int64_t now = now_seconds();
  auto root_signer = signer_of(*ca_token, root);
  auto nes_signer = signer_of(*ca_token, nes);
  auto root_b = root_ca(s, config.str("ca.root_name"), ossl::PublicKey::from_der(root_key.spki),
                        Validity::years_from(now, static_cast<int>(config.integer("ca.root_years"))));
  auto root_cert = ossl::cert_from_der(assemble_certificate(root_b.tbs(root_signer->scheme()), *root_signer));
  auto nes_b = issuing_ca(s, config.str("ca.issuing_name"), ossl::PublicKey::from_der(nes_key.spki),
                          Validity::years_from(now, static_cast<int>(config.integer("ca.issuing_years"))),
                          root_cert.get());
  auto nes_cert = ossl::cert_from_der(assemble_certificate(nes_b.tbs(root_signer->scheme()), *root_signer));
  auto ocsp_b = ocsp_responder(s, config.str("ca.ocsp_name"), ossl::PublicKey::from_der(ocsp_key.spki),
                               Validity::years_from(now, static_cast<int>(config.integer("ca.ocsp_years"))),
                               nes_cert.get());
  auto ocsp_cert = ossl::cert_from_der(assemble_certificate(ocsp_b.tbs(nes_signer->scheme()), *nes_signer));
  auto tsa = certify_time_stamping_unit(config, s, *nes_signer, nes_cert.get(), now);

  ca->ledger_.write([&] {
    record_authority(ca->ledger_, root, root_key, root_cert.get(), now);
    record_authority(ca->ledger_, nes, nes_key, nes_cert.get(), now);
    record_authority(ca->ledger_, ocsp, ocsp_key, ocsp_cert.get(), now);
    record_authority(ca->ledger_, tsa.plan, tsa.key, tsa.cert.get(), now);
    record_authority(ca->ledger_, audit, audit_key, nullptr, now);
    write_audit_public_key(config, audit_key);
    ca->ledger_.record("ca.initialized", config.home().string(),
                       nlohmann::json{{"key_algorithm", config.str("ca.key_algorithm")},
                                      {"module", config.str("pkcs11.module")}}.dump());
  });
  ca->token_ = std::move(ca_token);
  for (const char* id : {"nes", "root"}) ca->publish_crl(id);
  ca->ledger_.checkpoint();
  return ca;
}

std::unique_ptr<CertificateAuthority> CertificateAuthority::initialize_root(const Config& given,
                                                                           const std::string& actor) {
  Config config = prepare_home(given);
  auto ca = start_ceremony(config, actor);
  auto ca_token = create_duty_token(config, Duty::ca);
  auto audit_token = create_duty_token(config, Duty::audit);  // the root's own ceremonies are audited too
  const KeyPlan root = root_plan(config), audit = audit_plan();
  Key root_key = make_key(*ca_token, root), audit_key = make_key(*audit_token, audit);
  std::int64_t now = now_seconds();
  auto root_signer = signer_of(*ca_token, root);
  auto root_b = root_ca(ca->settings_, config.str("ca.root_name"), ossl::PublicKey::from_der(root_key.spki),
                        Validity::years_from(now, static_cast<int>(config.integer("ca.root_years"))));
  auto root_cert = ossl::cert_from_der(assemble_certificate(root_b.tbs(root_signer->scheme()), *root_signer));
  ca->ledger_.write([&] {
    record_authority(ca->ledger_, root, root_key, root_cert.get(), now);
    record_authority(ca->ledger_, audit, audit_key, nullptr, now);
    write_audit_public_key(config, audit_key);
    ca->ledger_.record("ca.initialized", config.home().string(),
                       nlohmann::json{{"mode", "root-only"}, {"key_algorithm", config.str("ca.key_algorithm")}}.dump());
  });
  ca->token_ = std::move(ca_token);
  ca->publish_crl("root");
  ca->ledger_.checkpoint();
  return ca;
}

std::string CertificateAuthority::request_issuing(const Config& given, const std::string& actor) {
  Config config = prepare_home(given);
  auto ca = start_ceremony(config, actor);
  auto ca_token = create_duty_token(config, Duty::ca);
  auto audit_token = create_duty_token(config, Duty::audit);
  const KeyPlan nes = issuing_plan(config, 1), audit = audit_plan();
  Key nes_key = make_key(*ca_token, nes), audit_key = make_key(*audit_token, audit);
  auto subject = ca_name(ca->settings_, config.str("ca.issuing_name"));
  std::string csr =
      certification_request(subject, ossl::PublicKey::from_der(nes_key.spki), *signer_of(*ca_token, nes));
  std::int64_t now = now_seconds();
  ca->ledger_.write([&] {
    record_authority(ca->ledger_, nes, nes_key, nullptr, now);  // certified by complete_issuing()
    record_authority(ca->ledger_, audit, audit_key, nullptr, now);
    write_audit_public_key(config, audit_key);
    ca->ledger_.record("ca.issuing_requested", "nes",
                       nlohmann::json{{"subject", name_to_string(subject.get())},
                                      {"public_key_sha256", ossl::sha256_hex(nes_key.spki)}}.dump());
  });
  ca->ledger_.checkpoint();
  return csr;
}

Bytes CertificateAuthority::sign_issuing(const std::string& csr_text) {
  ossl::Req csr;
  try {
    csr = ossl::request_from_pem_or_der(csr_text);
  } catch (const ossl::Error&) {
    throw UserError("ca.bad_csr");
  }
  auto key = ossl::PublicKey::from(X509_REQ_get_X509_PUBKEY(csr.get()));
  if (X509_REQ_verify(csr.get(), key.pkey()) != 1) {
    ERR_clear_error();
    throw UserError("ca.csr_signature");
  }
  check_key_strength(key.pkey());
  // The issuing CA's name is its request's common name under this
  // provider's organisation, as the one-step ceremony makes it.
  const X509_NAME* subject = X509_REQ_get_subject_name(csr.get());
  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) throw UserError("ca.bad_csr");
  unsigned char* cn_utf8 = nullptr;
  int cn_len = ASN1_STRING_to_UTF8(&cn_utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index)));
  if (cn_len <= 0) throw UserError("ca.bad_csr");
  std::string name(reinterpret_cast<char*>(cn_utf8), static_cast<std::size_t>(cn_len));
  OPENSSL_free(cn_utf8);
  check_name_field(name, "CN", 64);
  return certify_issuing(key, name, "csr_sha256", ossl::sha256_hex(as_bytes(csr_text)));
}

Bytes CertificateAuthority::certify_issuing(const ossl::PublicKey& key, const std::string& name,
                                           const std::string& source, const std::string& source_hash,
                                           const std::function<void(const X509*)>& also) {
  auto root_cert = ossl::cert_from_der(base64_decode(authority("root").certificate.value_or("")));
  const Signer& root_key = signer("root");
  std::int64_t now = now_seconds();
  Validity validity = Validity::years_from(now, static_cast<int>(config_.integer("ca.issuing_years")));
  validity.not_after = std::min(validity.not_after, ossl::unix_seconds(X509_get0_notAfter(root_cert.get())));
  auto builder = issuing_ca(settings_, name, key, validity, root_cert.get());
  Bytes der = assemble_certificate(builder.tbs(root_key.scheme()), root_key);
  auto cert = ossl::cert_from_der(der);

  // Kept like every certificate of this authority: the root CRL can revoke it.
  store::CertificateRecord record;
  record.serial = serial_of(cert.get());
  record.issuer = "root";
  record.subject = name_to_string(X509_get_subject_name(cert.get()));
  record.not_before = validity.not_before;
  record.not_after = validity.not_after;
  record.status = store::CertStatus::pending;
  record.request_key = "issuing:" + record.serial;
  record.request = nlohmann::json{{source, source_hash}}.dump();
  ledger_.write([&] {
    store::CertificateRepository certs(ledger_.database());
    certs.insert_intent(record);
    certs.complete(record.serial, base64_encode(der), store::CertStatus::valid, std::nullopt, std::nullopt);
    certs.mark_changed(record.serial,
                       ledger_.record("ca.issuing_certified", record.serial,
                                      nlohmann::json{{"subject", record.subject},
                                                     {"not_after", record.not_after},
                                                     {"public_key_sha256", ossl::sha256_hex(key.der())}}.dump())
                           .seq);
    if (also) also(cert.get());
  });
  return der;
}

std::unique_ptr<CertificateAuthority> CertificateAuthority::complete_issuing(const Config& config,
                                                                            const std::string& actor,
                                                                            const std::string& certificate,
                                                                            const std::string& root_certificate,
                                                                            const std::string& root_crl) {
  auto ledger = store::Ledger::open(config, actor);
  std::unique_ptr<CertificateAuthority> ca(new CertificateAuthority(config, *ledger));
  ca->own_ledger_ = std::move(ledger);
  auto& db = ca->ledger_.database();
  store::AuthorityRepository authorities(db);
  auto nes_record = authorities.find("nes");
  if (!nes_record || nes_record->certificate || authorities.find("root"))
    throw UserError("ca.not_awaiting_issuing_cert", {{"home", config.home().string()}});

  // Everything is checked before anything is written or generated.
  auto root = parse_certificate(root_certificate, "root");
  auto cert = parse_certificate(certificate, "issuing");
  auto crl = parse_crl(root_crl);
  bool self_signed = ossl::self_issued(root.get()) && X509_verify(root.get(), X509_get0_pubkey(root.get())) == 1;
  ERR_clear_error();
  if (!self_signed) throw UserError("ca.root_not_self_signed");
  check_issuing_certificate(cert.get(), nes_record->public_key, root.get());
  auto crl_record = root_crl_record(crl.get(), root.get());

  auto status_token = create_duty_token(config, Duty::status);
  const KeyPlan ocsp = responder_plan(config);
  Key ocsp_key = make_key(*status_token, ocsp);
  std::int64_t now = now_seconds();
  auto nes_signer = signer_of(ca->token(), issuing_plan(config, 1));
  Validity validity = Validity::years_from(now, static_cast<int>(config.integer("ca.ocsp_years")));
  validity.not_after = std::min(validity.not_after, ossl::unix_seconds(X509_get0_notAfter(cert.get())));
  auto ocsp_b = ocsp_responder(ca->settings_, config.str("ca.ocsp_name"), ossl::PublicKey::from_der(ocsp_key.spki),
                               validity, cert.get());
  auto ocsp_cert = ossl::cert_from_der(assemble_certificate(ocsp_b.tbs(nes_signer->scheme()), *nes_signer));
  auto tsa = certify_time_stamping_unit(config, ca->settings_, *nes_signer, cert.get(), now);

  ca->ledger_.write([&] {
    // The root's key stays on the offline root host: no label here.
    Key root_key{ossl::public_key_der(X509_get0_pubkey(root.get())), false};
    record_authority(ca->ledger_, root_plan(config), root_key, root.get(), now, false);
    authorities.replace_key("nes", nes_record->key_label, nes_record->public_key,
                            name_to_string(X509_get_subject_name(cert.get())), base64_encode(ossl::to_der(cert.get())));
    ca->ledger_.record("ca.authority_certified", "nes",
                       nlohmann::json{{"subject", name_to_string(X509_get_subject_name(cert.get()))},
                                      {"serial", serial_of(cert.get())}}.dump());
    record_authority(ca->ledger_, ocsp, ocsp_key, ocsp_cert.get(), now);
    record_authority(ca->ledger_, tsa.plan, tsa.key, tsa.cert.get(), now);
    crl_record.change_seq = 0;
    store::CrlRepository(db).insert(crl_record);
    ca->ledger_.record("crl.imported", "root",
                       nlohmann::json{{"number", crl_record.number}, {"next_update", crl_record.next_update}}.dump());
    ca->ledger_.record("ca.initialized", config.home().string(), nlohmann::json{{"mode", "issuing"}}.dump());
  });
  ca->publish_crl("nes");
  ca->ledger_.checkpoint();
  return ca;
}

store::CrlRecord CertificateAuthority::import_root_crl(const std::string& crl_text) {
  auto root = ossl::cert_from_der(base64_decode(authority("root").certificate.value_or("")));
  auto crl = parse_crl(crl_text);
  auto record = root_crl_record(crl.get(), root.get());
  ledger_.write([&] {
    store::CrlRepository crls(ledger_.database());
    if (record.number <= crls.latest_number("root"))
      throw UserError("ca.crl_not_newer", {{"number", std::to_string(record.number)},
                                           {"current", std::to_string(crls.latest_number("root"))}});
    crls.insert(record);
    ledger_.record("crl.imported", "root",
                   nlohmann::json{{"number", record.number}, {"next_update", record.next_update}}.dump());
  });
  return record;
}

bool CertificateAuthority::holds_key(const std::string& authority_id) {
  return !authority(authority_id).key_label.empty();
}

}  // namespace tugra::ca
