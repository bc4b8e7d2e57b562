// Contact details as the forms take them: Turkish phone numbers and e-mail.
#pragma once

#include <map>
#include <string>

namespace tugra::ra {

// Form input by field name, and what is wrong with a field (catalog keys).
using FormValues = std::map<std::string, std::string>;
using FieldErrors = std::map<std::string, std::string>;

// The contact details the application form and Bilgi Güncelle both take:
// address (required, 256), il and ilce (required, 64), postal_code (5
// digits), email, work_phone and home_phone (optional), work_ext (digits),
// mobile (required), channel (email | sms | both). Every field is copied to
// `out` trimmed, phones normalised when they are valid.
FieldErrors check_contact_fields(const FormValues& input, FormValues& out);
// Those of them a holder's account keeps as its details (beside mobile,
// email and channel).
inline constexpr const char* kContactDetails[] = {"address",    "il",       "ilce",      "postal_code",
                                                  "work_phone", "work_ext", "home_phone"};

// "+905321234567" from the ways people write a Turkish mobile number;
// UserError("production.bad_phone") otherwise.
std::string normalise_mobile(const std::string& text);
// Any Turkish number (landline or mobile): "+90" and 10 digits.
std::string normalise_phone(const std::string& text);
// UserError("production.bad_email") unless it looks like one address.
void check_email(const std::string& email);
// "54* *** ** **" as seed 001 shows a number: the first two digits only.
std::string mask_phone(const std::string& normalised);
// "a***@example.org"
std::string mask_email(const std::string& email);

}  // namespace tugra::ra
