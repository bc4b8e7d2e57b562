#include "web/tls_identity.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/error.hpp"

namespace tugra::web {

struct TlsIdentity::Pair {
  X509* certificate = nullptr;
  STACK_OF(X509)* chain = nullptr;  // the certificates after the first
  EVP_PKEY* key = nullptr;
  ~Pair() {
    X509_free(certificate);
    sk_X509_pop_free(chain, X509_free);
    EVP_PKEY_free(key);
  }
};

namespace {

[[noreturn]] void refuse(const std::string& detail) {
  ERR_clear_error();
  throw UserError("serve.tls_files", {{"detail", detail}});
}

}  // namespace

TlsIdentity::TlsIdentity(const std::filesystem::path& certificate_chain, const std::filesystem::path& key) {
  reload(certificate_chain, key);
}

TlsIdentity::~TlsIdentity() = default;

void TlsIdentity::reload(const std::filesystem::path& certificate_chain, const std::filesystem::path& key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> chain_bio(BIO_new_file(certificate_chain.c_str(), "r"), BIO_free);
  if (!chain_bio) refuse(certificate_chain.string() + ": cannot be read");
  auto pair = std::make_shared<Pair>();
  pair->certificate = PEM_read_bio_X509_AUX(chain_bio.get(), nullptr, nullptr, nullptr);
  if (!pair->certificate) refuse(certificate_chain.string() + ": no PEM certificate");
  pair->chain = sk_X509_new_null();
  while (X509* next = PEM_read_bio_X509(chain_bio.get(), nullptr, nullptr, nullptr)) sk_X509_push(pair->chain, next);
  ERR_clear_error();  // the end of the file reads as an error
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(BIO_new_file(key.c_str(), "r"), BIO_free);
  if (!key_bio) refuse(key.string() + ": cannot be read");
  pair->key = PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr);
  if (!pair->key) refuse(key.string() + ": no PEM private key");
  if (X509_check_private_key(pair->certificate, pair->key) != 1)
    refuse(key.string() + ": not the key of " + certificate_chain.string());
  std::lock_guard lock(mutex_);
  current_ = std::move(pair);
}

void TlsIdentity::attach(ssl_ctx_st* context) { SSL_CTX_set_cert_cb(context, &TlsIdentity::on_handshake, this); }

int TlsIdentity::on_handshake(ssl_st* ssl, void* self) {
  auto& identity = *static_cast<TlsIdentity*>(self);
  std::shared_ptr<const Pair> pair;
  {
    std::lock_guard lock(identity.mutex_);
    pair = identity.current_;
  }
  // The SSL takes references of its own: the pair may be replaced meanwhile.
  return SSL_use_cert_and_key(ssl, pair->certificate, pair->key, pair->chain, 1) == 1 ? 1 : 0;
}

}  // namespace tugra::web
