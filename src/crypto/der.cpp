#include "crypto/der.hpp"

#include <openssl/objects.h>

#include <algorithm>
#include <ctime>
#include <stdexcept>

#include "common/clock.hpp"
#include "crypto/openssl.hpp"

namespace tugra::der {

Bytes tlv(std::uint8_t tag, ByteView content) {
  Bytes out{tag};
  std::size_t len = content.size();
  if (len < 0x80) {
    out.push_back(static_cast<std::uint8_t>(len));
  } else {
    Bytes len_bytes;
    for (std::size_t n = len; n > 0; n >>= 8) len_bytes.insert(len_bytes.begin(), n & 0xFF);
    out.push_back(static_cast<std::uint8_t>(0x80 | len_bytes.size()));
    out.insert(out.end(), len_bytes.begin(), len_bytes.end());
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

Bytes sequence(std::initializer_list<Bytes> items) {
  Bytes content;
  for (const auto& item : items) content.insert(content.end(), item.begin(), item.end());
  return tlv(0x30, content);
}

Bytes oid(std::string_view dotted) {
  ossl::Ptr<ASN1_OBJECT, ASN1_OBJECT_free> obj(OBJ_txt2obj(std::string(dotted).c_str(), 1));
  if (!obj) throw ossl::Error("OBJ_txt2obj " + std::string(dotted));
  unsigned char* buf = nullptr;
  int len = i2d_ASN1_OBJECT(obj.get(), &buf);
  if (len <= 0) throw ossl::Error("i2d_ASN1_OBJECT");
  Bytes out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

Bytes integer(std::int64_t value) {
  // Two's complement, big-endian, minimal length.
  Bytes content;
  for (int i = 7; i >= 0; --i) content.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  std::size_t start = 0;
  while (start + 1 < content.size() &&
         ((content[start] == 0x00 && !(content[start + 1] & 0x80)) ||
          (content[start] == 0xFF && (content[start + 1] & 0x80))))
    ++start;
  return tlv(0x02, ByteView(content).subspan(start));
}

Bytes utf8_string(std::string_view s) { return tlv(0x0C, as_bytes(s)); }
Bytes printable_string(std::string_view s) { return tlv(0x13, as_bytes(s)); }
Bytes ia5_string(std::string_view s) { return tlv(0x16, as_bytes(s)); }

Bytes bit_string(ByteView bits) {
  Bytes content{0x00};
  content.insert(content.end(), bits.begin(), bits.end());
  return tlv(0x03, content);
}

Bytes null() { return {0x05, 0x00}; }

Bytes boolean(bool value) { return {0x01, 0x01, static_cast<std::uint8_t>(value ? 0xFF : 0x00)}; }

Bytes enumerated(int value) {
  Bytes i = integer(value);
  i[0] = 0x0A;
  return i;
}

Bytes octet_string(ByteView bytes) { return tlv(0x04, bytes); }

static Bytes time_string(std::uint8_t tag, std::int64_t unix_seconds, bool four_digit_year) {
  return tlv(tag, as_bytes(format_time(unix_seconds, four_digit_year ? "%Y%m%d%H%M%SZ" : "%y%m%d%H%M%SZ")));
}

Bytes time(std::int64_t unix_seconds) {
  constexpr std::int64_t k2050 = 2524608000;  // 2050-01-01T00:00:00Z
  return unix_seconds < k2050 ? time_string(0x17, unix_seconds, false) : generalized_time(unix_seconds);
}

Bytes generalized_time(std::int64_t unix_seconds) { return time_string(0x18, unix_seconds, true); }

Bytes unsigned_integer(ByteView magnitude) {
  std::size_t start = 0;
  while (start + 1 < magnitude.size() && magnitude[start] == 0) ++start;
  Bytes content;
  if (magnitude.empty() || (magnitude[start] & 0x80)) content.push_back(0x00);
  content.insert(content.end(), magnitude.begin() + static_cast<long>(start), magnitude.end());
  return tlv(0x02, content);
}

Bytes extension(ByteView oid_der, bool critical, ByteView value) {
  Bytes content(oid_der.begin(), oid_der.end());
  if (critical) append(content, boolean(true));
  append(content, octet_string(value));
  return tlv(0x30, content);
}

void append(Bytes& out, ByteView part) { out.insert(out.end(), part.begin(), part.end()); }

Bytes set_of(std::vector<Bytes> items) {
  std::sort(items.begin(), items.end());
  Bytes content;
  for (const auto& i : items) append(content, i);
  return tlv(0x31, content);
}

std::uint8_t Reader::peek_tag() const {
  if (data_.empty()) throw std::runtime_error("DER: no more elements");
  return data_[0];
}

Element Reader::next() {
  if (data_.size() < 2) throw std::runtime_error("DER: truncated element");
  std::uint8_t tag = data_[0];
  if ((tag & 0x1F) == 0x1F) throw std::runtime_error("DER: multi-byte tags are not used here");
  std::size_t length = data_[1], header = 2;
  if (length == 0x80) throw std::runtime_error("DER: indefinite length");
  if (length > 0x80) {
    std::size_t count = length & 0x7F;
    if (count > sizeof(std::size_t) - 1 || data_.size() < 2 + count) throw std::runtime_error("DER: bad length");
    length = 0;
    for (std::size_t i = 0; i < count; ++i) length = (length << 8) | data_[2 + i];
    header += count;
  }
  if (length > data_.size() - header) throw std::runtime_error("DER: element longer than its container");
  Element e{tag, data_.subspan(header, length), data_.subspan(0, header + length)};
  data_ = data_.subspan(header + length);
  return e;
}

Element Reader::next(std::uint8_t tag) {
  if (peek_tag() != tag) throw std::runtime_error("DER: unexpected tag");
  return next();
}

std::optional<Element> Reader::optional(std::uint8_t tag) {
  if (data_.empty() || data_[0] != tag) return std::nullopt;
  return next();
}

std::string oid_text(ByteView content) {
  Bytes encoded = tlv(0x06, content);
  const unsigned char* p = encoded.data();
  ossl::Ptr<ASN1_OBJECT, ASN1_OBJECT_free> object(d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(encoded.size())));
  if (!object) throw std::runtime_error("DER: bad OBJECT IDENTIFIER");
  char text[128];
  OBJ_obj2txt(text, sizeof text, object.get(), 1);
  return text;
}

}  // namespace tugra::der
