// Byte buffers and their text encodings (hex, base64).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tugra {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string to_string(ByteView b) { return {b.begin(), b.end()}; }

std::string hex_encode(ByteView data, bool upper = false);
// Throws std::invalid_argument on odd length or a non-hex character.
Bytes hex_decode(std::string_view hex);

std::string base64_encode(ByteView data);
// Accepts standard base64 with or without padding; throws std::invalid_argument.
Bytes base64_decode(std::string_view text);

// Base64 with '-' and '_' and no padding (RFC 4648 §5): safe in URLs and cookies.
std::string base64url_encode(ByteView data);
// Unpadded base64url (RFC 4648 §5); throws std::invalid_argument.
Bytes base64url_decode(std::string_view text);
Bytes random_bytes(std::size_t n);

}  // namespace tugra
