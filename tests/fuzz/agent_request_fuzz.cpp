// libFuzzer target: the card agent's request parser (src/agent/request.cpp),
// which reads whatever JSON a web page posts to the agent, on arbitrary
// bytes. Checks what the agent relies on: a request it accepts has a
// well-formed nonce and the fields of its kind within their limits, and a
// signing request's byte range lies inside its document.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "agent/request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  tugra::agent::RequestLimits limits{64 * 1024, 32 * 1024};
  try {
    auto r = tugra::agent::parse_operation(text, limits);
    if (!tugra::agent::nonce_well_formed(r.nonce)) std::abort();
    if (r.kind == tugra::agent::Kind::unlock && (r.server_key.size() != 32 || r.card_serial.empty())) std::abort();
    if (r.kind == tugra::agent::Kind::sign) {
      const auto& [a, b, c, d] = r.byte_range;
      if (a != 0 || c + d != static_cast<std::int64_t>(r.document.size()) || b >= c) std::abort();
      if (r.document.size() > limits.max_document) std::abort();
    }
  } catch (const tugra::agent::RequestError&) {
    // refused: the agent answers 400 with the key
  }
  try {
    auto sealed = tugra::agent::parse_puk_delivery(text);
    if (sealed.empty() || sealed.size() > 1024) std::abort();
  } catch (const tugra::agent::RequestError&) {
  }
  return 0;
}
