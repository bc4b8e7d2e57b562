#include "web/agent_support.hpp"

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "crypto/algorithm.hpp"
#include "sign/cades.hpp"
#include "sign/pades.hpp"
#include "sign/validator.hpp"
#include "web/portal_internal.hpp"

namespace tugra::web {

struct PendingCardSignature {
  std::string purpose;
  ossl::Cert certificate;
  std::unique_ptr<sign::PadesSignature> pades;
  std::string document_name;
};

namespace {

std::vector<ossl::Cert> authorities(Exchange& ex) {
  std::vector<ossl::Cert> out;
  for (auto& der : ex.portal.backends.with([](Backend& b) { return b.authority_certificates(); }))
    out.push_back(ossl::cert_from_der(der));
  return out;
}

}  // namespace

std::string begin_operation(Session& s, const std::string& purpose) {
  s.agent_nonce = base64url_encode(random_bytes(32));
  s.agent_purpose = purpose;
  s.agent_card.clear();
  s.agent_server_key.clear();
  return s.agent_nonce;
}

bool operation_matches(Exchange& ex, const std::string& purpose) {
  Session* s = ex.session(false);
  return s && s->agent_purpose == purpose && !s->agent_nonce.empty() && ex.field("nonce") == s->agent_nonce;
}

void end_operation(Session& s) {
  s.agent_nonce.clear();
  s.agent_purpose.clear();
  s.agent_card.clear();
  s.agent_server_key.clear();
}

Data agent_block(Exchange& ex, const std::string& kind, const std::string& nonce, const std::string& finish) {
  Data a;
  a.set("url", ex.portal.agent_url);
  a.set("kind", kind);
  a.set("nonce", nonce);
  a.set("finish", finish);
  return a;
}

Response json_answer(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump();
  return r;
}

Response json_refusal(Exchange& ex, const UserError& e, int status) {
  return json_answer(status, {{"error", e.key()}, {"message", e.text(ex.lang)}});
}

Data signed_document_data(Exchange& ex, const store::SignedDocument& document) {
  Data d;
  d.set("title", ex.text("web.eonay.kind_" + document.kind));
  d.set("kind", document.kind);
  d.set("subject", document.subject);
  d.set("verdict", document.verdict);
  if (document.verdict == "TOTAL-PASSED") d.set("passed", true);
  d.set("signed_at", format_time(document.signed_at, "%d.%m.%Y %H:%M"));
  d.set("signer_serial", document.signer);
  auto report = nlohmann::json::parse(document.report, nullptr, false);
  if (report.is_object() && report.contains("signatures") && !report["signatures"].empty()) {
    const auto& s = report["signatures"][0];
    d.set("signer", s.value("signer", ""));
    d.set("level", s.value("level", "") + (s.value("profile", "").empty() ? "" : " / " + s.value("profile", "")));
    d.set("best_time", s.value("bestSignatureTime", ""));
    Data checks{Data::type::list};
    if (s.contains("checks"))
      for (const auto& c : s["checks"]) {
        Data row;
        row.set("name", c.value("name", ""));
        row.set("result", c.value("passed", false) ? "✓" : "✗");
        checks.push_back(row);
      }
    d.set("checks", checks);
  }
  return d;
}

Response signed_pdf_response(const store::SignedDocument& document) {
  Response r;
  r.content_type = "application/pdf";
  Bytes pdf = base64_decode(document.signed_document);
  r.body.assign(pdf.begin(), pdf.end());
  r.with("Content-Disposition", "attachment; filename=\"" + document.kind + "-" + document.subject + "-e-imzali.pdf\"");
  return r;
}

nlohmann::json prepare_card_signature(Exchange& ex, Session& session, const std::string& purpose,
                                      const std::string& pdf, const std::string& document_name) {
  auto pending = std::make_shared<PendingCardSignature>();
  pending->purpose = purpose;
  pending->document_name = document_name;
  try {
    pending->certificate = ossl::cert_from_der(base64_decode(ex.field("certificate")));
  } catch (const std::exception&) {
    throw UserError("esign.bad_certificate");
  }
  sign::PadesOptions options;
  options.profile = sign::btk_profile("P4", sign::PolicySettings::from(ex.portal.config));
  options.signing_time = now_seconds();
  pending->pades = std::make_unique<sign::PadesSignature>(
      pending->certificate.get(), scheme_for_key(X509_get0_pubkey(pending->certificate.get())), pdf, options);
  nlohmann::json request{{"document", base64_encode(as_bytes(pending->pades->prepared()))},
                         {"document_name", document_name},
                         {"byte_range", pending->pades->byte_range()},
                         {"signed_attributes", base64_encode(pending->pades->to_be_signed())}};
  session.pending_signature = pending;
  return request;
}

ra::SignedPdf finish_card_signature(Exchange& ex, Session& session, const std::string& purpose) {
  auto pending = session.pending_signature;
  session.pending_signature.reset();  // one try: a new one starts from prepare
  if (!pending || pending->purpose != purpose) throw UserError("esign.nothing_pending");
  Bytes signature;
  try {
    signature = base64_decode(ex.field("signature"));
  } catch (const std::invalid_argument&) {
    throw UserError("esign.bad_certificate");
  }
  sign::EvidenceFetcher evidence(sign::configured_tsa_url(ex.portal.config));
  auto known = authorities(ex);
  auto chain = sign::complete_chain(pending->certificate.get(), known, evidence);
  ra::SignedPdf out;
  out.pdf = pending->pades->complete(signature, chain, evidence);
  // Checked as İmza Doğrula checks any PDF: the hierarchy's anchors, online.
  sign::TrustAnchors trust;
  for (auto& c : known) trust.add(std::move(c));
  sign::ValidationSettings settings;
  settings.policies = sign::PolicySettings::from(ex.portal.config);
  auto report = sign::validate_pades(out.pdf, pending->document_name, trust, settings, evidence);
  out.report_json = sign::to_json(report);
  out.verdict = sign::indication_name(report.overall());
  if (!report.signatures.empty()) out.signer_serial = report.signatures.front().signer_serial;
  return out;
}

}  // namespace tugra::web
