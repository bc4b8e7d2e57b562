#include "web/captcha.hpp"

#include <cairo.h>
#include <sodium.h>

#include <cmath>
#include <stdexcept>

namespace tugra::web {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHJKLMNPRSTUVWXYZ23456789";
constexpr int kWidth = 180, kHeight = 60;

double uniform(double lo, double hi) { return lo + (hi - lo) * (randombytes_uniform(1u << 20) / double(1u << 20)); }

cairo_status_t append_png(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

Captcha make_captcha(const std::string& fixed_answer) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  Captcha c;
  if (!fixed_answer.empty()) {
    for (char ch : fixed_answer) c.answer += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  } else {
    for (int i = 0; i < 5; ++i) c.answer += kAlphabet[randombytes_uniform(sizeof kAlphabet - 1)];
  }

  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, kWidth, kHeight);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 0.96, 0.96, 0.92);
  cairo_paint(cr);
  // Background noise: dots, in a few colours (one fill per colour).
  for (int batch = 0; batch < 10; ++batch) {
    cairo_set_source_rgb(cr, uniform(0.3, 0.8), uniform(0.3, 0.8), uniform(0.3, 0.8));
    for (int i = 0; i < 25; ++i) cairo_rectangle(cr, uniform(0, kWidth), uniform(0, kHeight), 1.5, 1.5);
    cairo_fill(cr);
  }
  // The font is looked up (fontconfig) once per process, not per image.
  static cairo_font_face_t* const font =
      cairo_toy_font_face_create("DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_face(cr, font);
  double x = 14;
  for (char ch : c.answer) {
    char text[2] = {ch, 0};
    cairo_save(cr);
    cairo_set_font_size(cr, uniform(28, 36));
    cairo_translate(cr, x + uniform(-3, 3), kHeight / 2.0 + 12 + uniform(-6, 6));
    cairo_rotate(cr, uniform(-0.45, 0.45));
    cairo_set_source_rgb(cr, uniform(0.0, 0.35), uniform(0.0, 0.35), uniform(0.1, 0.5));
    cairo_show_text(cr, text);
    cairo_restore(cr);
    x += 31;
  }
  // Distortion: curves across the letters.
  for (int i = 0; i < 4; ++i) {
    cairo_set_source_rgba(cr, uniform(0.1, 0.6), uniform(0.1, 0.6), uniform(0.1, 0.6), 0.8);
    cairo_set_line_width(cr, uniform(1.0, 2.2));
    cairo_move_to(cr, 0, uniform(0, kHeight));
    cairo_curve_to(cr, uniform(0, kWidth), uniform(0, kHeight), uniform(0, kWidth), uniform(0, kHeight), kWidth,
                   uniform(0, kHeight));
    cairo_stroke(cr);
  }
  cairo_surface_flush(surface);
  cairo_status_t status = cairo_surface_write_to_png_stream(surface, append_png, &c.png);
  cairo_destroy(cr);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) throw std::runtime_error("captcha: PNG encoding failed");
  return c;
}

bool captcha_matches(const std::string& answer, const std::string& typed) {
  std::string t;
  for (char ch : typed)
    if (ch != ' ') t += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return !answer.empty() && t == answer;
}

}  // namespace tugra::web
