// The status host's request reader (web/request_reader.hpp): requests split
// anywhere, pipelined, chunked, and every limit.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "web/request_reader.hpp"

using tugra::web::RequestReader;
using Result = RequestReader::Result;
using Field = RequestReader::Field;

namespace {

struct Seen {
  std::string method, target, body, if_none_match;
  bool keep_alive = false;
  bool operator==(const Seen&) const = default;
};

// Feeds `bytes` in pieces of `step` (0: all at once); the requests seen, and
// the refusal if one came.
std::pair<std::vector<Seen>, int> read_all(const std::string& bytes, std::size_t step,
                                           RequestReader::Limits limits = {}) {
  RequestReader reader(limits);
  std::vector<Seen> seen;
  std::size_t at = 0;
  while (at < bytes.size()) {
    std::size_t n = step ? std::min(step, bytes.size() - at) : bytes.size() - at;
    std::string_view piece(bytes.data() + at, n);
    at += n;
    while (!piece.empty()) {
      auto r = reader.feed(piece);
      if (r == Result::refused) return {seen, reader.refusal()};
      if (r == Result::request)
        seen.push_back({std::string(reader.method()), std::string(reader.target()), std::string(reader.body()),
                        std::string(reader.field(Field::if_none_match)), reader.keep_alive()});
    }
  }
  return {seen, 0};
}

}  // namespace

TEST(RequestReader, PipelinedRequestsSplitAnywhereReadTheSame) {
  std::string bytes =
      "GET /ocsp/MEkw%2Fab HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"a\"\r\n\r\n"
      "POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\nContent-Length: 5\r\n\r\nabXcd"
      "POST /tsa HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n2\r\n12\r\n0\r\n\r\n"
      "GET /healthz HTTP/1.0\r\n\r\n";
  bytes[bytes.find("abXcd") + 2] = '\0';
  auto [whole, refused] = read_all(bytes, 0);
  ASSERT_EQ(refused, 0);
  ASSERT_EQ(whole.size(), 4u);
  EXPECT_EQ(whole[0], (Seen{"GET", "/ocsp/MEkw%2Fab", "", "\"a\"", true}));
  EXPECT_EQ(whole[1].body, std::string("ab\0cd", 5));
  EXPECT_EQ(whole[2].body, "xyz12");
  EXPECT_EQ(whole[3], (Seen{"GET", "/healthz", "", "", false}));  // HTTP/1.0 without keep-alive
  for (std::size_t step : {1, 2, 3, 7, 64}) EXPECT_EQ(read_all(bytes, step).first, whole) << "pieces of " << step;
}

TEST(RequestReader, FieldsOfOneRequestDoNotLeakIntoTheNext) {
  RequestReader reader({});
  std::string_view bytes =
      "GET /a HTTP/1.1\r\nif-none-match: \"1\"\r\nIF-NONE-MATCH: \"2\"\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n"
      "GET /b HTTP/1.1\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(reader.feed(bytes), Result::request);
  EXPECT_EQ(reader.field(Field::if_none_match), "\"1\", \"2\"");  // repeated: one list
  EXPECT_EQ(reader.field(Field::forwarded_for), "10.0.0.1");
  EXPECT_EQ(reader.path(), "/a");
  ASSERT_EQ(reader.feed(bytes), Result::request);
  EXPECT_EQ(reader.field(Field::if_none_match), "");
  EXPECT_EQ(reader.field(Field::forwarded_for), "");
  EXPECT_FALSE(reader.keep_alive());
  EXPECT_TRUE(bytes.empty());
}

TEST(RequestReader, PathLeavesTheQueryOut) {
  RequestReader reader({});
  std::string_view bytes = "GET /crl/nes.crl?x=1 HTTP/1.1\r\n\r\n";
  ASSERT_EQ(reader.feed(bytes), Result::request);
  EXPECT_EQ(reader.path(), "/crl/nes.crl");
  EXPECT_EQ(reader.target(), "/crl/nes.crl?x=1");
}

TEST(RequestReader, ExpectContinueIsSignalledOnceBeforeTheBody) {
  RequestReader reader({});
  std::string_view head = "POST /tsa HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n";
  EXPECT_EQ(reader.feed(head), Result::need_more);
  EXPECT_TRUE(reader.take_continue());
  EXPECT_FALSE(reader.take_continue());
  std::string_view body = "abc";
  EXPECT_EQ(reader.feed(body), Result::request);
  EXPECT_EQ(reader.body(), "abc");
  // Without Expect, or with the body already there, nothing is owed.
  std::string_view next = "POST /tsa HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nz";
  EXPECT_EQ(reader.feed(next), Result::request);
  EXPECT_FALSE(reader.take_continue());
}

TEST(RequestReader, LimitsAreRefusedWithTheirStatus) {
  RequestReader::Limits limits{64, 4, 200, 10};
  EXPECT_EQ(read_all("GET /" + std::string(100, 'a') + " HTTP/1.1\r\n\r\n", 0, limits).second, 414);
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 5; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(read_all(many + "\r\n", 0, limits).second, 431);
  EXPECT_EQ(read_all("GET / HTTP/1.1\r\nX: " + std::string(300, 'v') + "\r\n\r\n", 7, limits).second, 431);
  // A Content-Length over the limit is refused before any of its body.
  EXPECT_EQ(read_all("POST /ocsp HTTP/1.1\r\nContent-Length: 11\r\n\r\n", 0, limits).second, 413);
  EXPECT_EQ(read_all("POST /ocsp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nabcdef\r\n0\r\n\r\n",
                     3, limits).second,
            413);
  // Within them, read.
  EXPECT_EQ(read_all("POST /ocsp HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", 0, limits).first.size(), 1u);
}

TEST(RequestReader, WhatIsNotHttpIsRefusedAndStaysRefused) {
  for (std::string bad : {"\x16\x03\x01\x02\x00", "GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
                          "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                          "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", "BREW /pot HTCPCP/1.0\r\n\r\n"}) {
    RequestReader reader({});
    std::string_view data = bad;
    EXPECT_EQ(reader.feed(data), Result::refused) << bad;
    EXPECT_EQ(reader.refusal(), 400);
    std::string_view more = "GET / HTTP/1.1\r\n\r\n";
    EXPECT_EQ(reader.feed(more), Result::refused);
  }
}

TEST(RequestReader, KnowsWhenARequestIsHalfRead) {
  RequestReader reader({});
  EXPECT_FALSE(reader.in_request());
  std::string_view part = "GET /healthz HT";
  EXPECT_EQ(reader.feed(part), Result::need_more);
  EXPECT_TRUE(reader.in_request());  // the server's idle limit then counts from its first byte
  std::string_view rest = "TP/1.1\r\n\r\n";
  EXPECT_EQ(reader.feed(rest), Result::request);
  EXPECT_FALSE(reader.in_request());
}
