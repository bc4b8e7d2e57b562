#include "web/request_reader.hpp"

#include <algorithm>
#include <cctype>

namespace tugra::web {
namespace {

RequestReader& self(http_parser* p) { return *static_cast<RequestReader*>(p->data); }

constexpr std::array<std::string_view, 4> kKeptNames = {"if-none-match", "content-type", "x-forwarded-for",
                                                        "x-forwarded-proto"};

}  // namespace

RequestReader::RequestReader(Limits limits) : limits_(limits) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  settings_.on_message_begin = on_message_begin;
  settings_.on_url = on_url;
  settings_.on_header_field = on_header_field;
  settings_.on_header_value = on_header_value;
  settings_.on_headers_complete = on_headers_complete;
  settings_.on_body = on_body;
  settings_.on_message_complete = on_message_complete;
}

int RequestReader::refuse(int status) {
  if (!refusal_) refusal_ = status;
  return -1;  // stops the parser (1 from on_headers_complete would only mean "no body")
}

int RequestReader::on_message_begin(http_parser* p) {
  RequestReader& r = self(p);
  r.in_request_ = true;
  r.target_.clear();
  r.body_.clear();
  r.name_.clear();
  for (auto& f : r.fields_) f.clear();
  r.in_value_ = false;
  r.current_ = -1;
  r.expects_continue_ = r.continue_due_ = false;
  r.field_count_ = r.header_bytes_ = 0;
  r.keep_alive_ = false;
  return 0;
}

int RequestReader::on_url(http_parser* p, const char* at, std::size_t n) {
  RequestReader& r = self(p);
  if (r.target_.size() + n > r.limits_.max_target) return r.refuse(414);
  r.target_.append(at, n);
  return 0;
}

int RequestReader::on_header_field(http_parser* p, const char* at, std::size_t n) {
  RequestReader& r = self(p);
  if (r.in_value_ || r.field_count_ == 0) {  // a new field begins
    if (++r.field_count_ > r.limits_.max_fields) return r.refuse(431);
    r.name_.clear();
    r.in_value_ = false;
    r.header_bytes_ += 4;  // ": " and CRLF
  }
  if ((r.header_bytes_ += n) > r.limits_.max_header_bytes) return r.refuse(431);
  for (std::size_t i = 0; i < n && r.name_.size() < 32; ++i)
    r.name_ += at[i] >= 'A' && at[i] <= 'Z' ? static_cast<char>(at[i] + ('a' - 'A')) : at[i];
  return 0;
}

int RequestReader::on_header_value(http_parser* p, const char* at, std::size_t n) {
  RequestReader& r = self(p);
  if (!r.in_value_) {  // the name is complete: is it one we keep?
    r.in_value_ = true;
    auto kept = std::find(kKeptNames.begin(), kKeptNames.end(), r.name_);
    r.current_ = kept == kKeptNames.end() ? -1 : static_cast<int>(kept - kKeptNames.begin());
    if (r.current_ >= 0 && !r.fields_[r.current_].empty()) r.fields_[r.current_] += ", ";  // repeated: one list
  }
  if ((r.header_bytes_ += n) > r.limits_.max_header_bytes) return r.refuse(431);
  if (r.current_ >= 0) r.fields_[r.current_].append(at, n);
  if (r.name_ == "expect") {
    std::string_view v(at, n);
    if (v.size() == 12 && std::equal(v.begin(), v.end(), "100-continue", [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        }))
      r.expects_continue_ = true;
  }
  return 0;
}

int RequestReader::on_headers_complete(http_parser* p) {
  RequestReader& r = self(p);
  if (p->upgrade) return r.refuse(400);  // no WebSocket or CONNECT here
  // A Content-Length over the limit is refused before its body is read.
  if ((p->flags & F_CONTENTLENGTH) && p->content_length > r.limits_.max_body) return r.refuse(413);
  r.continue_due_ = r.expects_continue_ && (p->flags & F_CHUNKED || p->content_length > 0);
  return 0;
}

int RequestReader::on_body(http_parser* p, const char* at, std::size_t n) {
  RequestReader& r = self(p);
  if (r.body_.size() + n > r.limits_.max_body) return r.refuse(413);
  r.body_.append(at, n);
  return 0;
}

int RequestReader::on_message_complete(http_parser* p) {
  RequestReader& r = self(p);
  r.keep_alive_ = http_should_keep_alive(p) != 0;
  r.in_request_ = false;
  r.continue_due_ = false;  // the body came without waiting
  r.paused_ = true;
  http_parser_pause(p, 1);  // one request at a time: the caller answers it before the next is read
  return 0;
}

RequestReader::Result RequestReader::feed(std::string_view& data) {
  if (refusal_) return Result::refused;
  if (paused_) {
    paused_ = false;
    http_parser_pause(&parser_, 0);
  }
  // An empty feed would tell http_parser the connection ended.
  if (data.empty()) return Result::need_more;
  std::size_t taken = http_parser_execute(&parser_, &settings_, data.data(), data.size());
  auto error = HTTP_PARSER_ERRNO(&parser_);
  data.remove_prefix(std::min(taken, data.size()));
  if (error == HPE_PAUSED) return Result::request;
  if (error != HPE_OK || !data.empty()) {  // not HTTP, or a callback refused it
    if (!refusal_) refusal_ = 400;
    return Result::refused;
  }
  return Result::need_more;
}

}  // namespace tugra::web
