// A minimal DER writer for the structures OpenSSL has no type for
// (qcStatements and their contents, ETSI EN 319 412-5; the CMS attributes of
// CAdES and RFC 3161), and a reader for walking them. Everything it writes
// is checked against `openssl asn1parse` in tests/unit/der_test.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"

namespace tugra::der {

Bytes tlv(std::uint8_t tag, ByteView content);
Bytes sequence(std::initializer_list<Bytes> items);
Bytes oid(std::string_view dotted);  // encoded by OpenSSL's OBJ_txt2obj
Bytes integer(std::int64_t value);
Bytes utf8_string(std::string_view s);
Bytes printable_string(std::string_view s);
Bytes ia5_string(std::string_view s);
Bytes bit_string(ByteView bits);  // no unused bits
Bytes null();
Bytes boolean(bool value);
Bytes enumerated(int value);
Bytes octet_string(ByteView bytes);
// UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5).
Bytes time(std::int64_t unix_seconds);
Bytes generalized_time(std::int64_t unix_seconds);
// An INTEGER from big-endian unsigned magnitude bytes (a serial number).
Bytes unsigned_integer(ByteView magnitude);
// Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
// with the OID already encoded (callers keep their OIDs' DER in statics).
Bytes extension(ByteView oid_der, bool critical, ByteView value);
// Appends `part` to `out`.
void append(Bytes& out, ByteView part);
// SET OF: the elements sorted by their encodings (X.690 §11.6).
Bytes set_of(std::vector<Bytes> items);

// One TLV read from DER: its tag, its contents and the whole encoding.
struct Element {
  std::uint8_t tag = 0;
  ByteView content;
  ByteView whole;
};

// Reads consecutive TLVs from `data` (single-byte tags, definite lengths:
// what DER allows). Every read checks the lengths against what is left and
// throws std::runtime_error on anything malformed.
class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}
  bool at_end() const { return data_.empty(); }
  std::uint8_t peek_tag() const;
  Element next();
  // next(), which must have `tag`.
  Element next(std::uint8_t tag);
  // The next element when it has `tag`, else nothing is read.
  std::optional<Element> optional(std::uint8_t tag);

 private:
  ByteView data_;
};

// The dotted text of an OBJECT IDENTIFIER's contents.
std::string oid_text(ByteView content);

}  // namespace tugra::der
