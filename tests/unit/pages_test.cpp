// The portal's pages as data: the Markdown renderer's safe mode and sections,
// the built-in pages, and the İl / İlçe lists with check_contact_fields.
#include <gtest/gtest.h>

#include <set>

#include "ra/contact.hpp"
#include "ra/pages.hpp"
#include "ra/provinces.hpp"
#include "web/markdown.hpp"

using namespace tugra;

TEST(Markdown, RendersCommonMarkAndDropsHtmlAndScriptLinks) {
  std::string html = web::render_markdown(
      "Bir **kalın** ve [bağlantı](/surucu).\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) "
      "[y](JaVaScRiPt:alert(1)) [z](data:text/html;base64,PHNjcmlwdD4=) <b onclick=\"x\">b</b>\n");
  EXPECT_NE(html.find("<strong>kalın</strong>"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"/surucu\">bağlantı</a>"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("onclick"), std::string::npos);
  EXPECT_EQ(html.find("avascript:"), std::string::npos);
  EXPECT_EQ(html.find("avaScRiPt:"), std::string::npos);
  EXPECT_EQ(html.find("data:text/html"), std::string::npos);
  EXPECT_NE(html.find("raw HTML omitted"), std::string::npos);
}

TEST(Markdown, LevelTwoHeadingsOpenSectionsTheFirstOpen) {
  std::string html = web::render_markdown("Giriş.\n\n## Bir *A* & `B`\n\nmetin 1\n\n## İki\n\n- madde\n\n### Alt\n");
  EXPECT_EQ(html,
            "<p>Giriş.</p>\n"
            "<details class=\"section\" name=\"section\" open><summary>Bir A &amp; B</summary><div>\n"
            "<p>metin 1</p>\n"
            "</div></details>\n"
            "<details class=\"section\" name=\"section\"><summary>İki</summary><div>\n"
            "<ul>\n<li>madde</li>\n</ul>\n<h3>Alt</h3>\n"
            "</div></details>\n");
  EXPECT_EQ(web::render_markdown("Yalnız metin.\n"), "<p>Yalnız metin.</p>\n");
  EXPECT_EQ(web::render_markdown(""), "");
  // Not UTF-8: replaced, never passed through.
  EXPECT_EQ(web::render_markdown("a\xff" "b").find('\xff'), std::string::npos);
}

TEST(Pages, EveryBuiltInPageInBothLanguagesWithATitle) {
  std::map<std::string, std::set<std::string>> langs;
  for (const auto& p : ra::built_in_pages()) {
    EXPECT_FALSE(p.record.title.empty()) << p.record.slug;
    EXPECT_FALSE(p.record.body.empty()) << p.record.slug;
    langs[p.record.slug].insert(p.record.lang);
  }
  for (const char* slug : {"sertifikami-aldim-ne-yapmaliyim", "online-islemler", "sss", "formlar", "belgeler",
                           "yasal-uyari", "iletisim", "basvuru-formu-erisim-parolasi"})
    EXPECT_EQ(langs[slug], (std::set<std::string>{"en", "tr"})) << slug;
  EXPECT_EQ(langs.size(), 8u);
}

TEST(Provinces, EightyOneInTurkishOrderWithTheirDistricts) {
  const auto& all = ra::provinces();
  ASSERT_EQ(all.size(), 81u);
  std::size_t districts = 0;
  std::set<std::string> plates;
  for (const auto& p : all) {
    districts += p.districts.size();
    plates.insert(p.plate);
  }
  EXPECT_EQ(districts, 972u);
  EXPECT_EQ(plates.size(), 81u);
  EXPECT_EQ(all.front().name, "Adana");
  EXPECT_EQ(all.back().name, "Zonguldak");
  auto* istanbul = ra::find_province("İSTANBUL");
  ASSERT_NE(istanbul, nullptr);
  EXPECT_EQ(istanbul->plate, "34");
  EXPECT_EQ(istanbul->districts.size(), 39u);
  EXPECT_EQ(ra::find_district(*istanbul, "eyüpsultan"), "Eyüpsultan");
  EXPECT_EQ(ra::find_district(*istanbul, "Merkez"), std::nullopt);  // a metropolitan province
  auto* sinop = ra::find_province("sinop");
  ASSERT_NE(sinop, nullptr);
  EXPECT_EQ(ra::find_district(*sinop, "MERKEZ"), "Merkez");
  EXPECT_EQ(ra::find_province("ığdır"), ra::find_province("IĞDIR"));  // Turkish dotless i both ways
  EXPECT_NE(ra::find_province("Iğdır"), nullptr);
  EXPECT_EQ(ra::find_province("Atlantis"), nullptr);
}

TEST(Provinces, ContactFieldsTakeTheListsSpelling) {
  ra::FormValues in{{"address", "Adres 1"}, {"il", "kocaelİ"}, {"ilce", "GEBZE"}, {"postal_code", "41400"},
                    {"email", "a@b.tr"}, {"mobile", "0532 123 45 67"}, {"channel", "sms"}};
  ra::FormValues out;
  EXPECT_TRUE(ra::check_contact_fields(in, out).empty());
  EXPECT_EQ(out["il"], "Kocaeli");
  EXPECT_EQ(out["ilce"], "Gebze");
  in["ilce"] = "Çankaya";
  EXPECT_EQ(ra::check_contact_fields(in, out).at("ilce"), "apply.error.ilce");
  in["il"] = "Yok";
  auto errors = ra::check_contact_fields(in, out);
  EXPECT_EQ(errors.at("il"), "apply.error.il");
  EXPECT_EQ(errors.count("ilce"), 0u);  // no province: nothing to check the district against
  in["il"] = "";
  EXPECT_EQ(ra::check_contact_fields(in, out).at("il"), "apply.error.required");
}
