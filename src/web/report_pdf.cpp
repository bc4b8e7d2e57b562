#include "web/report_pdf.hpp"

#include "sign/report.hpp"
#include "web/pdf_page.hpp"

namespace tugra::web {

std::string validation_report_pdf(const sign::ValidationReport& report, Lang lang) {
  PdfPage page(595, 842, message(lang, "verify.report_title"));
  PdfPage::Column c(page, 48, 48, 499);
  c.text(message(lang, "pdf.provider"), 9, true, 0);
  c.text(message(lang, "verify.report_title"), 14, true, 8);
  c.rule();
  for (const auto& row : sign::document_rows(report, lang)) c.field(row.label, row.value);
  for (const auto& s : report.signatures) {
    c.rule();
    c.text(s.id + ": " + sign::verdict_text(s.indication, lang), 11, true, 4);
    for (const auto& row : sign::signature_rows(s, lang)) c.field(row.label, row.value);
    c.heading(message(lang, "verify.check"));
    for (const auto& check : s.checks) c.text((check.passed ? "✔ " : "✘ ") + check.name + " — " + check.detail, 8);
  }
  return page.finish();
}

}  // namespace tugra::web
