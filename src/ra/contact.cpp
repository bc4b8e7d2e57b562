#include "ra/contact.hpp"

#include "common/error.hpp"

namespace tugra::ra {

std::string normalise_phone(const std::string& text) {
  std::string digits;
  for (char c : text) {
    if (c >= '0' && c <= '9') digits += c;
    else if (c != ' ' && c != '-' && c != '(' && c != ')' && !(c == '+' && digits.empty()))
      throw UserError("production.bad_phone", {{"phone", text}});
  }
  if (digits.rfind("90", 0) == 0 && digits.size() == 12) digits.erase(0, 2);
  else if (digits.rfind("0", 0) == 0 && digits.size() == 11) digits.erase(0, 1);
  if (digits.size() != 10 || digits[0] == '0') throw UserError("production.bad_phone", {{"phone", text}});
  return "+90" + digits;
}

std::string normalise_mobile(const std::string& text) {
  std::string number = normalise_phone(text);
  if (number[3] != '5') throw UserError("production.bad_phone", {{"phone", text}});
  return number;
}

void check_email(const std::string& email) {
  auto at = email.find('@');
  bool ok = email.size() <= 254 && at != std::string::npos && at > 0 && email.find('@', at + 1) == std::string::npos &&
            email.find_first_of(" \t\r\n<>\"") == std::string::npos && email.find('.', at) != std::string::npos &&
            email.back() != '.';
  if (!ok) throw UserError("production.bad_email", {{"email", email}});
}

std::string mask_phone(const std::string& normalised) {
  std::string d = normalised.rfind("+90", 0) == 0 ? normalised.substr(3) : normalised;
  if (d.size() < 2) return "** *** ** **";
  return d.substr(0, 2) + "* *** ** **";
}

std::string mask_email(const std::string& email) {
  auto at = email.find('@');
  if (at == std::string::npos || at == 0) return "***";
  return email.substr(0, 1) + "***" + email.substr(at);
}

}  // namespace tugra::ra
