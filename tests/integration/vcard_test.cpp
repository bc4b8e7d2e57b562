// The virtual card through Tugra's own PKCS#11 client: exact return codes
// of the AKIS rules, persistence across module reloads (a new process), and
// many threads signing at once.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "card/card_reader.hpp"
#include "card/personalisation.hpp"
#include "common/error.hpp"
#include "crypto/openssl.hpp"
#include "vcard/card_file.hpp"

namespace tugra {
namespace {

const char* kModule = TUGRA_VCARD_MODULE;

class VirtualCard : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / ("tugra-vcard-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    ::setenv("TUGRA_VCARD_DIR", dir_.c_str(), 1);
    vcard::CardDirectory(dir_).add_blank(4);
    module_ = pkcs11::Module::shared(kModule);
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }

  CK_RV login(CK_SLOT_ID slot, CK_USER_TYPE user, const std::string& pin) {
    pkcs11::Session s(module_, slot, true);
    CK_RV rv = module_->api()->C_Login(s.handle(), user, (CK_UTF8CHAR_PTR)pin.data(), pin.size());
    if (rv == CKR_OK) module_->api()->C_Logout(s.handle());
    return rv;
  }
  CK_FLAGS flags(CK_SLOT_ID slot) { return module_->token_info(slot).flags; }

