// The CRL's revoked list kept between CRLs: over a random sequence of
// revocations, suspensions, lifted suspensions and changed reasons, the list
// changed in place is byte for byte the list built from scratch, and so is
// the signed CRL (RSA PKCS#1 v1.5 signatures are deterministic), which
// `openssl crl` reads with every entry.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>

#include "ca/crl_builder.hpp"
#include "ca/revoked_list.hpp"
#include "common/files.hpp"
#include "crypto/der.hpp"
#include "crypto/openssl.hpp"
#include "crypto/software_signer.hpp"
#include "test_util.hpp"

using namespace tugra;

namespace {

std::vector<ca::CrlEntry> entries_of(const std::map<std::string, ca::CrlEntry>& model) {
  std::vector<ca::CrlEntry> out;
  for (const auto& [serial, e] : model) out.push_back(e);
  std::shuffle(out.begin(), out.end(), std::mt19937(7));  // a database's order is no order
  return out;
}

std::string random_serial(std::mt19937_64& rng) {
  static const char* hex = "0123456789ABCDEF";
  std::string s;
  int length = (rng() % 4 == 0) ? 2 + 2 * static_cast<int>(rng() % 8) : 32;  // short serials too
  for (int i = 0; i < length; ++i) s += hex[rng() % 16];
  if (rng() % 8 == 0) s[0] = '0', s[1] = '0';  // a leading zero byte
  if (rng() % 8 == 0) s[0] = 'F';              // the high bit set: INTEGER needs a 00 octet
  return s;
}

}  // namespace

TEST(RevokedList, ChangedInPlaceEqualsBuiltFromScratch) {
  std::mt19937_64 rng(2026);
  std::map<std::string, ca::CrlEntry> model;
  std::vector<std::string> serials;
  ca::RevokedList kept;
  for (int step = 0; step < 3000; ++step) {
    int what = static_cast<int>(rng() % 10);
    if (what < 5 || serials.empty()) {  // revoked or suspended (reason 6: certificateHold)
      std::string serial = random_serial(rng);
      ca::CrlEntry e{serial, 1700000000 + static_cast<std::int64_t>(rng() % 100000000),
                     what == 4 ? 6 : static_cast<int>(rng() % 6)};
      model[serial] = e;
      serials.push_back(serial);
      kept.put(e);
    } else if (what < 8) {  // a suspension lifted, or an entry dropped
      const std::string& serial = serials[rng() % serials.size()];
      model.erase(serial);
      kept.remove(serial);
    } else {  // a suspended one revoked: a new reason and date for a listed serial
      const std::string& serial = serials[rng() % serials.size()];
      if (!model.count(serial)) continue;
      ca::CrlEntry e{serial, model[serial].revoked_at + 60, 1};
      model[serial] = e;
      kept.put(e);
    }
    if (step % 50 == 0 || step == 2999) {
      ca::RevokedList scratch(entries_of(model));
      ASSERT_EQ(kept.size(), model.size()) << step;
      ASSERT_EQ(Bytes(kept.der().begin(), kept.der().end()), Bytes(scratch.der().begin(), scratch.der().end()))
          << step;
    }
  }
  EXPECT_GT(model.size(), 500u);
  kept.remove("ABCDEF");  // not listed: nothing changes
  EXPECT_EQ(kept.size(), model.size());
}

TEST(RevokedList, SignedCrlIsTheSameBytesAndOpensslReadsIt) {
  auto dir = std::filesystem::temp_directory_path() / ("tugra-crl-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  test::run("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + (dir / "k.pem").string() + " -out " +
            (dir / "c.pem").string() + " -subj /CN=CRL-Test -days 1 2>/dev/null");
  auto signer = SoftwareSigner::from_pem(read_file(dir / "k.pem"), SignatureScheme::rsa_pkcs1_sha256);
  auto issuer = ossl::cert_from_pem_or_der(read_file(dir / "c.pem"));
  ca::CrlParams params{42, 1800000000, 1800086400, 1700000000, 0, ""};

  std::vector<ca::CrlEntry> entries;
  for (int i = 0; i < 2000; ++i) {
    char serial[33];
    std::snprintf(serial, sizeof serial, "%08X%08X%08X%08X", i * 2654435761u, i, 0xC0FFEEu ^ i, 7u * i);
    entries.push_back({serial, 1700000000 + i, i % 11 == 7 ? 0 : i % 7});
  }
  ca::RevokedList kept(std::vector<ca::CrlEntry>(entries.begin(), entries.begin() + 1000));
  for (std::size_t i = 1000; i < entries.size(); ++i) kept.put(entries[i]);
  kept.remove(entries[5].serial);
  entries.erase(entries.begin() + 5);

  Bytes incremental = ca::build_crl(*signer, issuer.get(), params, kept);
  Bytes scratch = ca::build_crl(*signer, issuer.get(), params, entries);
  EXPECT_EQ(incremental, scratch);

  std::string path = test::temp_file(scratch, ".crl");
  std::string text = test::run("openssl crl -inform DER -in " + path + " -noout -text -CAfile " +
                               (dir / "c.pem").string() + " 2>&1");
  EXPECT_NE(text.find("verify OK"), std::string::npos) << text.substr(0, 400);
  std::size_t listed = 0;
  for (auto at = text.find("Serial Number:"); at != std::string::npos; at = text.find("Serial Number:", at + 1)) ++listed;
  EXPECT_EQ(listed, entries.size());
  EXPECT_NE(text.find("CRL Number:"), std::string::npos);
  std::filesystem::remove_all(dir);
}

// The entry encoder writes bytes by hand for speed; here it is checked against
// the same entry put together from crypto/der's general helpers.
TEST(RevokedList, EntryEncodingMatchesTheGeneralDerHelpers) {
  auto reference = [](const ca::CrlEntry& e) {
    Bytes entry = der::unsigned_integer(hex_decode(e.serial.size() % 2 ? "0" + e.serial : e.serial));
    der::append(entry, der::time(e.revoked_at));
    if (e.reason > 0 && e.reason <= 10)
      der::append(entry, der::tlv(0x30, der::extension(der::oid("2.5.29.21"), false, der::enumerated(e.reason))));
    return der::tlv(0x30, entry);
  };
  std::mt19937_64 rng(5070);
  std::vector<ca::CrlEntry> cases = {{"1", 0, 0},          {"ABC", 1700000000, 1},  {"0080", 1700000000, 6},
                                     {"FF", 2524607999, 10}, {"7F", 2524608000, 4}, {"1234567890ABCDEF1234567890ABCDEF12345678", 4102444800, 0},
                                     {"abcdef", 1700000000, 11}};
  for (int i = 0; i < 200; ++i)
    cases.push_back({random_serial(rng), static_cast<std::int64_t>(rng() % 4102444800), static_cast<int>(rng() % 12)});
  for (const auto& e : cases) EXPECT_EQ(ca::encode_crl_entry(e), reference(e)) << e.serial << " " << e.revoked_at;
  EXPECT_THROW(ca::encode_crl_entry({"", 0, 0}), std::invalid_argument);
  EXPECT_THROW(ca::encode_crl_entry({"12G4", 0, 0}), std::invalid_argument);
  EXPECT_THROW(ca::encode_crl_entry({std::string(42, '1'), 0, 0}), std::invalid_argument);
}
