#include "common/messages.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "common/error.hpp"

using namespace tugra;

namespace {
// Keys of a catalog file, read as text ("[section]" + "key = ").
std::set<std::string> keys_of(const std::string& file) {
  std::ifstream in(std::string(TUGRA_SOURCE_DIR) + "/messages/" + file);
  std::set<std::string> keys;
  std::string line, section;
  std::regex header(R"(^\[([a-z_.]+)\]$)"), entry(R"(^([a-z_]+) = )");
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, header)) section = m[1];
    else if (std::regex_search(line, m, entry)) keys.insert(section + "." + std::string(m[1]));
  }
  return keys;
}
}  // namespace

TEST(Messages, CatalogsHaveTheSameKeys) {
  auto tr = keys_of("tr.toml"), en = keys_of("en.toml");
  ASSERT_GT(tr.size(), 50u);
  EXPECT_EQ(tr, en);
  for (const auto& k : tr) {
    EXPECT_TRUE(has_message(Lang::tr, k)) << k;
    EXPECT_TRUE(has_message(Lang::en, k)) << k;
  }
}

TEST(Messages, FillsPlaceholders) {
  EXPECT_EQ(message(Lang::en, "ca.invalid_tckn", {{"tckn", "123"}}), "Invalid TCKN (national identity number): 123");
  EXPECT_EQ(message(Lang::tr, "ca.invalid_tckn", {{"tckn", "123"}}), "Geçersiz T.C. Kimlik No: 123");
}

TEST(Messages, UnknownKeyIsShownAsItself) {
  EXPECT_EQ(message(Lang::en, "no.such.key"), "no.such.key");
}

TEST(Messages, UserErrorKeepsKey) {
  set_process_lang(Lang::en);
  UserError e("ca.not_found", {{"serial", "AB"}});
  EXPECT_EQ(e.key(), "ca.not_found");
  EXPECT_STREQ(e.what(), "No such certificate: AB");
}

TEST(Messages, LanguageCodes) {
  EXPECT_EQ(parse_lang("en_US.UTF-8", Lang::tr), Lang::en);
  EXPECT_EQ(parse_lang("tr_TR.UTF-8", Lang::en), Lang::tr);
  EXPECT_EQ(parse_lang("C", Lang::tr), Lang::tr);
}
