// "Parolalarımı Kaydet": the card's PIN (and PUK) as a PDF for the holder to
// print and keep, with the warnings of seeds 002/004.
#pragma once

#include <string>

namespace tugra::web {

struct PinPukSheet {
  std::string holder, card_serial, pin, puk, date;  // puk empty when the holder does not keep it
};

std::string render_pin_puk_pdf(const PinPukSheet& sheet);

}  // namespace tugra::web
