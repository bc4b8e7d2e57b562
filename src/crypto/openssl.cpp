#include "crypto/openssl.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

namespace tugra::ossl {

using Bio = Ptr<BIO, BIO_free>;

// The newest queued error says what failed; older entries may be leftovers
// of unrelated calls (a module probing for engines, say), so they are dropped.
static std::string drain_errors() {
  unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return {};
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return std::string(": ") + buf;
}

Error::Error(std::string_view what) : std::runtime_error(std::string(what) + drain_errors()) {}

Bytes digest(const EVP_MD* md, ByteView data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1)
    throw Error("EVP_Digest");
  out.resize(len);
  return out;
}

Bytes to_der(const X509* cert) {
  unsigned char* buf = nullptr;
  int len = i2d_X509(cert, &buf);
  if (len <= 0) throw Error("i2d_X509");
  Bytes out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

Cert cert_from_der(ByteView der) {
  const unsigned char* p = der.data();
  Cert cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != der.data() + der.size()) throw Error("d2i_X509");
  return cert;
}

Pkey public_key_from_der(ByteView spki) {
  const unsigned char* p = spki.data();
  Pkey key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  if (!key || p != spki.data() + spki.size()) throw Error("d2i_PUBKEY");
  return key;
}

Bytes public_key_der(const EVP_PKEY* key) {
  unsigned char* buf = nullptr;
  int len = i2d_PUBKEY(key, &buf);
  if (len <= 0) throw Error("i2d_PUBKEY");
  Bytes out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

std::string to_pem(const X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) throw Error("PEM_write_bio_X509");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

static Bio memory_bio(std::string_view data) {
  Bio bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) throw Error("BIO_new_mem_buf");
  return bio;
}

static bool looks_like_pem(std::string_view data) {
  return data.find("-----BEGIN ") != std::string_view::npos;
}

Cert cert_from_pem_or_der(std::string_view data) {
  if (!looks_like_pem(data)) return cert_from_der(as_bytes(data));
  Cert cert(PEM_read_bio_X509(memory_bio(data).get(), nullptr, nullptr, nullptr));
  if (!cert) throw Error("PEM_read_bio_X509");
  return cert;
}

Req request_from_pem_or_der(std::string_view data) {
  Req req;
  if (looks_like_pem(data)) {
    req.reset(PEM_read_bio_X509_REQ(memory_bio(data).get(), nullptr, nullptr, nullptr));
  } else {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(data.data());
    req.reset(d2i_X509_REQ(nullptr, &p, static_cast<long>(data.size())));
  }
  if (!req) throw Error("X509_REQ");
  return req;
}

Pkey public_key_from_pem_or_der(std::string_view data) {
  if (!looks_like_pem(data)) return public_key_from_der(as_bytes(data));
  Pkey key(PEM_read_bio_PUBKEY(memory_bio(data).get(), nullptr, nullptr, nullptr));
  if (!key) throw Error("PEM_read_bio_PUBKEY");
  return key;
}

}  // namespace tugra::ossl
