#include "common/tckn.hpp"

#include <gtest/gtest.h>

using tugra::is_valid_tckn;

TEST(Tckn, AcceptsValidNumbers) {
  for (const char* n : {"10000000146", "12345678950", "11111111110", "50000000050", "98765432150", "10000008098"})
    EXPECT_TRUE(is_valid_tckn(n)) << n;
}

TEST(Tckn, NegativeModuloCaseIsValid) {
  // 7*odd - even is negative here; a naive % would reject it.
  EXPECT_TRUE(is_valid_tckn("10000008098"));
}

TEST(Tckn, RejectsInvalidNumbers) {
  for (const char* n : {"12345678901", "10000000111", "01234567890", "1000000014", "100000001460", "1000000014a",
                        "", "           "})
    EXPECT_FALSE(is_valid_tckn(n)) << n;
}

TEST(Tckn, EverySingleDigitChangeIsCaught) {
  std::string good = "12345678950";
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>('0' + (good[i] - '0' + 1) % 10);
    EXPECT_FALSE(is_valid_tckn(bad)) << bad;
  }
}

// Foreign nationals have a Yabancı Kimlik Numarası: 11 digits starting with
// 99 and the same two check digits, accepted wherever a TCKN is (the demo
// identities 999… are such numbers). Passport numbers are not accepted.
TEST(Tckn, ForeignerIdentityNumbersUseTheSameChecksum) {
  std::string ykn = tugra::tckn_from_prefix("991714879");
  ASSERT_EQ(ykn.size(), 11u);
  EXPECT_EQ(ykn.substr(0, 2), "99");
  EXPECT_TRUE(is_valid_tckn(ykn));
  std::string wrong = ykn;
  wrong[10] = static_cast<char>('0' + (ykn[10] - '0' + 1) % 10);
  EXPECT_FALSE(is_valid_tckn(wrong));
  EXPECT_FALSE(is_valid_tckn("U12345678"));  // a passport number
}
