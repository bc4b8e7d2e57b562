#include "ra/totp.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>

#include <stdexcept>

#include "common/url.hpp"

namespace tugra::ra {
namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
}

std::string base32_encode(ByteView data) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (auto b : data) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

Bytes base32_decode(const std::string& text) {
  Bytes out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=' || c == ' ') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    const char* p = c ? std::strchr(kAlphabet, c) : nullptr;
    if (!p) throw std::invalid_argument("base32: bad character");
    buffer = (buffer << 5) | static_cast<unsigned>(p - kAlphabet);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<std::uint8_t>((buffer >> (bits - 8)) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

std::string totp_code(ByteView secret, std::int64_t unix_seconds) {
  std::uint64_t step = static_cast<std::uint64_t>(unix_seconds / 30);
  unsigned char counter[8];
  for (int i = 7; i >= 0; --i) {
    counter[i] = static_cast<unsigned char>(step & 0xFF);
    step >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned mac_len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()), counter, sizeof counter, mac, &mac_len);
  int offset = mac[mac_len - 1] & 0x0F;
  std::uint32_t value = ((mac[offset] & 0x7Fu) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) |
                        mac[offset + 3];
  std::string code = std::to_string(value % 1000000);
  return std::string(6 - code.size(), '0') + code;
}

std::int64_t totp_verify(ByteView secret, const std::string& code, std::int64_t unix_seconds) {
  if (code.size() != 6) return -1;
  for (int drift : {0, -1, 1}) {
    std::int64_t t = unix_seconds + drift * 30;
    std::string expected = totp_code(secret, t);
    if (CRYPTO_memcmp(expected.data(), code.data(), 6) == 0) return t / 30;
  }
  return -1;
}

std::string totp_uri(const std::string& issuer, const std::string& account, const std::string& base32_secret) {
  return "otpauth://totp/" + percent_encode(issuer) + ":" + percent_encode(account) + "?secret=" + base32_secret +
         "&issuer=" + percent_encode(issuer) + "&algorithm=SHA1&digits=6&period=30";
}

}  // namespace tugra::ra
