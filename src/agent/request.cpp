#include "agent/request.hpp"

#include <nlohmann/json.hpp>

#include <openssl/evp.h>

#include "crypto/cms.hpp"
#include "crypto/der.hpp"
#include "crypto/openssl.hpp"

namespace tugra::agent {
namespace {

using nlohmann::json;

json parse_object(std::string_view body, std::size_t max) {
  if (body.size() > max) throw RequestError("agent.error.too_large");
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw RequestError("agent.error.bad_json");
  return j;
}

std::string text_field(const json& j, const char* name, std::size_t max, bool required = true) {
  auto it = j.find(name);
  if (it == j.end()) {
    if (required) throw RequestError("agent.error.missing_field");
    return "";
  }
  if (!it->is_string()) throw RequestError("agent.error.bad_field");
  std::string s = it->get<std::string>();
  if (s.size() > max) throw RequestError("agent.error.bad_field");
  return s;
}

Bytes base64_field(const json& j, const char* name, std::size_t max_decoded) {
  std::string text = text_field(j, name, max_decoded / 3 * 4 + 8);
  try {
    Bytes out = base64_decode(text);
    if (out.empty() || out.size() > max_decoded) throw RequestError("agent.error.bad_field");
    return out;
  } catch (const std::invalid_argument&) {
    throw RequestError("agent.error.bad_field");
  }
}

// A card serial as PKCS#11 gives it: letters and digits, at most 16.
bool serial_well_formed(std::string_view s) {
  if (s.empty() || s.size() > 16) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  return true;
}

// The DER SET OF attributes must hold exactly one message-digest attribute;
// its value.
Bytes message_digest_of(ByteView signed_attributes) {
  static const Bytes kMessageDigest = der::oid(cms::kIdMessageDigest);
  try {
    der::Reader outer(signed_attributes);
    der::Element set = outer.next(0x31);
    if (!outer.at_end()) throw RequestError("agent.error.bad_signed_attributes");
    der::Reader attributes(set.content);
    std::optional<Bytes> digest;
    while (!attributes.at_end()) {
      der::Reader attribute(attributes.next(0x30).content);
      der::Element type = attribute.next(0x06);
      if (!std::equal(type.whole.begin(), type.whole.end(), kMessageDigest.begin(), kMessageDigest.end())) continue;
      if (digest) throw RequestError("agent.error.bad_signed_attributes");
      der::Reader values(attribute.next(0x31).content);
      der::Element value = values.next(0x04);
      if (!values.at_end()) throw RequestError("agent.error.bad_signed_attributes");
      digest = Bytes(value.content.begin(), value.content.end());
    }
    if (!digest) throw RequestError("agent.error.bad_signed_attributes");
    return *digest;
  } catch (const std::runtime_error&) {
    throw RequestError("agent.error.bad_signed_attributes");
  }
}

}  // namespace

const char* to_string(Kind kind) {
  switch (kind) {
    case Kind::authenticate: return "authenticate";
    case Kind::sign: return "sign";
    case Kind::change_pin: return "change_pin";
    case Kind::unlock: return "unlock";
  }
  return "?";
}

bool nonce_well_formed(std::string_view nonce) {
  if (nonce.size() < 43 || nonce.size() > 128) return false;
  for (char c : nonce)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

OperationRequest parse_operation(std::string_view body, const RequestLimits& limits) {
  json j = parse_object(body, limits.max_body);
  OperationRequest r;
  std::string kind = text_field(j, "kind", 32);
  if (kind == "authenticate") r.kind = Kind::authenticate;
  else if (kind == "sign") r.kind = Kind::sign;
  else if (kind == "change_pin") r.kind = Kind::change_pin;
  else if (kind == "unlock") r.kind = Kind::unlock;
  else throw RequestError("agent.error.bad_kind");
  r.nonce = text_field(j, "nonce", 4096, false);
  if (!nonce_well_formed(r.nonce)) throw RequestError("agent.error.bad_nonce");
  if (r.kind == Kind::unlock) {
    r.card_serial = text_field(j, "card_serial", 16);
    if (!serial_well_formed(r.card_serial)) throw RequestError("agent.error.bad_field");
    r.server_key = base64_field(j, "server_key", 32);
    if (r.server_key.size() != 32) throw RequestError("agent.error.bad_field");
  }
  if (r.kind == Kind::sign) {
    r.document_name = text_field(j, "document_name", 200);
    Bytes document = base64_field(j, "document", limits.max_document);
    r.document.assign(document.begin(), document.end());
    auto range = j.find("byte_range");
    if (range == j.end() || !range->is_array() || range->size() != 4) throw RequestError("agent.error.bad_field");
    for (std::size_t i = 0; i < 4; ++i) {
      if (!(*range)[i].is_number_integer()) throw RequestError("agent.error.bad_field");
      r.byte_range[i] = (*range)[i].get<std::int64_t>();
    }
    r.signed_attributes = base64_field(j, "signed_attributes", 64 * 1024);
    check_signed_document(r);
  }
  return r;
}

Bytes parse_puk_delivery(std::string_view body) {
  json j = parse_object(body, 4096);
  Bytes sealed = base64_field(j, "sealed_puk", 1024);
  return sealed;
}

void check_signed_document(const OperationRequest& r) {
  const auto& [a, b, c, d] = r.byte_range;
  const auto size = static_cast<std::int64_t>(r.document.size());
  // [a, a+b) and [c, c+d) with a = 0 and c + d = size: everything but one gap.
  if (a != 0 || b < 1 || d < 0 || c < b + 2 || c + d != size || c > size)
    throw RequestError("agent.error.bad_byte_range");
  std::string_view gap(r.document.data() + b, static_cast<std::size_t>(c - b));
  if (gap.front() != '<' || gap.back() != '>') throw RequestError("agent.error.bad_byte_range");
  for (std::size_t i = 1; i + 1 < gap.size(); ++i)
    if (gap[i] != '0') throw RequestError("agent.error.bad_byte_range");
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx) throw std::bad_alloc();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  bool ok = EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx, r.document.data(), static_cast<std::size_t>(b)) == 1 &&
            EVP_DigestUpdate(ctx, r.document.data() + c, static_cast<std::size_t>(d)) == 1 &&
            EVP_DigestFinal_ex(ctx, digest, &length) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error("SHA-256 failed");
  Bytes expected = message_digest_of(r.signed_attributes);
  if (expected != Bytes(digest, digest + length)) throw RequestError("agent.error.digest_mismatch");
}

}  // namespace tugra::agent
