// A PDF drawn with cairo and pango (DejaVu fonts, embedded as subsets, so
// Turkish letters print and copy as they are), written in columns top to
// bottom; a column that reaches the bottom margin goes on at the top of a
// new page. Values are set as plain text, never pango markup: they are what
// people typed.
#pragma once

#include <memory>
#include <string>

typedef struct _cairo cairo_t;
typedef struct _cairo_surface cairo_surface_t;

namespace tugra::web {

class PdfPage {
 public:
  PdfPage(double width, double height, const std::string& title);
  ~PdfPage();
  PdfPage(const PdfPage&) = delete;
  PdfPage& operator=(const PdfPage&) = delete;

  // A column of `width` points starting at (x, y).
  class Column {
   public:
    Column(PdfPage& page, double x, double y, double width) : page_(page), x_(x), y_(y), top_(y), width_(width) {}
    void text(const std::string& s, double size, bool bold = false, double space_after = 2);
    void heading(const std::string& s) {
      y_ += 3;
      text(s, 9.5, true, 2);
    }
    void field(const std::string& label, const std::string& value) { text(label + ": " + value, 8.2); }
    void rule();
    void box(const std::string& label, double height);

   private:
    // A new page when `height` more would pass the bottom margin.
    void make_room(double height);
    PdfPage& page_;
    double x_, y_, top_, width_;
  };

  // Finishes the page and returns the PDF document.
  std::string finish();

 private:
  friend class Column;
  std::string out_;
  double height_;
  cairo_surface_t* surface_;
  cairo_t* cr_;
};

}  // namespace tugra::web
