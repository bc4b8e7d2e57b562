#include "ra/card_login.hpp"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "card/login_statement.hpp"
#include "common/bytes.hpp"
#include "common/tckn.hpp"
#include "crypto/openssl.hpp"
#include "crypto/signer.hpp"
#include "store/records.hpp"

namespace tugra::ra {
namespace {

// The subject's serialNumber: the TCKN (with the ETSI "PNOTR-" prefix when the profile writes one).
std::string subject_tckn(const X509* cert) {
  const X509_NAME* name = X509_get_subject_name(cert);
  int i = X509_NAME_get_index_by_NID(name, NID_serialNumber, -1);
  if (i < 0) return "";
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  std::string s(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)), static_cast<std::size_t>(ASN1_STRING_length(data)));
  if (s.rfind("PNOTR-", 0) == 0) s = s.substr(6);
  return s;
}

// The certificate chains to one of this service's CAs, at `now`.
bool chains_to_our_ca(store::Database& db, X509* cert, std::int64_t now) {
  ossl::Ptr<X509_STORE, X509_STORE_free> store(X509_STORE_new());
  for (const auto& a : store::AuthorityRepository(db).all())
    if (a.certificate) {
      auto ca = ossl::cert_from_der(base64_decode(*a.certificate));
      X509_STORE_add_cert(store.get(), ca.get());
    }
  ossl::Ptr<X509_STORE_CTX, X509_STORE_CTX_free> ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_CTX_init(ctx.get(), store.get(), cert, nullptr) != 1) return false;
  X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(now));
  return X509_verify_cert(ctx.get()) == 1;
}

}  // namespace

CardLoginCheck check_card_login(store::Database& db, const std::string& certificate, const std::string& statement,
                                const std::string& signature, const std::string& origin, const std::string& nonce,
                                std::int64_t now, std::int64_t window) {
  CardLoginCheck out;
  auto said = card::LoginStatement::parse(statement);
  if (!said) return {"", "", "not a log-in statement"};
  if (said->origin != origin) return {"", "", "statement for another origin: " + said->origin.substr(0, 80)};
  if (nonce.empty() || said->nonce != nonce) return {"", "", "statement for another nonce"};
  if (said->time < now - window || said->time > now + window) return {"", "", "statement not fresh"};
  Bytes der, sig;
  try {
    der = base64_decode(certificate);
    sig = base64_decode(signature);
  } catch (const std::invalid_argument&) {
    return {"", "", "certificate or signature not base64"};
  }
  ossl::Cert cert;
  try {
    cert = ossl::cert_from_der(der);
  } catch (const std::exception&) {
    return {"", "", "certificate unreadable"};
  }
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  if (!key) return {"", "", "certificate without a key"};
  if (!verify_signature(ossl::public_key_der(key), scheme_for_key(key), as_bytes(statement), sig))
    return {"", "", "signature does not verify"};
  if (!chains_to_our_ca(db, cert.get(), now)) return {"", "", "certificate does not chain to this service's CA"};
  out.serial = ossl::serial_hex(X509_get0_serialNumber(cert.get()));
  auto record = store::CertificateRepository(db).find(out.serial);
  if (!record || !record->certificate || base64_decode(*record->certificate) != der)
    return {"", "", "certificate not issued here"};
  std::string tckn = subject_tckn(cert.get());
  if (!is_valid_tckn(tckn) || tckn != record->tckn) return {"", "", "TCKN of the certificate does not match"};
  out.tckn = tckn;
  return out;
}

}  // namespace tugra::ra
