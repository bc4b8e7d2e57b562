#include "web/application_pdf.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <stdexcept>

#include "common/messages.hpp"

namespace tugra::web {
namespace {

constexpr double kPageWidth = 842, kPageHeight = 595, kMargin = 28, kGap = 24;
constexpr double kColumn = (kPageWidth - 2 * kMargin - kGap) / 2;

std::string tr(const char* key) { return message(Lang::tr, std::string("pdf.") + key); }

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

// Draws text (never markup: the values are what people typed) in a column
// and moves the pen below it.
class Column {
 public:
  Column(cairo_t* cr, double x, double y) : cr_(cr), x_(x), y_(y) {}

  void text(const std::string& s, double size, bool bold = false, double space_after = 2) {
    PangoLayout* layout = pango_cairo_create_layout(cr_);
    PangoFontDescription* font = pango_font_description_from_string("DejaVu Sans");
    pango_font_description_set_absolute_size(font, size * PANGO_SCALE);
    if (bold) pango_font_description_set_weight(font, PANGO_WEIGHT_BOLD);
    pango_layout_set_font_description(layout, font);
    pango_layout_set_width(layout, static_cast<int>(kColumn * PANGO_SCALE));
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_text(layout, s.c_str(), -1);
    cairo_move_to(cr_, x_, y_);
    pango_cairo_show_layout(cr_, layout);
    int w = 0, h = 0;
    pango_layout_get_pixel_size(layout, &w, &h);
    y_ += h + space_after;
    pango_font_description_free(font);
    g_object_unref(layout);
  }
  void field(const char* label_key, const std::string& value) { text(tr(label_key) + ": " + value, 8.2); }
  void heading(const char* key) {
    y_ += 3;
    text(tr(key), 9.5, true, 2);
  }
  void rule() {
    cairo_set_line_width(cr_, 0.6);
    cairo_move_to(cr_, x_, y_ + 2);
    cairo_line_to(cr_, x_ + kColumn, y_ + 2);
    cairo_stroke(cr_);
    y_ += 6;
  }
  void box(const char* label_key, double height) {
    text(tr(label_key), 8.2, true, 1);
    cairo_set_line_width(cr_, 0.6);
    cairo_rectangle(cr_, x_, y_, kColumn, height);
    cairo_stroke(cr_);
    y_ += height + 6;
  }

 private:
  cairo_t* cr_;
  double x_, y_;
};

std::string value(const ra::FormValues& f, const char* key) {
  auto it = f.find(key);
  return it == f.end() ? "" : it->second;
}

std::string choice(const ra::FormValues& f, const char* key) {
  return message(Lang::tr, std::string("web.choice.") + key + "_" + value(f, key));
}

}  // namespace

std::string render_application_pdf(const ApplicationPrint& p) {
  std::string out;
  cairo_surface_t* surface = cairo_pdf_surface_create_for_stream(append, &out, kPageWidth, kPageHeight);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, tr("title").c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Tugra");
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 0, 0, 0);
  const auto& f = p.form;

  Column left(cr, kMargin, kMargin);
  left.text(tr("provider"), 8, true, 0);
  left.text(tr("title"), 11, true, 2);
  left.text(tr("application_no") + ": " + std::to_string(p.application_id) + "    " + tr("date") + ": " + p.date, 8);
  left.rule();
  left.heading("section_application");
  left.field("reader", choice(f, "reader_type"));
  left.field("years", value(f, "years") + " " + tr("year_unit"));
  left.field("app_type", choice(f, "app_type"));
  left.field("publish", choice(f, "publish"));
  left.field("limit", value(f, "limit").empty() ? tr("no_limit") : value(f, "limit") + " TRY");
  left.heading("section_person");
  left.field("tckn", value(f, "tckn"));
  left.field("given_name", value(f, "given_name"));
  left.field("surname", value(f, "surname"));
  left.field("birth_place", value(f, "birth_place"));
  left.field("birth_date", value(f, "birth_date"));
  left.field("security_word", p.security_word_hint);
  left.text(tr("security_word_note"), 7);
  left.heading("section_institution");
  left.field("institution", value(f, "institution"));
  left.field("sicil_no", value(f, "sicil_no"));
  left.field("unit", value(f, "unit"));
  left.field("title_field", value(f, "title"));
  left.field("address", value(f, "address"));
  left.field("il", value(f, "il") + "    " + tr("ilce") + ": " + value(f, "ilce") + "    " + tr("postal_code") +
                       ": " + value(f, "postal_code"));
  left.heading("section_contact");
  left.field("email", value(f, "email"));
  left.field("work_phone", value(f, "work_phone") + (value(f, "work_ext").empty() ? "" : "  " + tr("ext") + ": " +
                                                                                        value(f, "work_ext")));
  left.field("mobile", value(f, "mobile") + "  (" + choice(f, "operator") + ")");
  left.field("home_phone", value(f, "home_phone"));
  left.field("channel", choice(f, "channel"));
  left.rule();
  left.text(tr("declaration"), 7.5);
  left.box("signature", 34);

  Column right(cr, kMargin + kColumn + kGap, kMargin);
  right.text(tr("provider"), 8, true, 0);
  right.text(tr("undertaking_title"), 11, true, 4);
  right.rule();
  for (int i = 1; i <= 8; ++i) right.text(message(Lang::tr, "pdf.undertaking_" + std::to_string(i)), 7.6, false, 3);
  right.rule();
  right.field("holder", value(f, "given_name") + " " + value(f, "surname") + " (" + value(f, "tckn") + ")");
  right.field("date", p.date);
  right.box("signature", 34);
  right.text(tr("hand_to") + ": " + p.officer, 8, true);

  cairo_show_page(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  cairo_status_t status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) throw std::runtime_error("application PDF: cairo failed");
  return out;
}

}  // namespace tugra::web
