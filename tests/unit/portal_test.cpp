// The portal's small parts, each checked against known answers: forms and
// CSV as they arrive, Turkish names, TOTP (RFC 6238 vectors), security word
// rules, masking, the e-mail wire format, CSRF tokens and captchas.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "common/csv.hpp"
#include "common/error.hpp"
#include "common/tckn.hpp"
#include "common/text.hpp"
#include "common/url.hpp"
#include "notify/adapters.hpp"
#include "ra/applications.hpp"
#include "ra/contact.hpp"
#include "ra/institutions.hpp"
#include "ra/password_hash.hpp"
#include "ra/totp.hpp"
#include "web/captcha.hpp"
#include "web/session.hpp"
#include "web/trusted_proxies.hpp"

using namespace tugra;

TEST(Form, DecodesPlusPercentAndKeepsOrder) {
  auto f = parse_form("a=1&given_name=%C3%87a%C4%9Fr%C4%B1+I%C5%9F%C4%B1l&empty=&flag&&b=x%2By");
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(f[1].second, "Çağrı Işıl");
  EXPECT_EQ(f[2], (std::pair<std::string, std::string>{"empty", ""}));
  EXPECT_EQ(f[3].first, "flag");
  EXPECT_EQ(f[4].second, "x+y");
}

TEST(Form, RefusesBadEscapesBinaryAndOversizedInput) {
  EXPECT_THROW(parse_form("a=%zz"), std::invalid_argument);
  EXPECT_THROW(parse_form("a=%C3"), std::invalid_argument);      // a lone UTF-8 lead byte
  EXPECT_THROW(parse_form("a=%00"), std::invalid_argument);      // a control character
  EXPECT_THROW(parse_form("=value"), std::invalid_argument);     // no name
  EXPECT_THROW(parse_form("a=" + std::string(5000, 'x')), std::invalid_argument);
  std::string many;
  for (int i = 0; i < 65; ++i) many += "f" + std::to_string(i) + "=1&";
  EXPECT_THROW(parse_form(many), std::invalid_argument);
  EXPECT_EQ(parse_form("r=line1%0D%0Aline2")[0].second, "line1\r\nline2");  // a textarea's line ends
}

TEST(Csv, QuotesSeparatorsAndLineNumbers) {
  auto rows = parse_csv("\xEF\xBB\xBFtckn;ad\r\n1;\"Kaya \"\"Jr\"\"\"\r\n\r\n2;\"a\nb\"\n3;x");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].fields[0], "tckn");
  EXPECT_EQ(rows[1].fields[1], "Kaya \"Jr\"");
  EXPECT_EQ(rows[2].line, 4);
  EXPECT_EQ(rows[2].fields[1], "a\nb");
  EXPECT_EQ(rows[3].line, 6);
  EXPECT_EQ(parse_csv("a,b;c\n")[0].fields.size(), 2u);  // ',' seen first: ';' is data
}

TEST(Csv, BrokenInputNamesTheLine) {
  try {
    parse_csv("a,b\nc,\"unterminated\n");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_EQ(e.key(), "csv.unterminated_quote");
  }
  EXPECT_THROW(parse_csv("a,b\"c\n"), UserError);
  EXPECT_THROW(parse_csv("\"a\"b,c\n"), UserError);
  EXPECT_THROW(parse_csv(std::string(2000, 'x')), UserError);
}

TEST(Turkish, UpperCaseAndNames) {
  EXPECT_EQ(turkish_upper("çağrı ışıl istanbul"), "ÇAĞRI IŞIL İSTANBUL");
  EXPECT_EQ(turkish_upper("Öztürk-Şükrü ünal"), "ÖZTÜRK-ŞÜKRÜ ÜNAL");
  EXPECT_EQ(normalise_name("  ali   nafiz\tçamlı "), "ALİ NAFİZ ÇAMLI");
  EXPECT_EQ(utf8_length("Işıl"), 4);
  EXPECT_EQ(utf8_length("a\x01"), -1);
  EXPECT_EQ(utf8_length("\xC3"), -1);
}