  static inline std::filesystem::path dir_;
  static inline std::shared_ptr<pkcs11::Module> module_;
};

TEST_F(VirtualCard, BlankCardsAreSlotsWithUniqueSerials) {
  card::CardReader reader(module_);
  auto cards = reader.cards();
  ASSERT_EQ(cards.size(), 4u);
  std::set<std::string> serials;
  for (const auto& c : cards) {
    EXPECT_TRUE(c.blank);
    EXPECT_EQ(c.serial.size(), 16u);
    serials.insert(c.serial);
  }
  EXPECT_EQ(serials.size(), 4u);
}

TEST_F(VirtualCard, PinRulesTriesAndLock) {
  card::CardReader reader(module_);
  card::CardWriter writer(reader);
  // PUK: 8 digits; PIN: 6 digits.
  EXPECT_THROW(module_->init_token(0, "1234567", "x"), pkcs11::Error);
  auto c = writer.initialise(0, "12345678", "123456", "Kart 0");
  EXPECT_FALSE(c.blank);
  EXPECT_EQ(login(0, CKU_USER, "12345"), CKR_PIN_LEN_RANGE);
  EXPECT_EQ(login(0, CKU_USER, "12345a"), CKR_PIN_INVALID);
  EXPECT_EQ(flags(0) & CKF_USER_PIN_COUNT_LOW, 0u);  // format errors never reach the card
  EXPECT_EQ(login(0, CKU_USER, "000000"), CKR_PIN_INCORRECT);
  EXPECT_NE(flags(0) & CKF_USER_PIN_COUNT_LOW, 0u);
  EXPECT_EQ(reader.card(0).pin.tries_left, 2);
  EXPECT_EQ(login(0, CKU_USER, "000000"), CKR_PIN_INCORRECT);
  EXPECT_NE(flags(0) & CKF_USER_PIN_FINAL_TRY, 0u);
  EXPECT_EQ(login(0, CKU_USER, "000000"), CKR_PIN_LOCKED);
  EXPECT_NE(flags(0) & CKF_USER_PIN_LOCKED, 0u);
  EXPECT_EQ(login(0, CKU_USER, "123456"), CKR_PIN_LOCKED);  // even the right PIN
  try {
    reader.change_pin(0, "123456", "654321");
    FAIL() << "a locked PIN must not change";
  } catch (const UserError& e) {
    EXPECT_EQ(e.key(), "card.pin_locked");
  }
  // Unlock with the PUK: new PIN, lock and counters cleared.
  reader.unlock(0, "12345678", "222222");
  EXPECT_EQ(flags(0) & (CKF_USER_PIN_LOCKED | CKF_USER_PIN_COUNT_LOW), 0u);
  EXPECT_EQ(login(0, CKU_USER, "222222"), CKR_OK);
  reader.change_pin(0, "222222", "333333");
  EXPECT_EQ(login(0, CKU_USER, "333333"), CKR_OK);
}

TEST_F(VirtualCard, ThreeWrongPuksKillTheCard) {
  card::CardReader reader(module_);
  card::CardWriter(reader).initialise(1, "87654321", "123456", "Kart 1");
  EXPECT_EQ(login(1, CKU_SO, "11111111"), CKR_PIN_INCORRECT);
  EXPECT_EQ(login(1, CKU_SO, "11111111"), CKR_PIN_INCORRECT);
  EXPECT_NE(flags(1) & CKF_SO_PIN_FINAL_TRY, 0u);
  EXPECT_EQ(login(1, CKU_SO, "11111111"), CKR_PIN_LOCKED);
  EXPECT_TRUE(reader.card(1).dead());
  EXPECT_EQ(login(1, CKU_SO, "87654321"), CKR_PIN_LOCKED);
  EXPECT_EQ(login(1, CKU_USER, "123456"), CKR_PIN_LOCKED);
  EXPECT_THROW(module_->init_token(1, "87654321", "again"), pkcs11::Error);
  EXPECT_EQ(reader.card(1).state(), "dead");
}

TEST_F(VirtualCard, KeysAreMadeOnTheCardAndSignManyThreadsAtOnce) {
  card::CardReader reader(module_);
  card::CardWriter writer(reader);
  writer.initialise(2, "11223344", "123456", "Kart 2");
  Bytes spki = writer.generate_signing_key(2, "123456", KeyType::ec_p256);
  ossl::Pkey pub = ossl::public_key_from_der(spki);

  pkcs11::Session session(module_, 2, false);
  session.login(CKU_USER, "123456");
  pkcs11::Template match;
  match.add(CKA_CLASS, CK_OBJECT_CLASS{CKO_PRIVATE_KEY});
  auto keys = session.find(match);
  ASSERT_EQ(keys.size(), 1u);
  // Private keys never leave the card.
  EXPECT_FALSE(session.attribute(keys[0], CKA_VALUE).has_value());
  EXPECT_EQ(session.required_attribute(keys[0], CKA_EXTRACTABLE), Bytes{CK_FALSE});
  EXPECT_EQ(session.required_attribute(keys[0], CKA_NEVER_EXTRACTABLE), Bytes{CK_TRUE});
  // AKIS-style explicit curve parameters: longer than any named-curve OID.
  EXPECT_GT(session.required_attribute(keys[0], CKA_EC_PARAMS).size(), 100u);

  std::atomic<int> verified{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      pkcs11::Session s(module_, 2, false);
      for (int i = 0; i < 25; ++i) {
        Bytes digest = ossl::digest(EVP_sha256(), random_bytes(20));
        CK_MECHANISM mech{CKM_ECDSA, nullptr, 0};
        Bytes raw = s.sign(keys[0], mech, digest);
        ECDSA_SIG* sig = ECDSA_SIG_new();
        ECDSA_SIG_set0(sig, BN_bin2bn(raw.data(), 32, nullptr), BN_bin2bn(raw.data() + 32, 32, nullptr));
        unsigned char* der = nullptr;
        int len = i2d_ECDSA_SIG(sig, &der);
        ossl::PkeyCtx ctx(EVP_PKEY_CTX_new(pub.get(), nullptr));
        if (EVP_PKEY_verify_init(ctx.get()) == 1 &&
            EVP_PKEY_verify(ctx.get(), der, static_cast<std::size_t>(len), digest.data(), digest.size()) == 1)
          ++verified;
        OPENSSL_free(der);
        ECDSA_SIG_free(sig);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(verified.load(), 100);
}

TEST_F(VirtualCard, SigningNeedsTheHolderLoggedIn) {
  card::CardReader reader(module_);
  card::CardWriter writer(reader);
  writer.initialise(3, "55667788", "123456", "Kart 3");
  writer.generate_signing_key(3, "123456", KeyType::rsa_2048);
  pkcs11::Session s(module_, 3, false);
  pkcs11::Template match;
  match.add(CKA_CLASS, CK_OBJECT_CLASS{CKO_PRIVATE_KEY});
  EXPECT_TRUE(s.find(match).empty());  // private objects are invisible before login
  CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
  EXPECT_EQ(module_->api()->C_SignInit(s.handle(), &mech, 1), CKR_USER_NOT_LOGGED_IN);
  s.login(CKU_USER, "123456");
  auto keys = s.find(match);
  ASSERT_EQ(keys.size(), 1u);
  CK_MECHANISM wrong{CKM_ECDSA, nullptr, 0};
  EXPECT_EQ(module_->api()->C_SignInit(s.handle(), &wrong, keys[0]), CKR_KEY_TYPE_INCONSISTENT);
  EXPECT_EQ(s.sign(keys[0], mech, as_bytes("hello")).size(), 256u);
}

}  // namespace
}  // namespace tugra
