// The HTTPS server's certificate chain and key, replaceable while serving:
// each new handshake takes the current pair, so a renewed certificate is in
// use after a reload (SIGHUP) without a restart and without dropping the
// connections and sessions already open.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

struct ssl_ctx_st;
struct ssl_st;

namespace tugra::web {

class TlsIdentity {
 public:
  // Reads both files; throws UserError (serve.tls_files) when they cannot be
  // read or the key does not belong to the certificate.
  TlsIdentity(const std::filesystem::path& certificate_chain, const std::filesystem::path& key);
  ~TlsIdentity();
  TlsIdentity(const TlsIdentity&) = delete;
  TlsIdentity& operator=(const TlsIdentity&) = delete;

  // Reads the files again; on any problem throws and the old pair stays.
  void reload(const std::filesystem::path& certificate_chain, const std::filesystem::path& key);
  // Makes every handshake of `context` present the current pair.
  void attach(ssl_ctx_st* context);

 private:
  struct Pair;
  static int on_handshake(ssl_st* ssl, void* self);
  std::mutex mutex_;
  std::shared_ptr<const Pair> current_;
};

}  // namespace tugra::web
