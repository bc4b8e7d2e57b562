#include "web/pdf_page.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <stdexcept>

namespace tugra::web {
namespace {

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

PdfPage::PdfPage(double width, double height, const std::string& title) : height_(height) {
  surface_ = cairo_pdf_surface_create_for_stream(append, &out_, width, height);
  cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_TITLE, title.c_str());
  cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_CREATOR, "Tugra");
  cr_ = cairo_create(surface_);
  cairo_set_source_rgb(cr_, 0, 0, 0);
}

PdfPage::~PdfPage() {
  if (cr_) cairo_destroy(cr_);
  if (surface_) cairo_surface_destroy(surface_);
}

void PdfPage::Column::text(const std::string& s, double size, bool bold, double space_after) {
  PangoLayout* layout = pango_cairo_create_layout(page_.cr_);
  PangoFontDescription* font = pango_font_description_from_string("DejaVu Sans");
  pango_font_description_set_absolute_size(font, size * PANGO_SCALE);
  if (bold) pango_font_description_set_weight(font, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description(layout, font);
  pango_layout_set_width(layout, static_cast<int>(width_ * PANGO_SCALE));
  pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text(layout, s.c_str(), -1);
  int w = 0, h = 0;
  pango_layout_get_pixel_size(layout, &w, &h);
  make_room(h);
  cairo_move_to(page_.cr_, x_, y_);
  pango_cairo_show_layout(page_.cr_, layout);
  y_ += h + space_after;
  pango_font_description_free(font);
  g_object_unref(layout);
}

void PdfPage::Column::make_room(double height) {
  if (y_ + height <= page_.height_ - top_ || y_ <= top_) return;
  cairo_show_page(page_.cr_);
  y_ = top_;
}

void PdfPage::Column::rule() {
  cairo_set_line_width(page_.cr_, 0.6);
  cairo_move_to(page_.cr_, x_, y_ + 2);
  cairo_line_to(page_.cr_, x_ + width_, y_ + 2);
  cairo_stroke(page_.cr_);
  y_ += 6;
}

void PdfPage::Column::box(const std::string& label, double height) {
  text(label, 8.2, true, 1);
  cairo_set_line_width(page_.cr_, 0.6);
  cairo_rectangle(page_.cr_, x_, y_, width_, height);
  cairo_stroke(page_.cr_);
  y_ += height + 6;
}

std::string PdfPage::finish() {
  cairo_show_page(cr_);
  cairo_destroy(cr_);
  cr_ = nullptr;
  cairo_surface_finish(surface_);
  cairo_status_t status = cairo_surface_status(surface_);
  cairo_surface_destroy(surface_);
  surface_ = nullptr;
  if (status != CAIRO_STATUS_SUCCESS) throw std::runtime_error("PDF: cairo failed");
  return std::move(out_);
}

}  // namespace tugra::web