TEST(Text, FormatAndDirectionControlsAreRefused) {
  // U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT ISOLATE, U+200B ZERO
  // WIDTH SPACE, U+FEFF, U+00AD SOFT HYPHEN, U+0085 (C1), U+E0041 (a tag).
  for (const char* bad : {"abc\u202Efdp.exe", "\u2066x\u2069", "a\u200Bb", "\uFEFFad", "ka\u00ADlem", "a\u0085",
                          "x\U000E0041"}) {
    EXPECT_EQ(utf8_length(bad), -1) << bad;
    EXPECT_TRUE(has_format_control(bad)) << bad;
  }
  for (const char* good : {"Çağrı Işıl", "Gebze Yerleşkesi, Blok A", "ünal-öz", "日本"}) {
    EXPECT_GT(utf8_length(good), 0) << good;
    EXPECT_FALSE(has_format_control(good)) << good;
  }
}

TEST(Tckn, CheckDigitsFromPrefix) {
  EXPECT_EQ(tckn_from_prefix("100000001"), "10000000146");
  EXPECT_TRUE(is_valid_tckn(tckn_from_prefix("999000002")));
  EXPECT_EQ(tckn_from_prefix("012345678"), "");
  EXPECT_EQ(tckn_from_prefix("12345"), "");
}

TEST(Totp, Rfc6238Vectors) {
  // RFC 6238 appendix B, SHA-1, key "12345678901234567890": the last 6 of the 8 digits.
  std::string text = "12345678901234567890";
  Bytes key(text.begin(), text.end());
  EXPECT_EQ(ra::totp_code(key, 59), "287082");
  EXPECT_EQ(ra::totp_code(key, 1111111109), "081804");
  EXPECT_EQ(ra::totp_code(key, 2000000000), "279037");
  EXPECT_GE(ra::totp_verify(key, "287082", 59 + 30), 0);   // one step of drift
  EXPECT_EQ(ra::totp_verify(key, "287082", 59 + 90), -1);  // three steps: refused
  EXPECT_EQ(ra::totp_verify(key, "28708", 59), -1);
  EXPECT_EQ(ra::base32_encode(ra::base32_decode("JBSWY3DPEHPK3PXP")), "JBSWY3DPEHPK3PXP");
  EXPECT_EQ(to_string(ra::base32_decode("JBSWY3DP")), "Hello");
  EXPECT_THROW(ra::base32_decode("JBSW1"), std::invalid_argument);
}

TEST(SecurityWord, RulesAndHint) {
  store::Person p{"99900000210", "ÇAĞRI IŞIL", "ÖZTÜRK", "İZMİR", "1988-09-30"};
  EXPECT_EQ(ra::security_word_problem("Gizli2026Söz", p), "");
  EXPECT_EQ(ra::security_word_problem("kısa1", p), "apply.error.word_length");
  EXPECT_EQ(ra::security_word_problem("sadeceharf", p), "apply.error.word_mix");
  EXPECT_EQ(ra::security_word_problem("12345678901", p), "apply.error.word_mix");
  EXPECT_EQ(ra::security_word_problem("öztürk2026", p), "apply.error.word_personal");
  EXPECT_EQ(ra::security_word_problem("x99900000210", p), "apply.error.word_personal");
  EXPECT_EQ(ra::security_word_hint("Gizli2026Söz"), "G…z");
  EXPECT_EQ(ra::security_word_hint("Çok2026Güzelş"), "Ç…ş");
}

