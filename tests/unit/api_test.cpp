// The REST API's pieces that need no server: webhook signatures (checked
// against Python's hmac), base64url, key scopes and the audit actor.
#include <gtest/gtest.h>

#include <stdexcept>

#include "common/bytes.hpp"
#include "ra/api_keys.hpp"
#include "ra/webhooks.hpp"

using namespace tugra;

TEST(Webhook, SignatureIsHmacSha256OfTimestampDotBody) {
  // python3 -c "import hmac,hashlib; print(hmac.new(b'whsec_test', b'1700000000.{\"a\":1}', hashlib.sha256).hexdigest())"
  EXPECT_EQ(ra::webhook_signature("whsec_test", 1700000000, R"({"a":1})"),
            "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789");
  EXPECT_NE(ra::webhook_signature("whsec_test", 1700000001, R"({"a":1})"),
            ra::webhook_signature("whsec_test", 1700000000, R"({"a":1})"));
}

TEST(Base64Url, RoundTripsAndRefusesTheOtherAlphabet) {
  Bytes data = {0xfb, 0xff, 0xfe, 0x00, 0x41};
  std::string text = base64url_encode(data);
  EXPECT_EQ(text, "-__-AEE");
  EXPECT_EQ(base64url_decode(text), data);
  EXPECT_THROW(base64url_decode("+//+AEE"), std::invalid_argument);
  EXPECT_THROW(base64url_decode("-__-AEE="), std::invalid_argument);
}

TEST(ApiKeys, ScopesOfEachKindAndTheActor) {
  EXPECT_EQ(ra::api_scopes("institution"), (std::vector<std::string>{"staff", "applications", "webhook"}));
  EXPECT_EQ(ra::api_scopes("operator"), (std::vector<std::string>{"production", "shipments", "holders"}));
  EXPECT_TRUE(ra::api_scopes("root").empty());
  store::ApiKeyRecord key;
  key.id = 7;
  key.institution_id = 3;
  key.scopes = "staff,webhook";
  EXPECT_TRUE(ra::has_scope(key, "staff"));
  EXPECT_TRUE(ra::has_scope(key, "webhook"));
  EXPECT_FALSE(ra::has_scope(key, "applications"));
  EXPECT_FALSE(ra::has_scope(key, "staf"));
  EXPECT_EQ(ra::api_actor(key), "api-key:7");
  auto officer = ra::api_officer(key);
  EXPECT_EQ(officer.institution_id, 3);
  EXPECT_TRUE(officer.tckn.empty());  // never anyone's own application
}
