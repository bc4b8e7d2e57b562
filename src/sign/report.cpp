#include "sign/report.hpp"
#include "common/clock.hpp"
#include "common/text.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <ctime>

namespace tugra::sign {
namespace {

// TS 119 102-2 §5.1.3 URIs: the indication's name in lower case.
std::string main_uri(Indication i) {
  std::string name = indication_name(i);
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return "urn:etsi:019102:mainindication:" + name;
}

std::string element(const std::string& name, const std::string& text) {
  return "<" + name + ">" + escape_markup(text) + "</" + name + ">";
}

}  // namespace

std::string indication_name(Indication indication) {
  switch (indication) {
    case Indication::total_passed: return "TOTAL-PASSED";
    case Indication::total_failed: return "TOTAL-FAILED";
    case Indication::indeterminate: return "INDETERMINATE";
  }
  return "";
}

Indication ValidationReport::overall() const {
  if (signatures.empty()) return Indication::indeterminate;
  bool indeterminate = false;
  for (const auto& s : signatures) {
    if (s.indication == Indication::total_failed) return Indication::total_failed;
    indeterminate |= s.indication == Indication::indeterminate;
  }
  return indeterminate ? Indication::indeterminate : Indication::total_passed;
}

std::string to_json(const ValidationReport& report) {
  nlohmann::ordered_json out;
  out["document"] = report.document;
  out["documentSha256"] = report.document_sha256;
  out["validationTime"] = format_iso(report.validation_time);
  out["indication"] = indication_name(report.overall());
  out["signatures"] = nlohmann::json::array();
  for (const auto& s : report.signatures) {
    nlohmann::ordered_json j;
    j["id"] = s.id;
    j["format"] = s.format;
    j["level"] = s.level;
    j["profile"] = s.profile;
    j["indication"] = indication_name(s.indication);
    j["subIndication"] = s.sub_indication;
    j["signer"] = s.signer;
    j["signerSerial"] = s.signer_serial;
    j["issuer"] = s.issuer;
    j["chain"] = s.chain;
    j["claimedSigningTime"] = s.claimed_signing_time ? format_iso(*s.claimed_signing_time) : "";
    j["bestSignatureTime"] = format_iso(s.best_signature_time);
    j["bestSignatureTimeProven"] = s.best_time_proven;
    j["policy"] = s.policy_oid;
    j["qualified"] = s.qualified;
    j["qcStatements"] = s.qc_statements;
    j["revocation"] = {{"status", s.revocation.status},
                       {"source", s.revocation.source},
                       {"revokedAt", s.revocation.revoked_at ? format_iso(*s.revocation.revoked_at) : ""},
                       {"reason", s.revocation.reason}};
    j["timestamps"] = nlohmann::json::array();
    for (const auto& t : s.timestamps)
      j["timestamps"].push_back({{"genTime", format_iso(t.gen_time)}, {"tsa", t.tsa}, {"valid", t.valid}, {"detail", t.detail}});
    j["checks"] = nlohmann::json::array();
    for (const auto& c : s.checks) j["checks"].push_back({{"name", c.name}, {"passed", c.passed}, {"detail", c.detail}});
    out["signatures"].push_back(std::move(j));
  }
  return out.dump(2) + "\n";
}

std::string to_xml(const ValidationReport& report) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ValidationReport xmlns=\"http://uri.etsi.org/19102/v1.2.1#\">\n";
  for (const auto& s : report.signatures) {
    x += " <SignatureValidationReport>\n";
    x += "  <SignatureIdentifier id=\"" + escape_markup(s.id) + "\">" + element("HashOnly", "false") +
         element("DocHashOnly", "false") + element("DAIdentifier", report.document) + "</SignatureIdentifier>\n";
    x += "  <ValidationConstraintsEvaluationReport>\n";
    for (const auto& c : s.checks) {
      x += "   <ValidationConstraint>" + element("ValidationConstraintIdentifier", "urn:tugra:constraint:" + c.name) +
           "<ConstraintStatus>" + element("Status", "urn:etsi:019102:constraintStatus:applied") + "</ConstraintStatus>" +
           "<ValidationStatus>" +
           element("MainIndication", c.passed ? "urn:etsi:019102:mainindication:passed" : "urn:etsi:019102:mainindication:failed") +
           "<AssociatedValidationReportData>" + element("AdditionalValidationReportData", c.detail) +
           "</AssociatedValidationReportData></ValidationStatus></ValidationConstraint>\n";
    }
    x += "  </ValidationConstraintsEvaluationReport>\n";
    x += "  <ValidationTimeInfo>" + element("ValidationTime", format_iso(report.validation_time)) + "<BestSignatureTime>" +
         element("POETime", format_iso(s.best_signature_time)) +
         element("TypeOfProof", s.best_time_proven ? "urn:etsi:019102:poetype:validation" : "urn:etsi:019102:poetype:provided") +
         "</BestSignatureTime></ValidationTimeInfo>\n";
    x += "  <SignatureAttributes>";
    if (s.claimed_signing_time) x += "<SigningTime Signed=\"true\">" + element("Time", format_iso(*s.claimed_signing_time)) + "</SigningTime>";
    if (!s.policy_oid.empty())
      x += "<SignaturePolicyIdentifier Signed=\"true\">" + element("SigPolicyId", s.policy_oid) + "</SignaturePolicyIdentifier>";
    for (const auto& t : s.timestamps)
      x += "<SignatureTimeStamp Signed=\"false\">" + element("TimeStampValue", format_iso(t.gen_time)) + "</SignatureTimeStamp>";
    x += "</SignatureAttributes>\n";
    x += "  <SignerInformation>" + element("Signer", s.signer) + "</SignerInformation>\n";
    x += "  <SignatureQuality>" +
         element("SignatureQualityInformation", s.qualified ? "urn:tugra:quality:qualified-certificate-ma3"
                                                            : "urn:tugra:quality:not-qualified") +
         "</SignatureQuality>\n";
    x += "  <SignatureValidationStatus>" + element("MainIndication", main_uri(s.indication));
    if (!s.sub_indication.empty()) x += element("SubIndication", "urn:etsi:019102:subindication:" + s.sub_indication);
    x += "</SignatureValidationStatus>\n </SignatureValidationReport>\n";
  }
  x += "</ValidationReport>\n";
  return x;
}

