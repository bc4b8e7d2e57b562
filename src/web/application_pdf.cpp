#include "web/application_pdf.hpp"

#include "common/messages.hpp"
#include "web/pdf_page.hpp"

namespace tugra::web {
namespace {

constexpr double kPageWidth = 842, kPageHeight = 595, kMargin = 28, kGap = 24;
constexpr double kColumn = (kPageWidth - 2 * kMargin - kGap) / 2;

std::string tr(const char* key) { return message(Lang::tr, std::string("pdf.") + key); }

std::string value(const ra::FormValues& f, const char* key) {
  auto it = f.find(key);
  return it == f.end() ? "" : it->second;
}

std::string choice(const ra::FormValues& f, const char* key) {
  return message(Lang::tr, std::string("web.choice.") + key + "_" + value(f, key));
}

}  // namespace

std::string render_application_pdf(const ApplicationPrint& p) {
  PdfPage page(kPageWidth, kPageHeight, tr("title"));
  const auto& f = p.form;

  PdfPage::Column left(page, kMargin, kMargin, kColumn);
  left.text(tr("provider"), 8, true, 0);
  left.text(tr("title"), 11, true, 2);
  left.text(tr("application_no") + ": " + std::to_string(p.application_id) + "    " + tr("date") + ": " + p.date, 8);
  left.rule();
  left.heading(tr("section_application"));
  left.field(tr("reader"), choice(f, "reader_type"));
  left.field(tr("years"), value(f, "years") + " " + tr("year_unit"));
  left.field(tr("app_type"), choice(f, "app_type"));
  left.field(tr("publish"), choice(f, "publish"));
  left.field(tr("limit"), value(f, "limit").empty() ? tr("no_limit") : value(f, "limit") + " TRY");
  left.heading(tr("section_person"));
  for (const char* k : {"tckn", "given_name", "surname", "birth_place", "birth_date"}) left.field(tr(k), value(f, k));
  left.field(tr("security_word"), p.security_word_hint);
  left.text(tr("security_word_note"), 7);
  left.heading(tr("section_institution"));
  left.field(tr("institution"), value(f, "institution"));
  left.field(tr("sicil_no"), value(f, "sicil_no"));
  left.field(tr("unit"), value(f, "unit"));
  left.field(tr("title_field"), value(f, "title"));
  left.field(tr("address"), value(f, "address"));
  left.field(tr("il"), value(f, "il") + "    " + tr("ilce") + ": " + value(f, "ilce") + "    " + tr("postal_code") +
                           ": " + value(f, "postal_code"));
  left.heading(tr("section_contact"));
  left.field(tr("email"), value(f, "email"));
  left.field(tr("work_phone"), value(f, "work_phone") + (value(f, "work_ext").empty() ? "" : "  " + tr("ext") + ": " +
                                                                                            value(f, "work_ext")));
  left.field(tr("mobile"), value(f, "mobile") + "  (" + choice(f, "operator") + ")");
  left.field(tr("home_phone"), value(f, "home_phone"));
  left.field(tr("channel"), choice(f, "channel"));
  left.rule();
  left.text(tr("declaration"), 7.5);
  left.box(tr("signature"), 34);

  PdfPage::Column right(page, kMargin + kColumn + kGap, kMargin, kColumn);
  right.text(tr("provider"), 8, true, 0);
  right.text(tr("undertaking_title"), 11, true, 4);
  right.rule();
  for (int i = 1; i <= 8; ++i) right.text(message(Lang::tr, "pdf.undertaking_" + std::to_string(i)), 7.6, false, 3);
  right.rule();
  right.field(tr("holder"), value(f, "given_name") + " " + value(f, "surname") + " (" + value(f, "tckn") + ")");
  right.field(tr("date"), p.date);
  right.box(tr("signature"), 34);
  right.text(tr("hand_to") + ": " + p.officer, 8, true);
  return page.finish();
}

}  // namespace tugra::web
