// The formats people read (common/display.hpp).
#include <gtest/gtest.h>

#include "common/display.hpp"

namespace tugra {
namespace {

TEST(Display, DatesInTurkishOrder) {
  EXPECT_EQ(display_date("1988-09-30"), "30.09.1988");
  EXPECT_EQ(display_date("30.09.1988"), "30.09.1988");  // already shown form: unchanged
  EXPECT_EQ(display_date("1988-9-30"), "1988-9-30");
  EXPECT_EQ(display_date(""), "");
}

TEST(Display, MobileNumbersAsTyped) {
  EXPECT_EQ(display_phone("+905422211111"), "0542 221 11 11");
  EXPECT_EQ(display_phone("+4915112345678"), "+4915112345678");  // not a Turkish number
  EXPECT_EQ(display_phone("0542 221 11 11"), "0542 221 11 11");
}

TEST(Display, TimesInTurkey) {
  EXPECT_EQ(display_time(1796169600), "02.12.2026 03:00");  // 2026-12-02 00:00 UTC
  EXPECT_EQ(display_time(1796255999), "03.12.2026 02:59");
}

TEST(Display, DistinguishedNameFields) {
  auto f = dn_fields("CN=ÇAĞRI IŞIL ÖZTÜRK,SN=ÖZTÜRK,GN=ÇAĞRI IŞIL,serialNumber=99900000210,C=TR");
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(f[0], (std::pair<std::string, std::string>{"CN", "ÇAĞRI IŞIL ÖZTÜRK"}));
  EXPECT_EQ(f[3].second, "99900000210");
  auto escaped = dn_fields("O=Kurum\\, Ankara,C=TR");
  ASSERT_EQ(escaped.size(), 2u);
  EXPECT_EQ(escaped[0].second, "Kurum, Ankara");
}

}  // namespace
}  // namespace tugra