TEST(Contact, PhonesAndMasks) {
  EXPECT_EQ(ra::normalise_mobile("0532 123 45 67"), "+905321234567");
  EXPECT_EQ(ra::normalise_mobile("+90 (532) 123-4567"), "+905321234567");
  EXPECT_THROW(ra::normalise_mobile("0212 555 11 11"), UserError);
  EXPECT_EQ(ra::normalise_phone("0212 555 11 11"), "+902125551111");
  EXPECT_EQ(ra::mask_phone("+905461234567"), "54* *** ** **");
  EXPECT_EQ(ra::mask_email("cagri@example.org"), "c***@example.org");
  EXPECT_EQ(ra::mask_email("çağrı@example.org"), "ç***@example.org");  // the first letter whole, not half of it
  EXPECT_THROW(ra::check_email(std::string("ali@example.or\x91")), UserError);  // not UTF-8
  EXPECT_EQ(ra::parse_birth_date("30.09.1988"), "1988-09-30");
  EXPECT_EQ(ra::parse_birth_date("1988-09-30"), "1988-09-30");
  EXPECT_EQ(ra::parse_birth_date("29.02.1989"), "");
  EXPECT_EQ(ra::parse_birth_date("30.09.1988x"), "");
}

TEST(Mail, WireFormatEncodesTurkishSubjectAndBody) {
  std::string mail = notify::build_mail("Tugra <noreply@tugra.test>", "kisi@example.org", "Başvurunuz",
                                        "Sayın Çağrı", 0);
  EXPECT_NE(mail.find("To: <kisi@example.org>\r\n"), std::string::npos);
  EXPECT_NE(mail.find("Subject: =?UTF-8?B?" + base64_encode(as_bytes("Başvurunuz")) + "?="), std::string::npos);
  EXPECT_NE(mail.find("Content-Transfer-Encoding: base64\r\n\r\n" + base64_encode(as_bytes("Sayın Çağrı"))),
            std::string::npos);
  EXPECT_EQ(mail.find("\n\n"), std::string::npos);  // CRLF only
}

