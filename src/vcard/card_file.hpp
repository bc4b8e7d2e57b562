// The persistent state of one virtual card, one JSON file per card in the
// card directory, and the directory itself (listing, locking, adding blank
// cards). The PKCS#11 module and `tugra vcard add` both use it.
//
// This is a test device: private keys sit in the file unencrypted. It
// reproduces an AKIS card's behaviour, not its tamper resistance.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tugra::vcard {

using Bytes = std::vector<std::uint8_t>;

constexpr int kMaxTries = 3;

struct CardObject {
  unsigned long id = 0;  // the object handle, stable for the card's life
  std::map<unsigned long, Bytes> attributes;  // CKA_* -> raw value
  Bytes private_key;     // PKCS#8 DER of a private key object, else empty
};

struct CardState {
  unsigned long slot = 0;  // the slot the card sits in (its file's number)
  std::string serial;      // 16 characters, printed on the card
  bool initialized = false;
  std::string label;
  std::string so_pin_hash;    // salted SHA-256, hex; empty: not set
  std::string user_pin_hash;
  int so_tries = kMaxTries;   // tries left
  int user_tries = kMaxTries;
  unsigned long next_id = 1;
  std::vector<CardObject> objects;

  // Three wrong PUKs: nothing can be done with the card any more.
  bool dead() const { return so_tries <= 0; }
};

std::string hash_pin(const std::string& pin);  // fresh salt each time
bool pin_matches(const std::string& hash, const std::string& pin);

class CardDirectory {
 public:
  explicit CardDirectory(std::filesystem::path dir);
  // $TUGRA_VCARD_DIR, else ~/.local/share/tugra/vcards.
  static std::filesystem::path from_environment();

  const std::filesystem::path& path() const { return dir_; }
  // Card files by slot number.
  std::map<unsigned long, std::filesystem::path> files() const;
  CardState load(const std::filesystem::path& file) const;
  // Atomically replaces the card's file (temporary file, fsync, rename).
  void save(const CardState& card) const;
  std::filesystem::path file_for(unsigned long slot) const;

  // Adds `count` blank cards with new slot numbers and unique serials;
  // returns them.
  std::vector<CardState> add_blank(int count) const;

  // An exclusive lock on the whole directory across processes (flock), held
  // while a card is read, changed and written back.
  class Lock {
   public:
    explicit Lock(const std::filesystem::path& dir);
    ~Lock();
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

   private:
    int fd_ = -1;
  };

 private:
  std::filesystem::path dir_;
};

}  // namespace tugra::vcard
