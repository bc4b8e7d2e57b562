#include "ra/contact.hpp"
#include "ra/provinces.hpp"

#include "common/error.hpp"
#include "common/text.hpp"

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
            email.back() != '.' && text_problem(email) == TextProblem::none;  // whole UTF-8, no controls
  // The address is repeated in the message only when it is whole text.
  if (!ok)
    throw UserError("production.bad_email", {{"email", text_problem(email) == TextProblem::none ? email : "(?)"}});
}

std::string mask_phone(const std::string& normalised) {
  std::string d = normalised.rfind("+90", 0) == 0 ? normalised.substr(3) : normalised;
  if (d.size() < 2) return "** *** ** **";
  return d.substr(0, 2) + "* *** ** **";
}

std::string mask_email(const std::string& email) {
  auto at = email.find('@');
  if (at == std::string::npos || at == 0) return "***";
  // The first character whole: "ç" is two bytes in UTF-8.
  std::size_t first = 1;
  while (first < at && (static_cast<unsigned char>(email[first]) & 0xC0) == 0x80) ++first;
  return email.substr(0, first) + "***" + email.substr(at);
}

FieldErrors check_contact_fields(const FormValues& input, FormValues& out) {
  FieldErrors errors;
  auto value = [&](const char* name) {
    auto it = input.find(name);
    return out[name] = it == input.end() ? "" : trim(it->second);
  };
  for (auto [name, max] : {std::pair{"address", 256}, {"il", 64}, {"ilce", 64}}) {
    int n = utf8_length(value(name));
    if (n < 0 && has_format_control(out[name])) errors[name] = "apply.error.format_control";
    else if (n < 0 || n > max) errors[name] = "apply.error.too_long";
    else if (n == 0) errors[name] = "apply.error.required";
  }
  // İl and İlçe from the lists (stored as the lists spell them).
  const Province* province = nullptr;
  if (!errors.count("il") && !(province = find_province(out["il"]))) errors["il"] = "apply.error.il";
  if (province) out["il"] = province->name;
  if (province && !errors.count("ilce")) {
    if (auto district = find_district(*province, out["ilce"])) out["ilce"] = *district;
    else errors["ilce"] = "apply.error.ilce";
  }
  std::string postal = value("postal_code");
  if (postal.size() != 5 || postal.find_first_not_of("0123456789") != std::string::npos)
    errors["postal_code"] = "apply.error.postal_code";
  try {
    check_email(value("email"));
  } catch (const UserError&) {
    errors["email"] = "apply.error.email";
  }
  for (auto [name, mobile] : {std::pair{"work_phone", false}, {"home_phone", false}, {"mobile", true}}) {
    std::string v = value(name);
    if (v.empty()) {
      if (mobile) errors[name] = "apply.error.required";
      continue;
    }
    try {
      out[name] = mobile ? normalise_mobile(v) : normalise_phone(v);
    } catch (const UserError&) {
      errors[name] = mobile ? "apply.error.mobile" : "apply.error.phone";
    }
  }
  std::string ext = value("work_ext");
  if (ext.size() > 6 || ext.find_first_not_of("0123456789") != std::string::npos) errors["work_ext"] = "apply.error.digits";
  std::string channel = value("channel");
  if (channel != "email" && channel != "sms" && channel != "both") errors["channel"] = "apply.error.choose";
  return errors;
}

}  // namespace tugra::ra
