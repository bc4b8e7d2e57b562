#include "ra/signed_documents.hpp"

#include <nlohmann/json.hpp>

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "ra/applications.hpp"
#include "ra/holder_desk.hpp"
#include "store/ledger.hpp"

namespace tugra::ra {
namespace {

constexpr const char* kAcceptance = "acceptance";
constexpr const char* kUndertaking = "renewal_undertaking";

bool renewal_on_paper(const store::Application& a) {
  using S = store::ApplicationState;
  return form_values(a)["app_type"] == "renewal" && a.receipt_no.rfind("E-IMZA-", 0) != 0 &&
         (a.state == S::submitted || a.state == S::received || a.state == S::approved);
}

}  // namespace

SignedDocuments::SignedDocuments(store::Ledger& ledger, HolderDesk& holders, ApplicationDesk& applications)
    : ledger_(ledger), holders_(holders), applications_(applications) {}

std::vector<AwaitedApproval> SignedDocuments::awaited(const std::string& tckn) {
  std::vector<AwaitedApproval> out;
  store::SignedDocumentRepository documents(ledger_.database());
  for (const auto& c : holders_.certificates(tckn))
    if (c.state == CertState::active && !documents.find(kAcceptance, c.record.serial))
      out.push_back({kAcceptance, c.record.serial});
  auto latest = store::ApplicationRepository(ledger_.database()).latest(tckn);
  if (latest && renewal_on_paper(*latest) && !documents.find(kUndertaking, std::to_string(latest->id)))
    out.push_back({kUndertaking, std::to_string(latest->id)});
  return out;
}

bool SignedDocuments::awaits(const std::string& tckn, const std::string& kind, const std::string& subject) {
  for (const auto& a : awaited(tckn))
    if (a.kind == kind && a.subject == subject) return true;
  return false;
}

std::vector<store::SignedDocument> SignedDocuments::signed_by(const std::string& tckn) {
  return store::SignedDocumentRepository(ledger_.database()).for_holder(tckn);
}

std::optional<store::SignedDocument> SignedDocuments::find(const std::string& kind, const std::string& subject) {
  return store::SignedDocumentRepository(ledger_.database()).find(kind, subject);
}

void SignedDocuments::check_signer(const std::string& tckn, const SignedPdf& s) {
  if (s.verdict != "TOTAL-PASSED") throw UserError("esign.not_passed", {{"verdict", s.verdict}});
  // The signature validated against the hierarchy; our own records say
  // whose certificate it is and whether it is in use now.
  bool in_use = false;
  for (const auto& c : holders_.certificates(tckn))
    if (c.record.serial == s.signer_serial && c.state == CertState::active) in_use = true;
  if (!in_use) throw UserError("esign.wrong_signer");
}

store::SignedDocument SignedDocuments::record(const std::string& tckn, const std::string& kind,
                                              const std::string& subject, const SignedPdf& s) {
  store::SignedDocument d;
  d.tckn = tckn;
  d.kind = kind;
  d.subject = subject;
  d.signed_document = base64_encode(as_bytes(s.pdf));
  d.report = s.report_json;
  d.verdict = s.verdict;
  d.signer = s.signer_serial;
  d.signed_at = now_seconds();
  if (!store::SignedDocumentRepository(ledger_.database()).insert(d)) throw UserError("esign.not_awaited");
  ledger_.record("document.e_signed", tckn,
                 nlohmann::json{{"kind", kind}, {"subject", subject}, {"document", d.id}, {"certificate", s.signer_serial}}
                     .dump(),
                 "holder:" + tckn);
  return d;
}

void SignedDocuments::approve(const std::string& tckn, const std::string& kind, const std::string& subject,
                              const SignedPdf& s) {
  if (!awaits(tckn, kind, subject)) throw UserError("esign.not_awaited");
  check_signer(tckn, s);
  ledger_.write([&] { record(tckn, kind, subject, s); });
  ledger_.checkpoint();
}

void SignedDocuments::submit_application(store::Application& a, const SignedPdf& s) {
  check_signer(a.tckn, s);
  applications_.receive_e_signed(a, [&] { return record(a.tckn, "application", std::to_string(a.id), s).id; });
}

}  // namespace tugra::ra
