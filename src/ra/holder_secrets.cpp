#include "ra/holder_secrets.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/bytes.hpp"
#include "common/files.hpp"
#include "store/database.hpp"
#include "store/production_records.hpp"

namespace tugra::ra {
namespace {

constexpr std::size_t kKey = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr std::size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;

// The record's identity is authenticated with it: a ciphertext moved to
// another holder's row does not decrypt.
std::string associated_data(std::int64_t request_id, const std::string& tckn) {
  return "tugra-holder-secret:" + std::to_string(request_id) + ":" + tckn;
}

std::string seal(const unsigned char* key, ByteView plain, const std::string& ad) {
  Bytes out(kNonce + plain.size() + kTag);
  randombytes_buf(out.data(), kNonce);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + kNonce, &len, plain.data(), plain.size(),
                                             reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr,
                                             out.data(), key);
  return base64_encode(out);
}

Bytes unseal(const unsigned char* key, const std::string& sealed, const std::string& ad) {
  Bytes in = base64_decode(sealed);
  if (in.size() < kNonce + kTag) throw std::runtime_error("holder secret: truncated record");
  Bytes out(in.size() - kNonce - kTag);
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(out.data(), &len, nullptr, in.data() + kNonce, in.size() - kNonce,
                                                 reinterpret_cast<const unsigned char*>(ad.data()), ad.size(),
                                                 in.data(), key) != 0)
    throw std::runtime_error("holder secret: record does not decrypt (wrong master key or altered row)");
  out.resize(len);
  return out;
}

void load_or_create_master_key(const std::filesystem::path& file, unsigned char* key) {
  if (!std::filesystem::exists(file)) {
    std::filesystem::create_directories(file.parent_path());
    randombytes_buf(key, kKey);
    // O_EXCL: two processes starting at once must not each write a key.
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      bool ok = ::write(fd, key, kKey) == static_cast<ssize_t>(kKey) && ::fsync(fd) == 0;
      ::close(fd);
      if (!ok) throw std::runtime_error("cannot write master key " + file.string());
    }
  }
  std::string data = read_file(file);
  if (data.size() != kKey) throw std::runtime_error("master key " + file.string() + " is not 32 bytes");
  std::memcpy(key, data.data(), kKey);
  sodium_memzero(data.data(), data.size());
}

}  // namespace

PinPuk random_pin_puk() {
  auto digits = [](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>('0' + randombytes_uniform(10));
    return s;
  };
  return {digits(6), digits(8), 0};
}

HolderSecrets::HolderSecrets(store::Database& db, std::filesystem::path master_key_file) : db_(db) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  load_or_create_master_key(master_key_file, master_key_);
}

HolderSecrets::~HolderSecrets() { sodium_memzero(master_key_, sizeof master_key_); }

void HolderSecrets::store(std::int64_t request_id, const std::string& tckn, const PinPuk& secret) {
  unsigned char data_key[kKey];
  crypto_aead_xchacha20poly1305_ietf_keygen(data_key);
  std::string ad = associated_data(request_id, tckn);
  std::string plain = nlohmann::json{{"pin", secret.pin}, {"puk", secret.puk}}.dump();
  store::SecretRecord r;
  r.request_id = request_id;
  r.tckn = tckn;
  r.ciphertext = seal(data_key, as_bytes(plain), ad);
  r.wrapped_key = seal(master_key_, ByteView(data_key, kKey), ad);
  sodium_memzero(data_key, kKey);
  sodium_memzero(plain.data(), plain.size());
  store::SecretRepository(db_).insert(r);
}

std::optional<PinPuk> HolderSecrets::open(const std::optional<store::SecretRecord>& row) const {
  if (!row) return std::nullopt;
  std::string ad = associated_data(row->request_id, row->tckn);
  Bytes data_key = unseal(master_key_, row->wrapped_key, ad);
  if (data_key.size() != kKey) throw std::runtime_error("holder secret: bad data key");
  Bytes plain = unseal(data_key.data(), row->ciphertext, ad);
  sodium_memzero(data_key.data(), data_key.size());
  auto j = nlohmann::json::parse(plain.begin(), plain.end());
  sodium_memzero(plain.data(), plain.size());
  return PinPuk{j.at("pin").get<std::string>(), j.at("puk").get<std::string>(), row->request_id};
}

std::optional<PinPuk> HolderSecrets::for_request(std::int64_t request_id) {
  return open(store::SecretRepository(db_).for_request(request_id));
}

std::optional<PinPuk> HolderSecrets::latest(const std::string& tckn) {
  return open(store::SecretRepository(db_).latest(tckn));
}

int HolderSecrets::destroy(const std::string& tckn) { return store::SecretRepository(db_).erase(tckn); }

int HolderSecrets::destroy_request(std::int64_t request_id) {
  return store::SecretRepository(db_).erase_request(request_id);
}

void HolderSecrets::purge() {
  db_.truncate_wal();
}

}  // namespace tugra::ra
