// "Resimdeki Yazı": a 5-character captcha drawn with cairo as a PNG, with
// rotated and shifted letters, crossing lines and dots. The alphabet leaves
// out characters people confuse (0/O, 1/I/l).
#pragma once

#include <string>

namespace tugra::web {

struct Captcha {
  std::string answer;  // upper case
  std::string png;
};

// A random captcha, or one with `fixed_answer` (demo mode tests).
Captcha make_captcha(const std::string& fixed_answer = "");
// Case-insensitive comparison with surrounding spaces ignored.
bool captcha_matches(const std::string& answer, const std::string& typed);

}  // namespace tugra::web
