// libFuzzer target: what Bilgi Güncelle and the officer log-in take from a
// visitor — the contact fields (a new mobile or e-mail, later masked on the
// confirmation page and in notices) and a second-factor code against a key.
// Checks: valid fields come out normalised and their masks never show more
// than the first characters; a code is accepted only for a step within one
// of now, and then it is that step's code.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/text.hpp"
#include "ra/contact.hpp"
#include "ra/totp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto part = [&](std::size_t i) {  // fields separated by '|'
    std::size_t start = 0;
    for (std::size_t k = 0; k < i && start != std::string::npos; ++k) {
      start = text.find('|', start);
      if (start != std::string::npos) ++start;
    }
    if (start == std::string::npos) return std::string();
    return text.substr(start, text.find('|', start) - start);
  };

  tugra::ra::FormValues input{{"address", part(0)}, {"il", part(1)},    {"ilce", part(2)},
                              {"postal_code", part(3)}, {"email", part(4)}, {"mobile", part(5)},
                              {"work_phone", ""},   {"work_ext", ""},   {"home_phone", ""},
                              {"channel", "both"}};
  tugra::ra::FormValues out;
  auto errors = tugra::ra::check_contact_fields(input, out);
  if (!errors.count("mobile")) {
    const std::string& mobile = out["mobile"];
    if (mobile.size() != 13 || mobile.rfind("+905", 0) != 0) std::abort();
    std::string masked = tugra::ra::mask_phone(mobile);
    if (masked.find(mobile.substr(5)) != std::string::npos) std::abort();  // never the last digits
  }
  if (!errors.count("email") && !out["email"].empty()) {
    const std::string& email = out["email"];
    std::string masked = tugra::ra::mask_email(email);
    if (tugra::text_problem(masked) != tugra::TextProblem::none) std::abort();  // shown on a page: whole characters
    auto at = email.find('@'), masked_at = masked.find('@');
    if (at == std::string::npos || masked_at == std::string::npos) std::abort();
    if (masked.substr(masked_at) != email.substr(at)) std::abort();
    std::string shown = masked.substr(0, masked_at);
    if (shown.size() < 3 || shown.substr(shown.size() - 3) != "***") std::abort();
    if (email.substr(0, at).size() > 4 && shown.size() - 3 >= at) std::abort();  // the local part hidden
  }

  try {
    auto key = tugra::ra::base32_decode(part(6));
    if (key.empty()) return 0;
    const std::int64_t now = 1800000000;
    std::string code = part(7);
    std::int64_t step = tugra::ra::totp_verify(key, code, now);
    if (step >= 0) {
      if (step < now / 30 - 1 || step > now / 30 + 1) std::abort();
      if (tugra::ra::totp_code(key, step * 30) != code) std::abort();
    }
  } catch (const std::invalid_argument&) {
    // not base32: the key was never one
  }
  return 0;
}
