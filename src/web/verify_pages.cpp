// "İmza Doğrula": anyone uploads a signed file (a PDF, or a CAdES signature
// with its data) and reads the validation report; no account, no storage:
// the files live only for the request. Trust anchors: this installation's
// hierarchy and verify.trust_dir, as `tugra verify` has them.
#include <filesystem>

#include "common/files.hpp"
#include "crypto/openssl.hpp"
#include "sign/evidence.hpp"
#include "sign/validator.hpp"
#include "web/portal_internal.hpp"
#include "web/report_pdf.hpp"

namespace tugra::web {
namespace {

struct VerifyContext {
  std::vector<Bytes> directory_roots;  // verify.trust_dir, read once
  sign::ValidationSettings settings;
  std::size_t max_upload = 0;
};

Data rows_data(const std::vector<sign::ReportRow>& rows) {
  Data list{Data::type::list};
  for (const auto& r : rows) {
    Data row;
    row.set("label", r.label);
    row.set("value", r.value);
    list.push_back(row);
  }
  return list;
}

Data report_data(Exchange& ex, const sign::ValidationReport& report) {
  Data d;
  d.set("verdict", sign::verdict_text(report.overall(), ex.lang));
  d.set("css", report.overall() == sign::Indication::total_passed ? "ok" : "bad");
  d.set("rows", rows_data(sign::document_rows(report, ex.lang)));
  Data signatures{Data::type::list};
  for (const auto& s : report.signatures) {
    Data one;
    one.set("id", s.id);
    one.set("verdict", sign::verdict_text(s.indication, ex.lang));
    one.set("css", s.indication == sign::Indication::total_passed ? "ok" : "bad");
    one.set("rows", rows_data(sign::signature_rows(s, ex.lang)));
    Data checks{Data::type::list};
    for (const auto& c : s.checks) {
      Data row;
      row.set("name", c.name);
      row.set("passed", c.passed);
      row.set("detail", c.detail);
      checks.push_back(row);
    }
    one.set("checks", checks);
    signatures.push_back(one);
  }
  d.set("signatures", signatures);
  return d;
}

Response verify_page(Exchange& ex, const VerifyContext& ctx, Data data, int status = 200) {
  data.set("max_mb", std::to_string(ctx.max_upload / (1024 * 1024)));
  // Labels shared with `tugra verify --report html` (the verify.* catalog).
  Data labels;
  for (const char* key : {"check", "detail"}) labels.set(key, ex.text(std::string("verify.") + key));
  data.set("labels", labels);
  return ex.page("verify", data, ex.text("web.verify.title"), status);
}

Response verify_post(Exchange& ex, const VerifyContext& ctx) {
  Data data;
  auto file = ex.uploads.find("imza");
  if (file == ex.uploads.end() || file->second.data.empty()) {
    data.set("error", ex.text("web.verify.no_file"));
    return verify_page(ex, ctx, data, 400);
  }
  auto detached = ex.uploads.find("veri");
  for (const auto* upload : {&file->second, detached == ex.uploads.end() ? nullptr : &detached->second})
    if (upload && upload->data.size() > ctx.max_upload) {
      data.set("error", ex.text("web.verify.too_large", {{"mb", std::to_string(ctx.max_upload / (1024 * 1024))}}));
      return verify_page(ex, ctx, data, 413);
    }
  sign::TrustAnchors trust;
  for (auto& der : ex.portal.backends.with([](Backend& b) { return b.authority_certificates(); }))
    trust.add(ossl::cert_from_der(der));
  for (const auto& der : ctx.directory_roots) trust.add(ossl::cert_from_der(der));
  sign::SignedContent content;
  if (detached != ex.uploads.end() && !detached->second.data.empty())
    content.bytes = Bytes(detached->second.data.begin(), detached->second.data.end());
  try {
    sign::EvidenceFetcher evidence("");
    std::string name = std::filesystem::path(file->second.filename).filename().string();
    auto report = sign::validate_document(file->second.data, name.empty() ? "-" : name, content, trust, ctx.settings, evidence);
    if (ex.field("rapor") == "pdf") {
      // The same report as a PDF to file away.
      Response r;
      r.content_type = "application/pdf";
      r.body = validation_report_pdf(report, ex.lang);
      r.with("Content-Disposition", "attachment; filename=\"imza-dogrulama-raporu.pdf\"");
      return r;
    }
    data.set("report", report_data(ex, report));
  } catch (const UserError& e) {
    data.set("error", e.text(ex.lang));
    return verify_page(ex, ctx, data, 400);
  }
  return verify_page(ex, ctx, data);
}

}  // namespace

void add_verify_pages(PortalState& portal) {
  auto ctx = std::make_shared<VerifyContext>();
  sign::TrustAnchors directory;
  directory.add_directory(portal.config.path("verify.trust_dir"));
  for (const auto& c : directory.roots()) ctx->directory_roots.push_back(ossl::to_der(c.get()));
  for (const auto& c : directory.intermediates()) ctx->directory_roots.push_back(ossl::to_der(c.get()));
  ctx->settings.online = portal.config.boolean("verify.online");
  ctx->settings.policies = sign::PolicySettings::from(portal.config);
  ctx->max_upload = static_cast<std::size_t>(portal.config.integer("verify.max_upload_bytes"));
  portal.routes["GET /imza-dogrula"] = [ctx](Exchange& ex) { return verify_page(ex, *ctx, Data{}); };
  portal.routes["POST /imza-dogrula"] = [ctx](Exchange& ex) { return verify_post(ex, *ctx); };
  portal.upload_routes.insert("POST /imza-dogrula");
}

}  // namespace tugra::web
