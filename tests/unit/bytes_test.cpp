#include "common/bytes.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace tugra;

TEST(Bytes, HexRoundTrip) {
  Bytes data{0x00, 0x01, 0xAB, 0xFF};
  EXPECT_EQ(hex_encode(data), "0001abff");
  EXPECT_EQ(hex_encode(data, true), "0001ABFF");
  EXPECT_EQ(hex_decode("0001ABff"), data);
  EXPECT_THROW(hex_decode("abc"), std::invalid_argument);
  EXPECT_THROW(hex_decode("zz"), std::invalid_argument);
}

TEST(Bytes, Base64RoundTripAllLengths) {
  for (std::size_t n = 0; n < 40; ++n) {
    Bytes data = random_bytes(n);
    std::string text = base64_encode(data);
    EXPECT_EQ(base64_decode(text), data) << n;
    while (!text.empty() && text.back() == '=') text.pop_back();
    EXPECT_EQ(base64_decode(text), data) << "unpadded " << n;
  }
}

TEST(Bytes, Base64RejectsGarbage) {
  EXPECT_THROW(base64_decode("ab$d"), std::invalid_argument);
  EXPECT_THROW(base64_decode("a"), std::invalid_argument);
}

TEST(Bytes, RandomBytesDiffer) {
  EXPECT_NE(random_bytes(16), random_bytes(16));
}
