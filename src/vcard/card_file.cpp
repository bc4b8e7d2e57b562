#include "vcard/card_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "common/bytes.hpp"
#include "common/files.hpp"

namespace tugra::vcard {
namespace {

std::string sha256_hex(const Bytes& salt, const std::string& pin) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  Bytes input = salt;
  input.insert(input.end(), pin.begin(), pin.end());
  EVP_Digest(input.data(), input.size(), md, &len, EVP_sha256(), nullptr);
  return hex_encode(ByteView(md, len));
}

// "card-0007.json" -> 7; anything else is not a card file.
std::optional<unsigned long> slot_of(const std::filesystem::path& file) {
  std::string name = file.filename().string();
  if (name.size() < 11 || name.rfind("card-", 0) != 0 || file.extension() != ".json") return std::nullopt;
  std::string digits = name.substr(5, name.size() - 10);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoul(digits);
}

std::string random_serial() {
  unsigned char r[14];
  RAND_bytes(r, sizeof r);
  std::string s = "TV";
  for (unsigned char c : r) s += static_cast<char>('0' + c % 10);
  return s;
}

}  // namespace

std::string hash_pin(const std::string& pin) {
  Bytes salt(16);
  RAND_bytes(salt.data(), static_cast<int>(salt.size()));
  return hex_encode(salt) + ":" + sha256_hex(salt, pin);
}

bool pin_matches(const std::string& hash, const std::string& pin) {
  auto colon = hash.find(':');
  if (colon == std::string::npos) return false;
  std::string expected = hash.substr(colon + 1);
  std::string actual = sha256_hex(hex_decode(hash.substr(0, colon)), pin);
  return expected.size() == actual.size() && CRYPTO_memcmp(expected.data(), actual.data(), actual.size()) == 0;
}

CardDirectory::CardDirectory(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::filesystem::path CardDirectory::from_environment() {
  if (const char* env = std::getenv("TUGRA_VCARD_DIR"); env && *env) return env;
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : "/tmp") / ".local/share/tugra/vcards";
}

std::map<unsigned long, std::filesystem::path> CardDirectory::files() const {
  std::map<unsigned long, std::filesystem::path> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec))
    if (auto slot = slot_of(entry.path())) out.emplace(*slot, entry.path());
  return out;
}

std::filesystem::path CardDirectory::file_for(unsigned long slot) const {
  char name[32];
  std::snprintf(name, sizeof name, "card-%04lu.json", slot);
  return dir_ / name;
}

CardState CardDirectory::load(const std::filesystem::path& file) const {
  auto j = nlohmann::json::parse(read_file(file));
  CardState c;
  c.slot = j.at("slot").get<unsigned long>();
  c.serial = j.at("serial").get<std::string>();
  c.initialized = j.at("initialized").get<bool>();
  c.label = j.at("label").get<std::string>();
  c.so_pin_hash = j.at("so_pin_hash").get<std::string>();
  c.user_pin_hash = j.at("user_pin_hash").get<std::string>();
  c.so_tries = j.at("so_tries").get<int>();
  c.user_tries = j.at("user_tries").get<int>();
  c.next_id = j.at("next_id").get<unsigned long>();
  for (const auto& o : j.at("objects")) {
    CardObject obj;
    obj.id = o.at("id").get<unsigned long>();
    for (const auto& [type, value] : o.at("attributes").items())
      obj.attributes[std::stoul(type)] = hex_decode(value.get<std::string>());
    obj.private_key = hex_decode(o.at("private_key").get<std::string>());
    c.objects.push_back(std::move(obj));
  }
  return c;
}

void CardDirectory::save(const CardState& c) const {
  nlohmann::json objects = nlohmann::json::array();
  for (const auto& o : c.objects) {
    nlohmann::json attrs = nlohmann::json::object();
    for (const auto& [type, value] : o.attributes) attrs[std::to_string(type)] = hex_encode(value);
    objects.push_back({{"id", o.id}, {"attributes", attrs}, {"private_key", hex_encode(o.private_key)}});
  }
  nlohmann::json j = {{"slot", c.slot},
                      {"serial", c.serial},
                      {"initialized", c.initialized},
                      {"label", c.label},
                      {"so_pin_hash", c.so_pin_hash},
                      {"user_pin_hash", c.user_pin_hash},
                      {"so_tries", c.so_tries},
                      {"user_tries", c.user_tries},
                      {"next_id", c.next_id},
                      {"objects", objects}};
  write_file_atomic(file_for(c.slot), j.dump(1), 0600);
}

std::vector<CardState> CardDirectory::add_blank(int count) const {
  std::filesystem::create_directories(dir_);
  Lock lock(dir_);
  auto existing = files();
  std::set<std::string> serials;
  for (const auto& [slot, file] : existing) serials.insert(load(file).serial);
  unsigned long next = existing.empty() ? 0 : existing.rbegin()->first + 1;
  std::vector<CardState> added;
  for (int i = 0; i < count; ++i) {
    CardState c;
    c.slot = next++;
    do c.serial = random_serial();
    while (!serials.insert(c.serial).second);
    save(c);
    added.push_back(c);
  }
  return added;
}

CardDirectory::Lock::Lock(const std::filesystem::path& dir) {
  auto file = dir / ".lock";
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw std::runtime_error("cannot open " + file.string() + ": " + std::strerror(errno));
  while (::flock(fd_, LOCK_EX) != 0)
    if (errno != EINTR) throw std::runtime_error("cannot lock " + file.string() + ": " + std::strerror(errno));
}

CardDirectory::Lock::~Lock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

}  // namespace tugra::vcard
