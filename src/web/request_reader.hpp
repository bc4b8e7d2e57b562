// Reads HTTP/1.1 requests off a connection's bytes, one at a time, with
// http_parser (the parser RESTinio uses): requests split anywhere across
// reads, pipelined requests, chunked bodies. It keeps only what the status
// role's endpoints read, in buffers reused for every request of the
// connection, so a request costs no allocation once the connection is warm.
#pragma once

#include <http_parser.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace tugra::web {

class RequestReader {
 public:
  struct Limits {
    std::size_t max_target = 8192;
    std::size_t max_fields = 48;
    std::size_t max_header_bytes = 16384;
    std::size_t max_body = 65536;
  };
  // The header fields a status endpoint reads; any other is counted, not kept.
  enum class Field { if_none_match, content_type, forwarded_for, forwarded_proto, count };

  explicit RequestReader(Limits limits);
  RequestReader(const RequestReader&) = delete;
  RequestReader& operator=(const RequestReader&) = delete;

  enum class Result {
    need_more,  // every byte is taken; the request is not complete
    request,    // one request is complete (its bytes taken; the next one's are not)
    refused,    // not HTTP or over a limit: answer refusal() and close
  };
  // Takes bytes from the front of `data` until one of the above.
  Result feed(std::string_view& data);

  // The request just completed.
  std::string_view method() const { return http_method_str(static_cast<http_method>(parser_.method)); }
  std::string_view target() const { return target_; }
  std::string_view path() const { return std::string_view(target_).substr(0, target_.find('?')); }
  std::string_view body() const { return body_; }
  std::string_view field(Field f) const { return fields_[static_cast<std::size_t>(f)]; }
  bool keep_alive() const { return keep_alive_; }
  // Some bytes of a request that is not complete yet have been read.
  bool in_request() const { return in_request_; }
  // With Result::refused: 400, 413, 414 or 431.
  int refusal() const { return refusal_; }
  // True once after need_more when the headers said `Expect: 100-continue`
  // and the body is still to come: the client waits for "100 Continue".
  bool take_continue() {
    bool due = continue_due_;
    continue_due_ = false;
    return due;
  }

 private:
  static int on_message_begin(http_parser* p);
  static int on_url(http_parser* p, const char* at, std::size_t n);
  static int on_header_field(http_parser* p, const char* at, std::size_t n);
  static int on_header_value(http_parser* p, const char* at, std::size_t n);
  static int on_headers_complete(http_parser* p);
  static int on_body(http_parser* p, const char* at, std::size_t n);
  static int on_message_complete(http_parser* p);
  int refuse(int status);

  Limits limits_;
  http_parser parser_{};
  http_parser_settings settings_{};
  std::string target_;
  std::string body_;
  std::string name_;  // the field being read (its first 32 characters, lower case)
  bool in_value_ = false;
  int current_ = -1;  // the kept field being read, or -1
  bool expects_continue_ = false;
  bool continue_due_ = false;
  std::array<std::string, static_cast<std::size_t>(Field::count)> fields_;
  std::size_t field_count_ = 0, header_bytes_ = 0;
  bool keep_alive_ = false;
  int refusal_ = 0;
  bool paused_ = false;
  bool in_request_ = false;
};

}  // namespace tugra::web
