#include "ra/holder_secrets.hpp"

#include <sodium.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/bytes.hpp"
#include "ra/master_key.hpp"
#include "store/database.hpp"
#include "store/production_records.hpp"

namespace tugra::ra {
namespace {

constexpr std::size_t kKey = MasterKey::kSize;

// The record's identity is authenticated with it: a ciphertext moved to
// another holder's row does not decrypt.
std::string associated_data(std::int64_t request_id, const std::string& tckn) {
  return "tugra-holder-secret:" + std::to_string(request_id) + ":" + tckn;
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

HolderSecrets::HolderSecrets(store::Database& db, const std::filesystem::path& master_key_file)
    : HolderSecrets(db, std::make_shared<const MasterKey>(master_key_file)) {}

HolderSecrets::HolderSecrets(store::Database& db, std::shared_ptr<const MasterKey> master_key)
    : db_(db), master_key_(std::move(master_key)) {}

HolderSecrets::~HolderSecrets() = default;

void HolderSecrets::store(std::int64_t request_id, const std::string& tckn, const PinPuk& secret) {
  unsigned char data_key[kKey];
  crypto_aead_xchacha20poly1305_ietf_keygen(data_key);
  std::string ad = associated_data(request_id, tckn);
  std::string plain = nlohmann::json{{"pin", secret.pin}, {"puk", secret.puk}}.dump();
  store::SecretRecord r;
  r.request_id = request_id;
  r.tckn = tckn;
  r.ciphertext = MasterKey::seal_with(data_key, as_bytes(plain), ad);
  r.wrapped_key = master_key_->seal(ByteView(data_key, kKey), ad);
  sodium_memzero(data_key, kKey);
  sodium_memzero(plain.data(), plain.size());
  store::SecretRepository(db_).insert(r);
}

std::optional<PinPuk> HolderSecrets::open(const std::optional<store::SecretRecord>& row) const {
  if (!row) return std::nullopt;
  std::string ad = associated_data(row->request_id, row->tckn);
  Bytes data_key = master_key_->unseal(row->wrapped_key, ad);
  if (data_key.size() != kKey) throw std::runtime_error("holder secret: bad data key");
  Bytes plain = MasterKey::unseal_with(data_key.data(), row->ciphertext, ad);
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
