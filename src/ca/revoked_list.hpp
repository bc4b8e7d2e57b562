// The revoked-certificate list of a full CRL, kept encoded between CRLs.
//
// A CRL after one more revocation should cost that entry, one hash and one
// signature, not the encoding of a million entries read again from the
// database. The list keeps every entry's DER in one buffer, sorted by serial
// number (so a list built entry by entry and one built from scratch are the
// same bytes), with an index of where each starts: a change is a binary
// search and one splice. About 50 bytes per entry plus 8 for the index.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.hpp"

namespace tugra::ca {

struct CrlEntry;

class RevokedList {
 public:
  RevokedList() = default;
  // From every entry, in any order (sorted here).
  explicit RevokedList(const std::vector<CrlEntry>& entries);

  // A list filled from many rows: entries appended in any order, then
  // sorted (and each serial kept once) by sort(), before any other use.
  void append_unsorted(const CrlEntry& entry);
  void reserve(std::size_t entries);
  void sort();

  // Adds the entry, or replaces the one of its serial (a new reason or date).
  void put(const CrlEntry& entry);
  // Removes the serial's entry if listed (a lifted suspension, an expired one dropped).
  void remove(const std::string& serial_hex);

  // The entries' DER, one after another: the content of revokedCertificates.
  ByteView der() const { return data_; }
  std::size_t size() const { return offsets_.size(); }

  // The database change this list reflects (CertificateRepository change_seq).
  std::int64_t change_seq = 0;

 private:
  // Where `magnitude` (a serial without leading zero bytes) is or would go.
  std::size_t position(ByteView magnitude, bool& found) const;
  ByteView serial_at(std::size_t index) const;
  std::size_t end_of(std::size_t index) const;
  void make_room(std::size_t bytes);

  Bytes data_;
  std::vector<std::uint64_t> offsets_;
};

// One revokedCertificates entry (RFC 5280 §5.1.2.6), alone or appended to `out`.
Bytes encode_crl_entry(const CrlEntry& entry);
void append_crl_entry(Bytes& out, const CrlEntry& entry);

}  // namespace tugra::ca
