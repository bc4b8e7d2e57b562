// Contact details as the forms take them: Turkish phone numbers and e-mail.
#pragma once

#include <string>

namespace tugra::ra {

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
