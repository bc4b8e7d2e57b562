// What holders sign with their card through the card agent, kept with its
// validation report: the application form of E-İmzalı Başvuru (seed 000,
// step 5/6: no paper goes to the officer), and E-Onay İşlemleri, the
// documents that await the holder's electronic approval — the acceptance
// of each certificate in use (after Kullanıma Aç) and the undertaking of a
// renewal applied for on paper. The PDFs are built and the signatures
// checked by the portal (web, with the sign library); this desk decides
// what is awaited, checks the signer against our own records and keeps the
// result, audited.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/portal_records.hpp"
#include "store/signed_documents.hpp"

namespace tugra::store {
class Ledger;
}

namespace tugra::ra {

class ApplicationDesk;
class HolderDesk;

struct AwaitedApproval {
  std::string kind;     // "acceptance" | "renewal_undertaking"
  std::string subject;  // the certificate serial | the application id
};

// A signed PDF and what the portal's validation said of it.
struct SignedPdf {
  std::string pdf;  // the signed PDF (bytes)
  std::string report_json, verdict;
  std::string signer_serial;  // the signing certificate's serial
};

class SignedDocuments {
 public:
  SignedDocuments(store::Ledger& ledger, HolderDesk& holders, ApplicationDesk& applications);

  std::vector<AwaitedApproval> awaited(const std::string& tckn);
  std::vector<store::SignedDocument> signed_by(const std::string& tckn);
  std::optional<store::SignedDocument> find(const std::string& kind, const std::string& subject);
  // True when `kind`/`subject` awaits `tckn`'s approval now.
  bool awaits(const std::string& tckn, const std::string& kind, const std::string& subject);

  // E-Onay: keeps the approval. UserError "esign.not_awaited" when the
  // document does not await this holder, "esign.not_passed" when the
  // signature did not validate, "esign.wrong_signer" when the certificate is
  // not this holder's certificate in use.
  void approve(const std::string& tckn, const std::string& kind, const std::string& subject, const SignedPdf& signed_pdf);
  // E-İmzalı Başvuru: the same checks for the applicant; the application
  // goes to the officer as received, the signed form in place of the paper.
  void submit_application(store::Application& application, const SignedPdf& signed_pdf);

 private:
  void check_signer(const std::string& tckn, const SignedPdf& signed_pdf);
  store::SignedDocument record(const std::string& tckn, const std::string& kind, const std::string& subject,
                               const SignedPdf& signed_pdf);

  store::Ledger& ledger_;
  HolderDesk& holders_;
  ApplicationDesk& applications_;
};

}  // namespace tugra::ra