TEST(Session, CsrfTokensAreBoundToTheSession) {
  web::SessionStore store(60, 3600);
  std::string a = web::SessionStore::new_id(), b = web::SessionStore::new_id();
  EXPECT_EQ(a.size(), 43u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(store.csrf_ok(a, store.csrf_token(a)));
  EXPECT_FALSE(store.csrf_ok(b, store.csrf_token(a)));
  EXPECT_FALSE(store.csrf_ok(a, ""));
  EXPECT_EQ(store.find(a), nullptr);  // viewing a page stores nothing
  auto s = store.ensure(a);
  EXPECT_EQ(store.find(a), s);
  store.destroy(a);
  EXPECT_EQ(store.find(a), nullptr);
  web::SessionStore other(60, 3600);
  EXPECT_FALSE(other.csrf_ok(b, store.csrf_token(b)));  // another process's key
}

TEST(Session, EndsAfterTheIdleTime) {
  web::SessionStore store(1, 3600);
  std::string id = web::SessionStore::new_id();
  store.ensure(id)->holder_tckn = "99900000210";
  ASSERT_NE(store.find(id), nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // past the idle time, not a timing assertion
  EXPECT_EQ(store.find(id), nullptr);
  EXPECT_EQ(store.ensure(id)->holder_tckn, "");  // a fresh session under the old id holds nothing
}

TEST(Session, EndsAfterItsAbsoluteLifetimeHoweverActive) {
  web::SessionStore store(60, 2);
  std::string id = web::SessionStore::new_id();
  store.ensure(id)->holder_tckn = "99900000210";
  for (int i = 0; i < 5; ++i) {  // seen every 0.5 s: never idle
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    (void)store.find(id);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // now past 2 s from its start
  EXPECT_EQ(store.find(id), nullptr);
}

TEST(Session, AFullStoreDropsCaptchaOnlySessionsFirst) {
  web::SessionStore store(600, 3600, 4);
  std::string applicant = web::SessionStore::new_id();
  store.ensure(applicant)->application_id = 7;  // the oldest, but someone under way
  std::vector<std::string> flood;
  for (int i = 0; i < 10; ++i) {
    flood.push_back(web::SessionStore::new_id());
    store.ensure(flood.back())->captcha_answer = "abcde";
  }
  ASSERT_NE(store.find(applicant), nullptr);
  EXPECT_EQ(store.find(applicant)->application_id, 7);
  EXPECT_LE(store.size(), 4u);
}

TEST(PasswordHash, VerifiesAndRefusesWhenTooManyWait) {
  ra::set_hash_cost({1, 8192, 1, 8});
  std::string hash = ra::hash_secret("Gizli2026Söz");
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(ra::verify_secret(hash, "Gizli2026Söz"));
  EXPECT_FALSE(ra::verify_secret(hash, "Gizli2026Soz"));
  EXPECT_FALSE(ra::verify_secret("not a hash", "x"));
  EXPECT_TRUE(ra::verify_log_in(&hash, "Gizli2026Söz"));
  EXPECT_FALSE(ra::verify_log_in(&hash, "wrong"));
  EXPECT_FALSE(ra::verify_log_in(nullptr, "Gizli2026Söz"));  // no account: a hash is spent, the answer is no
  // One slow hash running, nobody may wait: a log-in is refused at once
  // rather than holding its thread (a new security word would wait).
  ra::set_hash_cost({24, 65536, 1, 0});
  std::thread slow([] { (void)ra::hash_secret("slow"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // let it start; it runs for about a second
  EXPECT_THROW((void)ra::verify_secret(hash, "next"), ra::Busy);
  slow.join();
  ra::set_hash_cost({1, 8192, 1, 8});
}

TEST(Captcha, PngAndCaseInsensitiveAnswer) {
  auto c = web::make_captcha();
  EXPECT_EQ(c.answer.size(), 5u);
  EXPECT_EQ(c.png.substr(1, 3), "PNG");
  EXPECT_NE(web::make_captcha().answer + web::make_captcha().answer, c.answer + c.answer);
  EXPECT_TRUE(web::captcha_matches("AB3DE", " ab3de "));
  EXPECT_FALSE(web::captcha_matches("AB3DE", "AB3D"));
  EXPECT_FALSE(web::captcha_matches("", ""));
  EXPECT_EQ(web::make_captcha("abcde").answer, "ABCDE");
}

TEST(TrustedProxies, ForwardedForIsBelievedOnlyFromATrustedPeer) {
  tugra::web::TrustedProxies proxies("127.0.0.1 10.0.0.0/8 2001:db8::/32");
  // An untrusted peer's header is ignored, whatever it says.
  EXPECT_EQ(proxies.client("203.0.113.7", "198.51.100.1"), "203.0.113.7");
  // Behind a trusted proxy: the address the proxy appended.
  EXPECT_EQ(proxies.client("127.0.0.1", "198.51.100.1"), "198.51.100.1");
  // A client that sends its own header cannot choose its address: the
  // right-most untrusted hop counts, not the left-most.
  EXPECT_EQ(proxies.client("127.0.0.1", "1.2.3.4, 198.51.100.1"), "198.51.100.1");
  // Several trusted hops are walked through; CIDR blocks of both families.
  EXPECT_EQ(proxies.client("10.1.2.3", "198.51.100.1, 10.9.9.9"), "198.51.100.1");
  EXPECT_EQ(proxies.client("2001:db8::5", "2001:0DB9::0001"), "2001:db9::1");
  EXPECT_TRUE(proxies.trusts("10.255.0.1"));
  EXPECT_FALSE(proxies.trusts("11.0.0.1"));
  EXPECT_FALSE(proxies.trusts("2001:db9::1"));
  // Garbage in the header: the last hop that could be read.
  EXPECT_EQ(proxies.client("127.0.0.1", "<script>, 198.51.100.1"), "198.51.100.1");
  EXPECT_EQ(proxies.client("127.0.0.1", "not-an-address"), "127.0.0.1");
  // No proxies configured: never believed.
  EXPECT_EQ(tugra::web::TrustedProxies("").client("127.0.0.1", "198.51.100.1"), "127.0.0.1");
}

TEST(TrustedProxies, RefusesMalformedEntries) {
  for (const char* bad : {"10.0.0.0/33", "example.org", "10.0.0.1/x", "::1/129", "10.0.0.0/8/1"}) {
    try {
      tugra::web::TrustedProxies proxies(bad);
      ADD_FAILURE() << bad;
    } catch (const tugra::UserError& e) {
      EXPECT_EQ(e.key(), "serve.bad_trusted_proxy") << bad;
    }
  }
}
