// libFuzzer target: the status host's request reader (web/request_reader.hpp)
// on any bytes. The first byte chooses where the rest is cut into pieces.
// Checks: the same requests, and a refusal or none, whether the bytes come
// at once or in pieces, as a connection's reads cut them anywhere; nothing
// kept beyond the limits; a refusal is one of the four statuses and is
// final. (Its status may differ: with bytes that break two rules, pieces can
// let a limit be seen before the byte that is not HTTP, 431 before 400.)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "web/request_reader.hpp"

namespace {

using tugra::web::RequestReader;

constexpr RequestReader::Limits kLimits{256, 8, 512, 128};

struct Outcome {
  std::vector<std::string> requests;  // method, target, body, fields, keep-alive joined
  int refusal = 0;
  bool same_as(const Outcome& o) const { return requests == o.requests && (refusal != 0) == (o.refusal != 0); }
};

void check(bool ok) {
  if (!ok) std::abort();
}

Outcome read(std::string_view bytes, std::size_t step) {
  RequestReader reader(kLimits);
  Outcome out;
  while (!bytes.empty()) {
    std::string_view piece = bytes.substr(0, step ? step : bytes.size());
    bytes.remove_prefix(piece.size());
    while (!piece.empty()) {
      auto before = piece.size();
      auto r = reader.feed(piece);
      check(piece.size() <= before);
      if (r == RequestReader::Result::refused) {
        out.refusal = reader.refusal();
        check(out.refusal == 400 || out.refusal == 413 || out.refusal == 414 || out.refusal == 431);
        std::string_view more = "GET / HTTP/1.1\r\n\r\n";
        check(reader.feed(more) == RequestReader::Result::refused);
        return out;
      }
      if (r == RequestReader::Result::need_more) {
        check(piece.empty());
        reader.take_continue();
        continue;
      }
      check(reader.target().size() <= kLimits.max_target && reader.body().size() <= kLimits.max_body);
      std::string seen = std::string(reader.method()) + ' ' + std::string(reader.target()) + ' ' +
                         std::string(reader.body()) + (reader.keep_alive() ? " k" : " c");
      for (auto f : {RequestReader::Field::if_none_match, RequestReader::Field::content_type,
                     RequestReader::Field::forwarded_for, RequestReader::Field::forwarded_proto})
        seen += '|' + std::string(reader.field(f));
      out.requests.push_back(std::move(seen));
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t step = data[0] % 16 + 1;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  check(read(bytes, 0).same_as(read(bytes, step)));
  return 0;
}
