// A minimal DER writer for the structures OpenSSL has no type for
// (qcStatements and their contents, ETSI EN 319 412-5). Everything it writes
// is checked against `openssl asn1parse` in tests/unit/der_test.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>

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

}  // namespace tugra::der
