#include "web/pin_puk_pdf.hpp"

#include "common/messages.hpp"
#include "web/pdf_page.hpp"

namespace tugra::web {

std::string render_pin_puk_pdf(const PinPukSheet& s) {
  auto tr = [](const char* key) { return message(Lang::tr, std::string("pinpuk.") + key); };
  PdfPage page(595, 842, tr("title"));
  PdfPage::Column c(page, 48, 48, 499);
  c.text(message(Lang::tr, "pdf.provider"), 9, true, 0);
  c.text(tr("title"), 14, true, 8);
  c.rule();
  c.field(tr("holder"), s.holder);
  c.field(tr("card_serial"), s.card_serial);
  c.text(tr("pin") + ": " + s.pin, 16, true, 4);
  if (!s.puk.empty()) c.text(tr("puk") + ": " + s.puk, 16, true, 4);
  c.field(tr("date"), s.date);
  c.rule();
  for (const char* k : {"warning_1", "warning_2", "warning_3", "warning_4"}) c.text(tr(k), 9, false, 6);
  return page.finish();
}

}  // namespace tugra::web
