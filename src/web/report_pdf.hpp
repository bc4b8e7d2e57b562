// A signature validation report as a PDF a relying party can file: the same
// rows as the HTML report and the "İmza Doğrula" page, in Turkish or English.
#pragma once

#include <string>

#include "common/messages.hpp"

namespace tugra::sign {
struct ValidationReport;
}

namespace tugra::web {

std::string validation_report_pdf(const sign::ValidationReport& report, Lang lang);

}  // namespace tugra::web