std::string verdict_text(Indication indication, Lang lang) {
  switch (indication) {
    case Indication::total_passed: return message(lang, "verify.passed");
    case Indication::total_failed: return message(lang, "verify.failed");
    case Indication::indeterminate: return message(lang, "verify.indeterminate");
  }
  return "";
}

std::vector<ReportRow> document_rows(const ValidationReport& report, Lang lang) {
  return {{message(lang, "verify.document"), report.document},
          {"SHA-256", report.document_sha256},
          {message(lang, "verify.validation_time"), format_iso(report.validation_time)},
          {message(lang, "verify.result"), verdict_text(report.overall(), lang) + " (" + indication_name(report.overall()) + ")"}};
}

std::vector<ReportRow> signature_rows(const SignatureResult& s, Lang lang) {
  std::string qc;
  for (const auto& q : s.qc_statements) qc += (qc.empty() ? "" : ", ") + q;
  return {
      {message(lang, "verify.indication"), indication_name(s.indication) + (s.sub_indication.empty() ? "" : " / " + s.sub_indication)},
      {message(lang, "verify.signer"), s.signer},
      {message(lang, "verify.issuer"), s.issuer},
      {message(lang, "verify.format"), s.format + ", " + s.level + (s.profile.empty() ? "" : ", " + s.profile)},
      {message(lang, "verify.signing_time"), s.claimed_signing_time ? format_iso(*s.claimed_signing_time) : "-"},
      {message(lang, "verify.best_time"),
       format_iso(s.best_signature_time) + (s.best_time_proven ? " (" + message(lang, "verify.proven") + ")" : "")},
      {message(lang, "verify.qualified"), message(lang, s.qualified ? "verify.yes" : "verify.no") + (qc.empty() ? "" : " — " + qc)},
      {message(lang, "verify.revocation"), s.revocation.status +
                                               (s.revocation.revoked_at ? " " + format_iso(*s.revocation.revoked_at) : "") +
                                               (s.revocation.reason.empty() ? "" : " (" + s.revocation.reason + ")") +
                                               " — " + s.revocation.source},
  };
}

std::string to_html(const ValidationReport& report, Lang lang) {
  auto m = [lang](const char* key) { return escape_markup(message(lang, key)); };
  auto table = [](const std::vector<ReportRow>& rows) {
    std::string t = "<table>";
    for (const auto& r : rows) t += "<tr><th>" + escape_markup(r.label) + "</th><td>" + escape_markup(r.value) + "</td></tr>";
    return t + "</table>\n";
  };
  std::string h = "<!DOCTYPE html>\n<html lang=\"" + std::string(lang == Lang::tr ? "tr" : "en") +
                  "\"><head><meta charset=\"utf-8\"><title>" + m("verify.report_title") +
                  "</title><style>body{font-family:sans-serif;max-width:60em;margin:2em auto}td,th{text-align:left;"
                  "padding:.2em .6em;vertical-align:top}.ok{color:#064}.bad{color:#a00}</style></head><body>\n";
  h += "<h1>" + m("verify.report_title") + "</h1>\n" + table(document_rows(report, lang));
  for (const auto& s : report.signatures) {
    h += "<h2>" + escape_markup(s.id) + ": " + escape_markup(verdict_text(s.indication, lang)) + "</h2>\n" + table(signature_rows(s, lang));
    h += "<table><tr><th>" + m("verify.check") + "</th><th></th><th>" + m("verify.detail") + "</th></tr>";
    for (const auto& c : s.checks)
      h += "<tr><td>" + escape_markup(c.name) + "</td><td class=\"" + (c.passed ? "ok\">✔" : "bad\">✘") + "</td><td>" + escape_markup(c.detail) + "</td></tr>";
    h += "</table>\n";
  }
  h += "</body></html>\n";
  return h;
}

}  // namespace tugra::sign
