#include "ca/revoked_list.hpp"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include "ca/crl_builder.hpp"
#include "crypto/der.hpp"

namespace tugra::ca {
namespace {

// A serial's magnitude: its bytes without leading zeros (the order is numeric).
Bytes magnitude_of(const std::string& serial_hex) {
  Bytes bytes = hex_decode(serial_hex.size() % 2 ? "0" + serial_hex : serial_hex);
  auto first = std::find_if(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b != 0; });
  return Bytes(first, bytes.end());
}

bool less(ByteView a, ByteView b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return std::memcmp(a.data(), b.data(), a.size()) < 0;
}

// A capacity with room for the changes of many CRLs to come (see make_room).
std::size_t with_room(std::size_t size, std::size_t slack) { return size + size / 64 + slack; }

bool same(ByteView a, ByteView b) { return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0; }

}  // namespace

Bytes encode_crl_entry(const CrlEntry& e) {
  Bytes out;
  append_crl_entry(out, e);
  return out;
}

// Written byte by byte rather than with crypto/der's helpers, which return a
// buffer each: the first CRL of a process encodes a million entries, and six
// allocations an entry were a third of its time.
void append_crl_entry(Bytes& out, const CrlEntry& e) {
  // The serial's magnitude (at most 20 octets, RFC 5280 §4.1.2.2; a longer
  // one would break the short-form lengths that serial_at() relies on).
  std::uint8_t serial[21] = {};
  std::size_t hex_length = e.serial.size(), length = (hex_length + 1) / 2;
  if (hex_length == 0 || length > 20) throw std::invalid_argument("CRL entry: serial " + e.serial);
  std::size_t odd = hex_length % 2;  // an odd number of digits: read as if after a '0'
  auto digit = [&](std::size_t padded) -> int {
    if (padded < odd) return 0;
    char c = e.serial[padded - odd];
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    throw std::invalid_argument("CRL entry: serial " + e.serial);
  };
  for (std::size_t i = 0; i < length; ++i) serial[i] = static_cast<std::uint8_t>(digit(2 * i) << 4 | digit(2 * i + 1));
  std::size_t first = 0;
  while (first + 1 < length && serial[first] == 0) ++first;
  bool pad = serial[first] & 0x80;  // stays a positive INTEGER
  std::size_t integer_length = length - first + (pad ? 1 : 0);

  // Time: UTCTime before 2050, GeneralizedTime from then on (§4.1.2.5).
  char time_text[16];
  bool utc = e.revoked_at < 2524608000;  // 2050-01-01T00:00:00Z
  std::time_t t = static_cast<std::time_t>(e.revoked_at);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::size_t time_length = std::strftime(time_text, sizeof time_text, utc ? "%y%m%d%H%M%SZ" : "%Y%m%d%H%M%SZ", &tm);

  // reasonCode 0 (unspecified) is left out, as RFC 5280 §5.3.1 asks:
  // SEQUENCE { SEQUENCE { OID 2.5.29.21, OCTET STRING { ENUMERATED r } } }
  bool reason = e.reason > 0 && e.reason <= 10;
  const std::uint8_t reason_code[] = {0x30, 0x0C, 0x30, 0x0A, 0x06, 0x03, 0x55, 0x1D, 0x15,
                                      0x04, 0x03, 0x0A, 0x01, static_cast<std::uint8_t>(e.reason)};

  std::size_t content = 2 + integer_length + 2 + time_length + (reason ? sizeof reason_code : 0);
  out.push_back(0x30);
  out.push_back(static_cast<std::uint8_t>(content));
  out.push_back(0x02);
  out.push_back(static_cast<std::uint8_t>(integer_length));
  if (pad) out.push_back(0x00);
  out.insert(out.end(), serial + first, serial + length);
  out.push_back(utc ? 0x17 : 0x18);
  out.push_back(static_cast<std::uint8_t>(time_length));
  out.insert(out.end(), time_text, time_text + time_length);
  if (reason) out.insert(out.end(), reason_code, reason_code + sizeof reason_code);
}

RevokedList::RevokedList(const std::vector<CrlEntry>& entries) {
  for (const auto& e : entries) append_unsorted(e);
  sort();
}

void RevokedList::reserve(std::size_t entries) {
  data_.reserve(entries * 52);  // a typical entry: 20-octet serial, UTCTime, reasonCode
  offsets_.reserve(entries);
}

void RevokedList::append_unsorted(const CrlEntry& entry) {
  offsets_.push_back(data_.size());
  append_crl_entry(data_, entry);
}

