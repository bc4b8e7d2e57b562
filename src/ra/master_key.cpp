#include "ra/master_key.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "common/files.hpp"

namespace tugra::ra {
namespace {

constexpr std::size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
static_assert(MasterKey::kSize == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);

}  // namespace

MasterKey::MasterKey(const std::filesystem::path& file) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  if (!std::filesystem::exists(file)) {
    std::filesystem::create_directories(file.parent_path());
    randombytes_buf(key_, kSize);
    // O_EXCL: two processes starting at once must not each write a key.
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      bool ok = ::write(fd, key_, kSize) == static_cast<ssize_t>(kSize) && ::fsync(fd) == 0;
      ::close(fd);
      if (!ok) throw std::runtime_error("cannot write master key " + file.string());
    }
  }
  std::string data = read_file(file);
  if (data.size() != kSize) throw std::runtime_error("master key " + file.string() + " is not 32 bytes");
  std::memcpy(key_, data.data(), kSize);
  sodium_memzero(data.data(), data.size());
}

MasterKey::~MasterKey() { sodium_memzero(key_, sizeof key_); }

std::string MasterKey::seal_with(const unsigned char* key, ByteView plain, const std::string& ad) {
  Bytes out(kNonce + plain.size() + kTag);
  randombytes_buf(out.data(), kNonce);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + kNonce, &len, plain.data(), plain.size(),
                                             reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr,
                                             out.data(), key);
  return base64_encode(out);
}

Bytes MasterKey::unseal_with(const unsigned char* key, const std::string& sealed, const std::string& ad) {
  Bytes in = base64_decode(sealed);
  if (in.size() < kNonce + kTag) throw std::runtime_error("sealed record: truncated");
  Bytes out(in.size() - kNonce - kTag);
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(out.data(), &len, nullptr, in.data() + kNonce, in.size() - kNonce,
                                                 reinterpret_cast<const unsigned char*>(ad.data()), ad.size(),
                                                 in.data(), key) != 0)
    throw std::runtime_error("sealed record does not decrypt (wrong master key or altered row)");
  out.resize(len);
  return out;
}

std::string MasterKey::seal(ByteView plain, const std::string& ad) const { return seal_with(key_, plain, ad); }

Bytes MasterKey::unseal(const std::string& sealed, const std::string& ad) const {
  return unseal_with(key_, sealed, ad);
}

}  // namespace tugra::ra
