// The printed application (seed 000, step 6/6): the application form and the
// holder undertaking (Taahhütname) side by side on a landscape A4 page,
// drawn with cairo and pango (DejaVu fonts embedded, so Turkish letters
// print and copy as they are). The security word appears only as its first
// and last characters.
#pragma once

#include <string>

#include "ra/applications.hpp"

namespace tugra::web {

struct ApplicationPrint {
  std::int64_t application_id = 0;
  ra::FormValues form;
  std::string security_word_hint;
  std::string officer;  // "Ali Nafiz ÇAMLI (TEST KURUM)"
  std::string date;     // "21.11.2026"
};

// The PDF document; labels come from the Turkish catalog (the form is the
// legal document and is always in Turkish).
std::string render_application_pdf(const ApplicationPrint& print);

}  // namespace tugra::web