void RevokedList::sort() {
  // Sorted on a compact key (length and first 8 bytes of each serial) so that
  // most comparisons touch one 16-byte record instead of two entries far
  // apart in a 50 MB buffer; equal keys fall back to the whole serial.
  struct Key {
    std::uint64_t prefix;
    std::uint32_t length;
    std::uint32_t index;
  };
  std::vector<Key> keys(offsets_.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    ByteView serial = serial_at(i);
    std::uint64_t prefix = 0;
    for (std::size_t k = 0; k < 8; ++k) prefix = (prefix << 8) | (k < serial.size() ? serial[k] : 0);
    keys[i] = {prefix, static_cast<std::uint32_t>(serial.size()), static_cast<std::uint32_t>(i)};
  }
  std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
    if (a.length != b.length) return a.length < b.length;
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return a.length > 8 && less(serial_at(a.index), serial_at(b.index));
  });
  Bytes sorted;
  sorted.reserve(with_room(data_.size(), 4096));
  std::vector<std::uint64_t> sorted_offsets;
  sorted_offsets.reserve(with_room(keys.size(), 64));
  for (std::size_t k = 0; k < keys.size(); ++k) {
    if (k > 0 && same(serial_at(keys[k].index), serial_at(keys[k - 1].index))) continue;  // listed once
    sorted_offsets.push_back(sorted.size());
    sorted.insert(sorted.end(), data_.begin() + static_cast<std::ptrdiff_t>(offsets_[keys[k].index]),
                  data_.begin() + static_cast<std::ptrdiff_t>(end_of(keys[k].index)));
  }
  data_ = std::move(sorted);
  offsets_ = std::move(sorted_offsets);
}

// Room for the entries of many CRLs to come, so that a change splices in
// place instead of copying the whole list into a bigger buffer.
void RevokedList::make_room(std::size_t bytes) {
  if (data_.size() + bytes <= data_.capacity() && offsets_.size() < offsets_.capacity()) return;
  data_.reserve(with_room(data_.size(), bytes + 4096));
  offsets_.reserve(with_room(offsets_.size(), 64));
}

// An entry is SEQUENCE { INTEGER serial, Time, extensions? }, always under
// 128 bytes (a serial has at most 20 octets): short-form lengths only.
ByteView RevokedList::serial_at(std::size_t index) const {
  const std::uint8_t* p = data_.data() + offsets_[index];
  if (p[0] != 0x30 || p[1] >= 0x80 || p[2] != 0x02 || p[3] >= 0x80) throw std::logic_error("CRL entry encoding");
  ByteView integer(p + 4, p[3]);
  while (!integer.empty() && integer.front() == 0) integer = integer.subspan(1);
  return integer;
}

std::size_t RevokedList::end_of(std::size_t index) const { return offsets_[index] + 2 + data_[offsets_[index] + 1]; }

std::size_t RevokedList::position(ByteView magnitude, bool& found) const {
  std::size_t lo = 0, hi = offsets_.size();
  while (lo < hi) {
    std::size_t mid = lo + (hi - lo) / 2;
    if (less(serial_at(mid), magnitude)) lo = mid + 1;
    else hi = mid;
  }
  found = lo < offsets_.size() && same(serial_at(lo), magnitude);
  return lo;
}

void RevokedList::put(const CrlEntry& entry) {
  Bytes magnitude = magnitude_of(entry.serial);
  Bytes encoded = encode_crl_entry(entry);
  bool found = false;
  std::size_t i = position(magnitude, found);
  std::size_t at = i < offsets_.size() ? offsets_[i] : data_.size();
  std::size_t old_size = found ? end_of(i) - at : 0;
  // One splice; the entries after it move by the difference in size.
  auto shift = static_cast<std::int64_t>(encoded.size()) - static_cast<std::int64_t>(old_size);
  make_room(encoded.size());
  if (found) {
    if (same(ByteView(data_).subspan(at, old_size), encoded)) return;
    data_.erase(data_.begin() + static_cast<std::ptrdiff_t>(at), data_.begin() + static_cast<std::ptrdiff_t>(at + old_size));
  } else {
    offsets_.insert(offsets_.begin() + static_cast<std::ptrdiff_t>(i), at);
  }
  data_.insert(data_.begin() + static_cast<std::ptrdiff_t>(at), encoded.begin(), encoded.end());
  for (std::size_t k = i + 1; k < offsets_.size(); ++k) offsets_[k] += shift;
}

void RevokedList::remove(const std::string& serial_hex) {
  bool found = false;
  std::size_t i = position(magnitude_of(serial_hex), found);
  if (!found) return;
  std::size_t at = offsets_[i], length = end_of(i) - at;
  data_.erase(data_.begin() + static_cast<std::ptrdiff_t>(at), data_.begin() + static_cast<std::ptrdiff_t>(at + length));
  offsets_.erase(offsets_.begin() + static_cast<std::ptrdiff_t>(i));
  for (std::size_t k = i; k < offsets_.size(); ++k) offsets_[k] -= length;
}

}  // namespace tugra::ca
