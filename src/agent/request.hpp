// What a portal page may ask of the card agent, parsed from the JSON it
// posts. Everything is checked here, before the agent keeps anything: the
// kind, the portal's nonce, and each kind's own fields (sizes, encodings).
// Malformed input is a RequestError naming the catalog key of the problem.
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/bytes.hpp"

namespace tugra::agent {

struct RequestError : std::invalid_argument {
  explicit RequestError(const std::string& key) : std::invalid_argument(key) {}
  const char* key() const { return what(); }  // "agent.error.*"
};

enum class Kind { authenticate, sign, change_pin, unlock };
const char* to_string(Kind kind);

struct OperationRequest {
  Kind kind = Kind::authenticate;
  // The portal's one-time number (base64url, 32 to 96 random bytes): what
  // every answer is bound to, with the page's origin.
  std::string nonce;
  // unlock: the card the portal authorised, and its X25519 key for the new PUK.
  std::string card_serial;
  Bytes server_key;
  // sign: the PDF shown to the holder, the signature's byte range in it and
  // the DER SET OF signed attributes that the card signs.
  std::string document_name;
  std::string document;
  std::array<std::int64_t, 4> byte_range{};
  Bytes signed_attributes;
};

struct RequestLimits {
  std::size_t max_body = 12 * 1024 * 1024;     // a PDF in base64
  std::size_t max_document = 8 * 1024 * 1024;  // the PDF itself
};

// POST /v1/operations.
OperationRequest parse_operation(std::string_view body, const RequestLimits& limits = {});
// POST /v1/operations/{id}/puk: the old PUK sealed to the agent's key.
Bytes parse_puk_delivery(std::string_view body);
// True for a nonce the agent accepts (base64url, 43 to 128 characters).
bool nonce_well_formed(std::string_view nonce);

// sign: what the holder sees is what the card signs. The byte range covers
// the whole document but one gap, and that gap is the empty /Contents
// placeholder (hex zeros between < and >); the signed attributes' message
// digest is the SHA-256 of the covered bytes. RequestError otherwise.
void check_signed_document(const OperationRequest& request);

}  // namespace tugra::agent
