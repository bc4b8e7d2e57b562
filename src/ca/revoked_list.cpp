#include "ca/revoked_list.hpp"

#include <algorithm>
#include <cstring>
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

bool same(ByteView a, ByteView b) { return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0; }

}  // namespace

Bytes encode_crl_entry(const CrlEntry& e) {
  static const Bytes reason_code = der::oid("2.5.29.21");
  Bytes entry = der::unsigned_integer(hex_decode(e.serial.size() % 2 ? "0" + e.serial : e.serial));
  der::append(entry, der::time(e.revoked_at));
  // reasonCode 0 (unspecified) is left out, as RFC 5280 §5.3.1 asks.
  if (e.reason > 0 && e.reason <= 10)
    der::append(entry, der::tlv(0x30, der::extension(reason_code, false, der::enumerated(e.reason))));
  return der::tlv(0x30, entry);
}

RevokedList::RevokedList(const std::vector<CrlEntry>& entries) {
  // Encoded into one buffer in the given order, then copied in serial order:
  // two large allocations instead of two small ones per entry.
  Bytes unsorted;
  unsorted.reserve(entries.size() * 48);
  offsets_.reserve(entries.size());
  for (const auto& e : entries) {
    offsets_.push_back(unsorted.size());
    der::append(unsorted, encode_crl_entry(e));
  }
  std::swap(data_, unsorted);  // serial_at() and end_of() read data_
  std::vector<std::size_t> index(offsets_.size());
  for (std::size_t i = 0; i < index.size(); ++i) index[i] = i;
  std::sort(index.begin(), index.end(), [&](std::size_t a, std::size_t b) { return less(serial_at(a), serial_at(b)); });
  Bytes sorted;
  sorted.reserve(data_.size());
  std::vector<std::uint64_t> sorted_offsets;
  sorted_offsets.reserve(index.size());
  for (std::size_t k = 0; k < index.size(); ++k) {
    if (k > 0 && same(serial_at(index[k]), serial_at(index[k - 1]))) continue;  // listed once
    sorted_offsets.push_back(sorted.size());
    sorted.insert(sorted.end(), data_.begin() + static_cast<std::ptrdiff_t>(offsets_[index[k]]),
                  data_.begin() + static_cast<std::ptrdiff_t>(end_of(index[k])));
  }
  data_ = std::move(sorted);
  offsets_ = std::move(sorted_offsets);
  make_room(0);
}

// Room for the entries of many CRLs to come, so that a change splices in
// place instead of copying the whole list into a bigger buffer.
void RevokedList::make_room(std::size_t bytes) {
  if (data_.size() + bytes <= data_.capacity() && offsets_.size() < offsets_.capacity()) return;
  data_.reserve(data_.size() + bytes + data_.size() / 64 + 4096);
  offsets_.reserve(offsets_.size() + offsets_.size() / 64 + 64);
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
