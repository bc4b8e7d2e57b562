// The card agent's pure parts: the request parser (what-you-see-is-what-
// you-sign for PDFs), the origin allowlist, the log-in statement and the
// sealed boxes the PUKs travel in.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "agent/origin_policy.hpp"
#include "agent/request.hpp"
#include "card/login_statement.hpp"
#include "common/bytes.hpp"
#include "crypto/sealed_box.hpp"

namespace tugra::agent {
namespace {

std::string seed(const std::string& name) {
  std::ifstream in(std::string(TUGRA_SOURCE_DIR) + "/tests/fuzz/corpus/agent_request/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string key_of(const std::string& body) {
  try {
    parse_operation(body);
    return "";
  } catch (const RequestError& e) {
    return e.key();
  }
}

TEST(AgentRequest, SignRequestWhoseDigestMatchesTheShownDocument) {
  auto r = parse_operation(seed("sign.json"));
  EXPECT_EQ(r.kind, Kind::sign);
  EXPECT_EQ(r.document_name, "basvuru.pdf");
}

TEST(AgentRequest, ADocumentChangedAfterTheDigestIsRefused) {
  std::string body = seed("sign.json");
  // "hello" -> "hellO" inside the base64 of the document: another document, same attributes.
  std::string doc_b64 = body.substr(body.find("\"document\": \"") + 13);
  doc_b64 = doc_b64.substr(0, doc_b64.find('"'));
  Bytes doc = base64_decode(doc_b64);
  std::string text(doc.begin(), doc.end());
  text.replace(text.find("hello"), 5, "hellO");
  std::string changed = body;
  changed.replace(changed.find(doc_b64), doc_b64.size(), base64_encode(as_bytes(text)));
  EXPECT_EQ(key_of(changed), "agent.error.digest_mismatch");
  // Something hidden in the gap the signature leaves out.
  text = std::string(doc.begin(), doc.end());
  text.replace(text.find("<0000"), 5, "<0A00");
  changed = body;
  changed.replace(changed.find(doc_b64), doc_b64.size(), base64_encode(as_bytes(text)));
  EXPECT_EQ(key_of(changed), "agent.error.bad_byte_range");
}

TEST(AgentRequest, NoncesAndKindsAreChecked) {
  EXPECT_EQ(key_of(seed("authenticate.json")), "");
  EXPECT_EQ(key_of(seed("unlock.json")), "");
  EXPECT_EQ(key_of(R"({"kind":"authenticate"})"), "agent.error.bad_nonce");
  EXPECT_EQ(key_of(R"({"kind":"authenticate","nonce":"abc"})"), "agent.error.bad_nonce");
  EXPECT_EQ(key_of(R"({"kind":"format_card","nonce":"pWH5CbTsRGVElYZr1G00JG0L3oGbkMyvoHiiBchaj7o"})"),
            "agent.error.bad_kind");
  EXPECT_EQ(key_of(R"({"kind":"unlock","nonce":"pWH5CbTsRGVElYZr1G00JG0L3oGbkMyvoHiiBchaj7o","card_serial":"A B",)"
                   R"("server_key":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="})"),
            "agent.error.bad_field");
  EXPECT_EQ(key_of("[1,2]"), "agent.error.bad_json");
  EXPECT_EQ(key_of("{"), "agent.error.bad_json");
}

TEST(OriginPolicy, ExactOriginsOnly) {
  OriginPolicy policy("HTTPS://Portal.Example:443/, http://127.0.0.1:8080");
  EXPECT_TRUE(policy.allowed("https://portal.example"));
  EXPECT_TRUE(policy.allowed("http://127.0.0.1:8080"));
  EXPECT_FALSE(policy.allowed("http://portal.example"));
  EXPECT_FALSE(policy.allowed("https://portal.example.evil"));
  EXPECT_FALSE(policy.allowed("null"));
  EXPECT_FALSE(policy.allowed(""));
  EXPECT_EQ(normalise_origin("https://x/path"), "");
}

TEST(LoginStatement, OneSpellingOnly) {
  card::LoginStatement s{"https://portal.example", "pWH5CbTsRGVElYZr1G00JG0L3oGbkMyvoHiiBchaj7o", 1796227200};
  auto parsed = card::LoginStatement::parse(s.text());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->origin, s.origin);
  EXPECT_EQ(parsed->time, s.time);
  EXPECT_FALSE(card::LoginStatement::parse(s.text() + "extra: 1\n"));
  std::string other = s.text();
  other.replace(other.find("origin: "), 8, "origin:  ");
  EXPECT_FALSE(card::LoginStatement::parse(other));
}

TEST(SealedBox, OpensOnlyWithItsPair) {
  BoxKeyPair mine, other;
  Bytes sealed = seal_to(mine.public_key(), as_bytes("12345678"));
  Bytes opened = mine.open(sealed);
  EXPECT_EQ(std::string(opened.begin(), opened.end()), "12345678");
  EXPECT_THROW(other.open(sealed), std::invalid_argument);
  BoxKeyPair again(mine.secret_key());
  EXPECT_EQ(again.public_key(), mine.public_key());
  sealed[20] ^= 1;
  EXPECT_THROW(mine.open(sealed), std::invalid_argument);
}

}  // namespace
}  // namespace tugra::agent
